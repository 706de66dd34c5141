"""The hub's SQLite store: one database file, versioned migrations, typed async access."""

from __future__ import annotations

from .database import Database
from .migrate import Migration, current_version, load_migrations, migrate
from .models import AuditEntry, Checkpoint, ConnectorMetrics, Grant, Item
from .store import Store

__all__ = [
    "AuditEntry",
    "Checkpoint",
    "ConnectorMetrics",
    "Database",
    "Grant",
    "Item",
    "Migration",
    "Store",
    "current_version",
    "load_migrations",
    "migrate",
]
