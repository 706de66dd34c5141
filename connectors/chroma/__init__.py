"""Chroma (trychroma.com): a vector database, self-hosted or Chroma Cloud, over its HTTP API v2."""
