"""GitLab (gitlab.com and self-managed): issues, merge requests and pipelines."""
