"""Issues and pull requests as the verbs print them: the JSON every verb uses for an item
(one shape for every service, documented in the README) and the words of a table row."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from connectors.sdk.models import CheckSummary, Issue, PullRequest

from .render import Cell, clean, iso

if TYPE_CHECKING:
    from server.hub.hub import Hub
    from server.hub.sync.syncers import Group

_EPOCH = datetime.fromtimestamp(0, UTC)


def service_name(hub: Hub, connector: str) -> str:
    return hub.registry.manifest(connector).name if connector in hub.registry else connector


def checks_json(c: CheckSummary | None) -> dict[str, Any] | None:
    if c is None:
        return None
    return {
        "state": c.overall.value,
        "total": c.total,
        "passed": c.passed,
        "failed": c.failed,
        "pending": c.pending,
        "url": c.url,
    }


def item_json(hub: Hub, it: Issue, groups: Sequence[str] = ()) -> dict[str, Any]:
    """One item: identity first, then what a card shows. ``groups`` are the lists it is in
    (``review``, ``mine``, ``assigned``, ...)."""
    ref = it.ref
    out: dict[str, Any] = {
        "id": it.key,
        "service": it.connector,
        "service_name": service_name(hub, it.connector),
        "host": ref.host,
        "scope": ref.scope,
        "key": ref.key,
        "ref": ref.label,
        "number": it.number,
        "kind": "pull_request" if isinstance(it, PullRequest) or it.is_pull_request else "issue",
        "title": it.title,
        "state": it.state.value,
        "status": it.status.name if it.status else None,
        "status_category": it.status.category.value if it.status else None,
        "type": it.type,
        "priority": it.priority,
        "sprint": it.sprint,
        "author": it.author.login if it.author else None,
        "assignees": [u.login for u in it.assignees],
        "labels": [label.name for label in it.labels],
        "url": it.url,
        "created_at": iso(it.created_at),
        "updated_at": iso(it.updated_at),
        "groups": list(groups),
    }
    if isinstance(it, PullRequest):
        out.update(
            draft=it.draft,
            merged=it.merged,
            head=it.head_ref,
            base=it.base_ref,
            review=it.review_state.value,
            approvals=it.approvals,
            checks=checks_json(it.checks),
        )
    return out


def state_cell(it: Issue) -> Cell:
    """A pull request's state (draft, merged), an issue's workflow status or state."""
    if isinstance(it, PullRequest):
        if it.merged:
            return Cell("merged", "blue")
        if it.draft:
            return Cell("draft", "dim")
    if it.status is not None:
        colour = {"done": "green", "in_progress": "yellow"}.get(it.status.category.value)
        return Cell(clean(it.status.name), colour)
    return Cell(it.state.value, "green" if it.state.value == "open" else "dim")


def checks_cell(it: Issue) -> Cell:
    c = it.checks if isinstance(it, PullRequest) else None
    if c is None or not c.total:
        return Cell("")
    if c.failed:
        return Cell(f"failing {c.failed}/{c.total}", "red")
    if c.pending:
        return Cell(f"pending {c.pending}/{c.total}", "yellow")
    return Cell(f"passing {c.total}", "green")


def merged(sessions: Sequence[Any], groups: Sequence[Group]) -> list[tuple[Issue, list[str]]]:
    """The items of ``groups`` across every session, each once with the ids of the groups it
    is in, newest first -- as the My Work panel merges them."""
    seen: dict[str, tuple[Issue, list[str]]] = {}
    for g in groups:
        for s in sessions:
            for it in s.coordinator.index.list(g.list):
                entry = seen.setdefault(it.key, (it, []))
                if g.id not in entry[1]:
                    entry[1].append(g.id)
    return sorted(seen.values(), key=lambda e: e[0].updated_at or _EPOCH, reverse=True)


__all__ = ["checks_cell", "item_json", "merged", "service_name", "state_cell"]
