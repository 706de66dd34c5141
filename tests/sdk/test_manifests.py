"""Bad manifests and bad settings are explained -- naming the connector and the key -- and
never take the other connectors down."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from connectors.sdk.errors import ManifestError, TielineError
from connectors.sdk.manifest import Manifest
from connectors.sdk.registry import Registry
from server.hub import config

GOOD: dict[str, Any] = {
    "id": "acme",
    "name": "Acme",
    "capabilities": ["IssueTracker"],
    "api_url": "https://acme.test",
    "attach": {"kind": "account"},
    "auth": {"methods": ["token"]},
    "references": [{"kind": "issue", "regex": r"\bACME-(?P<number>\d+)\b"}],
}


def _broken(**change: Any) -> dict[str, Any]:
    data = copy.deepcopy(GOOD)
    for key, value in change.items():
        if value is None:
            data.pop(key)
        else:
            data[key] = value
    return data


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (
            _broken(capabilities=["IssueTracker", "Teleporter"]),
            "capabilities: Value error, unknown capability Teleporter",
        ),
        (_broken(references=[{"kind": "issue", "regex": "(?P<number>\\d+"}]), "references.0.regex"),
        (_broken(references=[{"kind": "issue", "regex": "ACME"}]), "has no (?P<number>)"),
        (_broken(auth=None), "auth: Field required"),
        (_broken(auth={"methods": ["device"]}), "need an [auth.oauth2] table"),
        (
            _broken(auth={"methods": ["token"], "headers": {"token": "Bearer {token}"}}),
            "Header-Name",
        ),
        (_broken(config=[{"name": "password", "secret": True}]), "secrets belong in the vault"),
        (_broken(id="Acme!"), "id: String should match pattern"),
    ],
)
def test_a_bad_manifest_names_the_connector_and_the_key(data: dict[str, Any], says: str) -> None:
    with pytest.raises(ManifestError) as err:
        Manifest.parse(data, source="acme/manifest.toml")
    assert "acme" in err.value.message.lower()
    assert says in err.value.message


def test_the_capability_registry_is_open_to_a_new_family() -> None:
    """A Messaging manifest (refused while capabilities were a closed list) is accepted."""
    m = Manifest.parse(_broken(capabilities=["Messaging"]))
    assert m.capabilities == ("Messaging",)


def test_a_broken_connector_is_reported_and_the_others_load() -> None:
    reg = Registry()
    reg.add_manifest(Manifest.parse(GOOD), "tests.nowhere.module:Missing")
    reg.add_manifest(
        Manifest.parse(_broken(id="fine", name="Fine")),
        "tests.synthetic.connector:SyntheticConnector",
    )
    with pytest.raises(TielineError, match="connector 'acme' is broken"):
        reg.get("acme")
    with pytest.raises(TielineError, match="is connector 'synthetic', not 'fine'"):
        reg.get("fine")  # an entry point naming another connector's class
    assert [b.name for b in reg.broken] == ["acme", "fine"]
    reg.add_manifest(
        Manifest.parse(_broken(id="synthetic", name="Synthetic")),
        "tests.synthetic.connector:SyntheticConnector",
    )
    assert reg.get("synthetic").__name__ == "SyntheticConnector"  # despite its neighbours


def test_a_connector_missing_a_declared_method_is_broken() -> None:
    from tests.synthetic.connector import SyntheticConnector

    reg = Registry()
    reg.add_manifest(
        Manifest.parse(_broken(id="synthetic", capabilities=["IssueTracker", "Workflow"])),
        "tests.synthetic.connector:SyntheticConnector",
    )
    with pytest.raises(TielineError, match="declares Workflow but does not implement"):
        reg.get("synthetic")
    assert SyntheticConnector.manifest().id == "synthetic"  # its own manifest is untouched


def test_settings_of_the_wrong_type_name_connector_and_key(tmp_path: Any) -> None:
    from connectors.sdk.registry import default_registry

    user = tmp_path / "user.toml"
    user.write_text(
        "[connectors.gitlab]\nhosts = 7\nenabled = true\n"
        '[connectors.jira]\nsite = "not a url"\ndeployment = "mainframe"\n'
        '[connectors.linear]\napi_url = "https://linear.example"\n'
        "[connectors.gitlb]\nenabled = false\n"
    )
    loaded = config.load(user_file=user, environ={}, manifests=default_registry().manifests())
    keys = {p.key: p for p in loaded.problems}
    assert {"connectors.gitlab.hosts", "connectors.jira.site", "connectors.jira.deployment"} <= set(
        keys
    )
    assert "no connector 'gitlb' is installed" in keys["connectors.gitlb"].reason
    c = loaded.config.connectors
    assert c.gitlab.enabled and c.gitlab.hosts == []  # the bad key fell back, the rest stayed
    assert c.linear.api_url == "https://linear.example"  # other connectors unaffected
    assert c.jira.deployment == "cloud"
