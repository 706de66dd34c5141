"""The fake connector as the server process loads it (entry point), with its story seeded."""

from __future__ import annotations

from .connector import FakeMailConnector, seed

seed()

__all__ = ["FakeMailConnector"]
