"""Jenkins connector: jobs, folders, multibranch pipelines, builds, stages and console logs."""
