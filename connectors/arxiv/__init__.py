"""arXiv (export.arxiv.org): metadata of preprints named by their arXiv id."""
