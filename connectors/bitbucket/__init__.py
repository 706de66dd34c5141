"""Bitbucket Cloud: pull requests, issues, build statuses and Bitbucket Pipelines."""
