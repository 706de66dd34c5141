"""GitHub's OpenAPI description: where it is installed, its contract, and its examples.

The description ships in npm ``@octokit/openapi`` (installed under ``tests/peers`` by
``scripts/test-peers.sh``); the kit's ``OpenAPIContract`` loads and validates against it once
per process. Bodies the stand-in serves start from the description's own examples.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .kit import OpenAPIContract

PEERS = Path(__file__).resolve().parents[1] / "peers" / "node_modules"
SPEC_PATH = PEERS / "@octokit" / "openapi" / "generated" / "api.github.com.json"
FIXTURES = PEERS / "@octokit" / "fixtures" / "scenarios" / "api.github.com"
SERVER = "https://api.github.com"
CONTRACT = OpenAPIContract(SPEC_PATH, SERVER)


def available() -> bool:
    """True when the Node peers (installed by ``scripts/test-peers.sh``) are present."""
    return CONTRACT.available()


def document() -> dict[str, Any]:
    """The raw OpenAPI document as a dict (parsed once)."""
    return CONTRACT.document


def example(path: str, method: str, status: str = "200", name: str | None = None) -> Any:
    """A deep copy of the documented example response body for an operation."""
    return CONTRACT.example(path, method, status, name)


def component_example(name: str) -> Any:
    """A deep copy of ``#/components/examples/<name>``'s value."""
    return CONTRACT.component_example(name)
