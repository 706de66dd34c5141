"""The editors' settings UIs and the README list exactly the server's settings, generated
from the configuration model and the installed connectors' manifests (never hand-copied)."""

from __future__ import annotations

import json

from connectors.sdk.registry import default_registry
from server.hub import settings_docs


def test_committed_files_are_current() -> None:
    stale = [
        str(path.relative_to(settings_docs.ROOT))
        for path, text in settings_docs.rendered(default_registry().manifests()).items()
        if path.read_text(encoding="utf-8") != text
    ]
    assert not stale, f"run `python -m server.hub.settings_docs --write`: {stale} are stale"


def test_every_connector_and_key_is_in_the_vscode_settings() -> None:
    props = json.loads(settings_docs.VSCODE.read_text())["contributes"]["configuration"][
        "properties"
    ]
    for m in default_registry().manifests():
        assert f"tieline.connectors.{m.id}.enabled" in props, m.id
        assert f"tieline.connectors.{m.id}.clientId" in props, m.id
    assert props["tieline.connectors.jira.site"]["scope"] == "resource"
    assert "tieline.connectors.gitlab.hosts" in props
    assert "tieline.server.path" in props  # the shell's own launch settings are kept


def test_a_new_manifest_field_appears_everywhere() -> None:
    from connectors.sdk.manifest import Manifest

    m = Manifest.parse(
        {
            "id": "acme",
            "name": "Acme",
            "capabilities": ["IssueTracker"],
            "api_url": "https://acme.test",
            "attach": {"kind": "account"},
            "auth": {"methods": ["token"]},
            "config": [{"name": "board", "description": "The board to show.", "default": "x"}],
        }
    )
    keys = {s.key for s in settings_docs.settings([m])}
    assert "connectors.acme.board" in keys and "connectors.acme.enabled" in keys
    assert '`connectors.acme.board` | `"x"` | The board to show.' in settings_docs.readme_table([m])


def test_the_readme_names_every_connector_id() -> None:
    """The editor-settings row listing ``tieline.connectors.<id>`` ids follows the installed
    connectors, so a new connector cannot be left out of it."""
    from connectors.sdk.manifest import Manifest

    installed = list(default_registry().manifests())
    extra = Manifest.parse(
        {
            "id": "aardvark",
            "name": "Aardvark",
            "capabilities": [],
            "api_url": "https://aardvark.test",
            "attach": {"kind": "account"},
            "auth": {"methods": ["token"]},
        }
    )
    text = settings_docs.render_readme([*installed, extra], settings_docs.README.read_text())
    row = settings_docs.IDS_ROW.search(text)
    assert row is not None
    line = text[row.start() : text.index("\n", row.start())]
    assert line.startswith("ids as `tieline/connectors` lists them: `aardvark`, ")
    for m in installed:
        assert f"`{m.id}`" in line
