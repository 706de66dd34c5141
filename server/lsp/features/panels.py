"""The ``tieline/*`` panel and status requests: tree views every shell renders the same way.

The server describes each panel as tree items (label, description, tooltip, codicon, url,
command, actions); shells only draw them. Items come from the sync's index, so expanding a
panel never waits on the network.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from server.hub.sanitize import plain_text

from .. import tieline_protocol as proto
from ..guard import INVALID_PARAMS, FeatureError, guarded
from ..server import TielineServer

if TYPE_CHECKING:
    from connectors.sdk.models import Issue
    from server.hub.hub import Hub

PANELS = [
    proto.Panel(id="pulls", title="My Pull Requests", icon="git-pull-request"),
    proto.Panel(id="issues", title="Issues", icon="issues"),
    proto.Panel(id="ci", title="CI", icon="pass"),
    proto.Panel(id="integrations", title="Integrations", icon="plug"),
]
GROUPS: dict[str, list[tuple[str, str, str]]] = {
    # panel -> (group id, label, index list)
    "pulls": [
        ("review", "Needs my review", "pulls.review_requested"),
        ("mine", "Mine", "pulls.mine"),
        ("ci_failing", "CI failing", "pulls.ci_failing"),
    ],
    "issues": [
        ("assigned", "Assigned to me", "issues.assigned"),
        ("mentioned", "Mentioning me", "issues.mentioned"),
        ("created", "Created by me", "issues.created"),
    ],
}
WELCOME = "Sign in to GitHub to see your pull requests, issues and CI here."
STATE_ICONS = {
    "healthy": "pass",
    "degraded": "warning",
    "failing": "error",
    "disabled": "circle-slash",
}


def _cmd(command: str, title: str, *args: Any) -> proto.Command:
    return proto.Command(command=command, title=title, arguments=list(args) or None)


def _item_node(parent: str, it: Issue) -> proto.TreeItem:
    from connectors.sdk.models import PullRequest

    from ..cards import checks_text, hover_card, state_word

    is_pr = isinstance(it, PullRequest)
    actions = [
        proto.ItemAction(
            id="open",
            title="Open in Browser",
            icon="link-external",
            placement="inline",
            command=_cmd("tieline.openInBrowser", "Open in Browser", it.url),
        )
    ]
    if is_pr:
        actions.append(
            proto.ItemAction(
                id="checkout",
                title="Check Out",
                icon="git-branch",
                command=_cmd("tieline.checkoutPullRequest", "Check Out", it.number),
            )
        )
    else:
        actions.append(
            proto.ItemAction(
                id="start",
                title="Start Work",
                icon="git-branch",
                command=_cmd("tieline.startWork", "Start Work", it.number),
            )
        )
    desc = [f"{it.repo.full_name}#{it.number}", state_word(it)]
    if isinstance(it, PullRequest) and it.checks and it.checks.total:
        desc.append(checks_text(it.checks))
    icon = "git-pull-request" if is_pr else ("issues" if it.state == "open" else "issue-closed")
    return proto.TreeItem(
        id=f"{parent}/{it.key}",
        label=plain_text(it.title, 120),
        description=" · ".join(d for d in desc if d),
        tooltip=hover_card(it),
        icon=icon,
        url=it.url,
        command=_cmd("tieline.openInBrowser", "Open in Browser", it.url),
        context_value="pullRequest" if is_pr else "issue",
        actions=actions,
    )


def _sign_in_item() -> proto.TreeItem:
    return proto.TreeItem(
        id="integrations/sign-in",
        label="Sign in to GitHub",
        icon="sign-in",
        command=_cmd("tieline.signIn", "Sign in to GitHub", "github"),
        context_value="signIn",
    )


def items_for(hub: Hub, panel_id: str, parent_id: str | None) -> list[proto.TreeItem]:
    session = hub.primary
    if panel_id == "integrations":
        return _integrations(hub)
    if session is None:
        return [_sign_in_item()]
    index = session.coordinator.index
    if panel_id in GROUPS:
        groups = GROUPS[panel_id]
        if parent_id is None:
            return [
                proto.TreeItem(
                    id=f"{panel_id}/{gid}",
                    label=label,
                    description=str(len(index.list(lst))),
                    icon="folder",
                    has_children=bool(index.lists.get(lst)),
                    context_value="group",
                )
                for gid, label, lst in groups
            ]
        for gid, _label, lst in groups:
            if parent_id == f"{panel_id}/{gid}":
                return [_item_node(parent_id, it) for it in index.list(lst)]
        return []
    if panel_id == "ci":
        return _ci(hub, parent_id)
    raise FeatureError(code=INVALID_PARAMS, message=f"unknown panel {panel_id!r}")


def _ci(hub: Hub, parent_id: str | None) -> list[proto.TreeItem]:
    from connectors.sdk.models import CheckConclusion

    from ..cards import checks_text

    session = hub.primary
    ws = hub.workspace
    if session is None or ws is None or not ws.branch:
        return [proto.TreeItem(id="ci/none", label="No branch checked out", icon="info")]
    summary = session.coordinator.index.branch_checks
    if summary is None:
        return [proto.TreeItem(id="ci/pending", label=f"{ws.branch}: not synced yet", icon="sync")]
    if parent_id is None:
        overall = summary.overall
        icon = {
            CheckConclusion.SUCCESS: "pass",
            CheckConclusion.FAILURE: "error",
            CheckConclusion.PENDING: "sync",
        }.get(overall, "circle-outline")
        pr = session.coordinator.index.branch_pull
        return [
            proto.TreeItem(
                id=f"ci/{ws.branch}",
                label=ws.branch,
                description=checks_text(summary) or "no checks",
                tooltip=f"CI for `{ws.branch}`" + (f" (PR #{pr.number})" if pr else ""),
                icon=icon,
                has_children=bool(summary.runs),
                context_value=f"ci.{overall.value}",
                url=pr.url if pr else None,
            )
        ]
    if parent_id == f"ci/{ws.branch}":
        return [
            proto.TreeItem(
                id=f"ci/{ws.branch}/{i}",
                label=plain_text(run.name, 100),
                description=run.conclusion.value,
                icon={"success": "pass", "failure": "error", "pending": "sync"}.get(
                    run.conclusion.value, "circle-outline"
                ),
                url=run.url,
                command=_cmd("tieline.openInBrowser", "Open in Browser", run.url)
                if run.url
                else None,
            )
            for i, run in enumerate(summary.runs)
        ]
    return []


def _integrations(hub: Hub) -> list[proto.TreeItem]:
    items = []
    for st in status(hub).connectors:
        detail: list[str] = [st.state]
        if st.rate_limit_remaining is not None:
            detail.append(f"{st.rate_limit_remaining} requests left")
        items.append(
            proto.TreeItem(
                id=f"integrations/{st.connector}/{st.account or ''}",
                label=f"{st.connector} ({st.account})" if st.account else st.connector,
                description=" · ".join(detail),
                tooltip=st.last_error or None,
                icon=STATE_ICONS[st.state],
                context_value=f"integration.{st.state}",
            )
        )
    if hub.primary is None:
        items.append(_sign_in_item())
    return items


def _dt(ts: float | None) -> datetime | None:
    return datetime.fromtimestamp(ts, UTC) if ts else None


def status(hub: Hub) -> proto.StatusResult:
    from connectors.sdk.models import Health

    report = hub.health.snapshot()
    connectors = []
    for s in report.integrations:
        login, _, host = s.account.rpartition("@")
        connectors.append(
            proto.ConnectorStatus(
                connector=s.connector,
                host=host or None,
                account=login or None,
                state=s.state.value,
                last_success=_dt(s.last_success_at),
                last_error=s.last_error,
                last_error_at=_dt(s.last_error_at),
                error_rate=s.error_rate,
                latency_ms=s.latency_ms_avg,
                rate_limit_remaining=s.rate_limit.remaining,
                rate_limit_limit=s.rate_limit.limit,
                rate_limit_reset=_dt(s.rate_limit.reset_at),
                requests=s.wire_requests,
                cache_hit_rate=s.cache_hit_rate,
            )
        )
    order = [Health.FAILING.value, Health.DEGRADED.value, Health.HEALTHY.value]
    states = {c.state for c in connectors}
    overall = next((o for o in order if o in states), "disabled" if connectors else "healthy")
    return proto.StatusResult(overall=overall, connectors=connectors)


def setup(server: TielineServer) -> None:
    @server.feature(proto.PANELS)
    @guarded(proto.PANELS)
    async def panels(ls: TielineServer, params: Any = None) -> dict[str, Any]:
        hub = await ls.wait_hub()
        signed_in = hub is not None and hub.primary is not None
        listed = [
            p if signed_in or p.id == "integrations" else p.model_copy(update={"welcome": WELCOME})
            for p in PANELS
        ]
        return proto.PanelsResult(panels=listed).wire()

    @server.feature(proto.PANEL_ITEMS)
    @guarded(proto.PANEL_ITEMS)
    async def panel_items(ls: TielineServer, params: Any) -> dict[str, Any]:
        p = proto.PanelItemsParams.model_validate(_plain(params))
        hub = await ls.wait_hub()
        if hub is None:
            return proto.PanelItemsResult(items=[]).wire()
        ls.panel_shown()
        return proto.PanelItemsResult(items=items_for(hub, p.panel_id, p.parent_id)).wire()

    @server.feature(proto.STATUS)
    @guarded(proto.STATUS)
    async def status_request(ls: TielineServer, params: Any = None) -> dict[str, Any]:
        hub = await ls.wait_hub()
        if hub is None:
            return proto.StatusResult(overall="failing", connectors=[]).wire()
        return status(hub).wire()


def _plain(params: Any) -> Any:
    """pygls hands custom requests' params over as namedtuples or dicts: make them dicts."""
    if hasattr(params, "_asdict"):
        return {k: _plain(v) for k, v in params._asdict().items()}
    if isinstance(params, list):
        return [_plain(v) for v in params]
    return params
