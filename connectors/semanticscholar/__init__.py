"""Semantic Scholar (api.semanticscholar.org): papers named by S2 id, DOI or arXiv id."""
