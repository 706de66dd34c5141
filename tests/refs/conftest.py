from __future__ import annotations

from pathlib import Path

import pytest

from connectors.sdk.manifest import Manifest
from connectors.sdk.models import RepoRef
from server.hub.autolinks import load_autolinks
from server.hub.refs import RuleSet, ScanContext

ROOT = Path(__file__).resolve().parents[2]
REPO = RepoRef(host="github.com", owner="acme", name="app")


@pytest.fixture(scope="session")
def manifest() -> Manifest:
    return Manifest.load(ROOT / "connectors" / "github" / "manifest.toml")


@pytest.fixture(scope="session")
def rules(manifest: Manifest) -> RuleSet:
    links = load_autolinks(
        [{"pattern": r"ABC-(\d+)", "url": "https://tracker.example.com/browse/ABC-{1}"}]
    )
    return RuleSet.from_manifest(
        manifest, enterprise_hosts=["ghe.corp.test"], autolinks=links.rules
    )


@pytest.fixture
def ctx() -> ScanContext:
    return ScanContext.single(REPO, highest=1000)
