"""The docs tests' fixtures live in :mod:`tests.docs.sets`, which the LSP tests share."""

from .sets import built, site, stdlib_index

__all__ = ["built", "site", "stdlib_index"]
