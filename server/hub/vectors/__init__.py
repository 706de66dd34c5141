"""Search by meaning: what the hub mirrors, embedded and kept in a vector store.

:mod:`.store` is the embedded default (sqlite-vec in a SQLite file of its own) and the catalog
of what is indexed; :mod:`.indexer` embeds only what is new or changed and drops what vanished.
"""
