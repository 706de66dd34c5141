"""GitHub (github.com and GitHub Enterprise Server): issues, pull requests, checks."""
