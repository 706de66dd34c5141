"""Qdrant (qdrant.tech): a vector database, self-hosted or Qdrant Cloud, over its REST API."""
