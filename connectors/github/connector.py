"""GitHub connector: maps GitHub's REST API into Tieline's shared models."""

from __future__ import annotations

from pathlib import Path

from connectors.sdk import Connector


class GitHubConnector(Connector):
    manifest_path = Path(__file__).with_name("manifest.toml")
