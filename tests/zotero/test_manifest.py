"""Zotero's manifest: it loads, declares what the class implements, sends the key the way
each sign-in method says, and a labelled key never reaches a log."""

from __future__ import annotations

from connectors.sdk.capabilities import References
from connectors.sdk.redact import redact, register_shapes
from connectors.sdk.registry import Registry
from connectors.zotero.connector import ZoteroConnector

from .conftest import KEY

MANIFEST = ZoteroConnector.manifest()


def test_the_manifest_loads_and_matches_the_class() -> None:
    assert MANIFEST.id == "zotero" and MANIFEST.capabilities == ("References",)
    ZoteroConnector.verify_capabilities()
    registry = Registry()
    registry.add(ZoteroConnector)
    assert registry.manifest("zotero").name == "Zotero"
    assert issubclass(ZoteroConnector, References)


def test_each_method_sends_the_key_its_way() -> None:
    assert MANIFEST.auth.header_for("api_key") == ("Zotero-API-Key", "{token}")
    assert MANIFEST.auth.header_for("token") == ("Authorization", "Bearer {token}")


def test_a_labelled_key_is_masked() -> None:
    register_shapes(MANIFEST.auth.token_patterns)
    assert KEY not in redact(f"sent Zotero-API-Key: {KEY} to the API")
