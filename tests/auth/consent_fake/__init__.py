"""The fake mailbox of :mod:`tests.mail.fake` behind an OAuth sign-in whose mail scope is
asked on demand (incremental consent), as the server process loads it (entry point)."""

from __future__ import annotations

from pathlib import Path

from connectors.sdk.manifest import Manifest
from tests.mail.fake.served import FakeMailConnector


class ConsentMailConnector(FakeMailConnector):
    manifest_path = Path(__file__).with_name("manifest.toml")
    _manifest: Manifest | None = None


__all__ = ["ConsentMailConnector"]
