"""The tieline/* protocol: committed schema is current, messages round-trip and validate."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import jsonschema
import pytest

from server.lsp import tieline_protocol as p


def test_committed_schema_is_current() -> None:
    committed = p.SCHEMA_PATH.read_text(encoding="utf-8")
    assert committed == p.render_schema(), (
        "server/lsp/tieline-protocol.schema.json is stale; run "
        "python -m server.lsp.tieline_protocol > server/lsp/tieline-protocol.schema.json"
    )


def test_schema_is_deterministic_and_covers_every_method() -> None:
    assert p.render_schema() == p.render_schema()
    schema = json.loads(p.render_schema())
    jsonschema.Draft202012Validator.check_schema(schema)
    assert set(schema["methods"]) == {
        p.PANELS,
        p.PANEL_ITEMS,
        p.PANEL_CHANGED,
        p.STATUS,
        p.STATUS_CHANGED,
        p.AUTH_SIGN_IN,
        p.AUTH_SIGN_OUT,
        p.AUTH_STATUS,
        p.CONNECTORS,
        p.CI_ACT,
        p.CI_TRIGGERS,
        p.CI_TRIGGER,
        p.LOG,
        p.LOG_CHANGED,
    }
    for spec in schema["methods"].values():
        for part in ("params", "result"):
            if spec[part] is not None:
                assert spec[part]["$ref"].removeprefix("#/$defs/") in schema["$defs"]


NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)

EXAMPLES: list[tuple[str, str, p.WireModel]] = [
    (
        p.PANELS,
        "result",
        p.PanelsResult(
            panels=[
                p.Panel(id="issues", title="Issues", icon="issues", welcome="[Sign in](command:x)")
            ]
        ),
    ),
    (p.PANEL_ITEMS, "params", p.PanelItemsParams(panel_id="issues", parent_id="repo:acme/app")),
    (
        p.PANEL_ITEMS,
        "result",
        p.PanelItemsResult(
            items=[
                p.TreeItem(
                    id="gh:acme/app#12",
                    label="#12 Crash on save",
                    description="open",
                    tooltip="**#12** Crash",
                    icon="issue-opened",
                    url="https://github.com/acme/app/issues/12",
                    command=p.Command(command="tieline.open", title="Open", arguments=[12]),
                    has_children=False,
                    context_value="issue.open",
                    actions=[
                        p.ItemAction(
                            id="close",
                            title="Close",
                            icon="check",
                            placement="inline",
                            command=p.Command(command="tieline.closeIssue", title="Close"),
                        )
                    ],
                )
            ]
        ),
    ),
    (p.PANEL_CHANGED, "params", p.PanelChangedParams(panel_id="issues", item_id="x")),
    (
        p.STATUS,
        "result",
        p.StatusResult(
            overall="degraded",
            connectors=[
                p.ConnectorStatus(
                    connector="github",
                    host="github.com",
                    account="alice",
                    state="degraded",
                    last_success=NOW,
                    last_error="503 from api.github.com",
                    last_error_at=NOW,
                    error_rate=0.25,
                    latency_ms=120.5,
                    rate_limit_remaining=4990,
                    rate_limit_limit=5000,
                    rate_limit_reset=NOW,
                    requests=40,
                    cache_hit_rate=0.5,
                )
            ],
        ),
    ),
    (
        p.STATUS,
        "result",
        p.StatusResult(
            overall="healthy",
            connectors=[],
            docsync=p.DocSyncStatus(
                state="error",
                linked=2,
                conflicts=1,
                last_sync=NOW,
                last_error="docs ↔ google:/docs: sync stopped: 503",
                links=[
                    p.DocSyncLink(folder="docs", service="google", remote="/docs",
                                  state="error", last_sync=NOW, conflicts=1,
                                  last_error="docs ↔ google:/docs: sync stopped: 503"),
                    p.DocSyncLink(folder="specs", service="microsoft", remote="/specs",
                                  state="offline", last_error="not signed in to microsoft"),
                ],
            ),
        ),
    ),
    (p.STATUS_CHANGED, "params", p.StatusChangedParams(part="docsync")),
    (p.AUTH_SIGN_IN, "params", p.SignInParams(connector="github", host="ghe.corp.test")),
    (
        p.AUTH_SIGN_IN,
        "params",
        p.SignInParams(connector="jira", method="basic", token="t0k3n", username="a@b.test"),
    ),
    (
        p.CONNECTORS,
        "result",
        p.ConnectorsResult(
            connectors=[
                p.ConnectorInfo(
                    id="jira", name="Jira", capabilities=["IssueTracker", "Workflow"],
                    attach="site", hosts=["acme.atlassian.net"],
                    auth=[
                        p.AuthOption(method="basic", label="Paste an API token",
                                     secret_label="API token", username_label="email"),
                        p.AuthOption(method="pkce", label="Sign in with the browser"),
                    ],
                    accounts=[p.ConnectorAccount(host="acme.atlassian.net", account="alice",
                                                 state="healthy")],
                )
            ]
        ),
    ),
    (
        p.AUTH_SIGN_IN,
        "result",
        p.SignInResult(
            state="pending",
            device_code=p.DeviceCode(
                user_code="ABCD-1234",
                verification_uri="https://github.com/login/device",
                expires_in=900,
            ),
        ),
    ),
    (p.AUTH_SIGN_OUT, "params", p.SignOutParams(connector="github", account="alice")),
    (p.AUTH_SIGN_OUT, "result", p.SignOutResult(signed_out=True, revoked=True)),
    (p.AUTH_STATUS, "params", p.AuthStatusParams()),
    (
        p.AUTH_STATUS,
        "result",
        p.AuthStatusResult(
            accounts=[
                p.AccountStatus(
                    connector="github", account="alice", signed_in=True, method="device",
                    scopes=["repo"], expires_at=NOW,
                )
            ]
        ),
    ),
    (p.CI_ACT, "params", p.CIActParams(item="ci/ci.test/pipeline/o%2Fr/7", action="rerun_failed")),
    (
        p.CI_ACT,
        "result",
        p.CIActResult(
            message="CI: rerun failed requested",
            pipeline=p.CIPipeline(
                id="ci/ci.test/pipeline/o%2Fr/7", service="ci", service_name="A CI",
                name="build", status="running", conclusion="pending", number=7, attempt=2,
                branch="main", url="https://ci.test/7", created_at=NOW, actions=["cancel"],
                jobs=[
                    p.CIJob(
                        id="ci/ci.test/job/o%2Fr/70", name="unit", status="completed",
                        conclusion="failure", stage="test", actions=["retry"],
                        log_uri="tieline-log:/ci/ci.test/o%2Fr/70/unit.log",
                        steps=[p.CIStep(name="pytest", status="completed", conclusion="failure")],
                    )
                ],
            ),
        ),
    ),
    (p.CI_TRIGGERS, "params", p.CITriggersParams(folder="file:///w/app")),
    (
        p.CI_TRIGGERS,
        "result",
        p.CITriggersResult(
            triggers=[
                p.CITrigger(
                    id="ci/ci.test/o%2Fr/release", name="Release", service="ci",
                    service_name="A CI", scope="o/r", branch="main",
                    inputs=[
                        p.CITriggerInput(name="version", required=True),
                        p.CITriggerInput(name="env", type="choice", options=["a", "b"],
                                         default="a"),
                    ],
                )
            ]
        ),
    ),
    (
        p.CI_TRIGGER,
        "params",
        p.CITriggerParams(trigger="ci/ci.test/o%2Fr/release", inputs={"version": "1.2"}),
    ),
    (p.CI_TRIGGER, "result", p.CITriggerResult(message="started")),
    (p.LOG, "params", p.LogParams(uri="tieline-log:/ci/ci.test/o%2Fr/70/unit.log", offset=10)),
    (
        p.LOG,
        "result",
        p.LogResult(text="=== Failing step: pytest ===\n", next_offset=30, complete=False,
                    version=2, failing_step="pytest"),
    ),
    (p.LOG_CHANGED, "params", p.LogChangedParams(uri="tieline-log:/x", version=1)),
]  # fmt: skip


def _validator(method: str, part: str) -> jsonschema.Draft202012Validator:
    schema = json.loads(p.SCHEMA_PATH.read_text(encoding="utf-8"))
    ref = schema["methods"][method][part]["$ref"]
    return jsonschema.Draft202012Validator({"$ref": ref, "$defs": schema["$defs"]})


@pytest.mark.parametrize(("method", "part", "model"), EXAMPLES)
def test_round_trip_and_schema_validation(method: str, part: str, model: p.WireModel) -> None:
    wire: dict[str, Any] = json.loads(json.dumps(model.wire()))
    assert all("_" not in key for key in _keys(wire)), wire  # camelCase on the wire
    _validator(method, part).validate(wire)
    spec = p.METHODS[method]
    cls = spec.params if part == "params" else spec.result
    assert cls is not None
    assert cls.model_validate(wire) == model


def test_schema_rejects_bad_messages() -> None:
    v = _validator(p.STATUS, "result")
    assert not v.is_valid({"overall": "fine", "connectors": []})
    assert not v.is_valid({"connectors": []})
    syncing = {"state": "syncing", "linked": 1, "links": []}
    assert v.is_valid({"overall": "healthy", "connectors": [], "docsync": syncing})
    assert not v.is_valid({"overall": "healthy", "connectors": [], "docsync": {"linked": 1}})
    assert not v.is_valid(
        {"overall": "healthy", "connectors": [], "docsync": {**syncing, "state": "busy"}}
    )
    assert _validator(p.PANEL_ITEMS, "params").is_valid({"panelId": "x", "future": 1})


def _keys(obj: Any) -> list[str]:
    if isinstance(obj, dict):
        return [k for k, v in obj.items() for k in [k, *_keys(v)]]
    if isinstance(obj, list):
        return [k for v in obj for k in _keys(v)]
    return []
