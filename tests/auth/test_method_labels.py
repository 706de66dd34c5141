"""How sign-in methods are offered: a basic sign-in names what each service calls its user part."""

from __future__ import annotations

from connectors.sdk.registry import default_registry
from server.hub.auth.orchestrator import METHOD_LABELS, method_label


def test_a_basic_sign_in_names_each_services_own_user_part() -> None:
    basic = {m.id: m for m in default_registry().manifests() if "basic" in m.auth.methods}
    assert {"jira", "jenkins", "trello"} <= set(basic)
    labels = {cid: method_label("basic", m.auth.username_label) for cid, m in basic.items()}
    assert labels["jira"] == "Paste an API token (with your email)"
    assert labels["trello"] == "Paste an API token (with your API key)"
    assert labels["jenkins"] == "Paste an API token (with your user id)"


def test_other_methods_keep_their_labels() -> None:
    for method, label in METHOD_LABELS.items():
        if method != "basic":
            assert method_label(method, "API key") == label
