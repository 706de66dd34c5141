"""Verified webhook payloads turned into the hub's domain events.

A delivery the hub has a word for becomes that :class:`~server.hub.events.EventKind`
(``pull_request.opened``, ``ci.failed``...), with the subject in the connector's reference
syntax (``octo/app#7``, ``group/project!3``, ``PROJ-7``, ``octo/app@main``) and a payload
carrying ``title``, ``url`` and ``via = "webhook"`` beside the source's own details.

Anything else that verified -- an event type, or an action, with no domain kind -- is
published under a namespaced kind, ``<source>.<event>[.<action>]`` (``github.star.created``,
``gitlab.push``, ``jira.issue_deleted``, ``linear.project.create``, ``slack.reaction_added``,
``standard.<type>``), as :mod:`server.hub.events` asks of kinds it does not list, so a
subscriber can still opt in by pattern. Only handshakes carry nothing and publish nothing:
GitHub's ``ping`` and Slack's ``url_verification``.

The webhook does not say which signed-in account it concerns, so ``account`` is empty;
``payload["host"]`` names the service's host where the payload shows it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from server.hub.events import VIA_WEBHOOK, Event, EventKind

_KIND_PART = re.compile(r"[^a-z0-9_]+")

Payload = Mapping[str, Any]


def _d(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _s(value: Any) -> str:
    """A string field as text; a number as its digits; anything else (absent, an object, a
    list where a sender put none) as empty."""
    if isinstance(value, str):
        return value
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else ""


def _host(url: Any) -> str:
    return urlsplit(_s(url)).hostname or ""


def namespaced(source: str, *parts: str) -> str:
    """``<source>.<part>...`` with each part lower-cased and reduced to ``[a-z0-9_]``."""
    clean = [_KIND_PART.sub("_", p.lower()).strip("_") for p in parts if p]
    return ".".join([source, *[c for c in clean if c]])


def _event(kind: str, source: str, subject: str, delivery: str | None, **payload: Any) -> Event:
    body = {"via": VIA_WEBHOOK, "delivery": delivery, **payload}
    return Event(kind, source, "", subject, body)


# -- GitHub --------------------------------------------------------------------------------
_GH_FAILED = {"failure", "timed_out", "startup_failure", "action_required", "cancelled"}


def _finished(
    action: str, conclusion: str, passed: EventKind, failed: EventKind
) -> EventKind | None:
    """The kind a completed GitHub run or suite becomes, by its conclusion; ``None`` for any
    other action or conclusion (published under GitHub's own name)."""
    if action != "completed":
        return None
    if conclusion == "success":
        return passed
    return failed if conclusion in _GH_FAILED else None


def github(event: str, p: Payload, delivery: str | None) -> list[Event]:
    if event == "ping":
        return []
    repo = _d(p.get("repository"))
    full = _s(repo.get("full_name"))
    host = _host(repo.get("html_url"))
    action = _s(p.get("action"))
    sender = _s(_d(p.get("sender")).get("login")) or None
    common: dict[str, Any] = {"host": host, "action": action or None, "actor": sender}

    def numbered(item: Mapping[str, Any]) -> str:
        return f"{full}#{item.get('number')}"

    if event == "pull_request":
        pr = _d(p.get("pull_request"))
        kind = {
            "opened": EventKind.PULL_REQUEST_OPENED,
            "reopened": EventKind.PULL_REQUEST_REOPENED,
            "review_requested": EventKind.PULL_REQUEST_REVIEW_REQUESTED,
            "closed": (
                EventKind.PULL_REQUEST_MERGED if pr.get("merged") else EventKind.PULL_REQUEST_CLOSED
            ),
        }.get(action)
        extra: dict[str, Any] = {"author": _s(_d(pr.get("user")).get("login")) or None}
        if action == "review_requested":
            extra["requested_reviewer"] = _s(_d(p.get("requested_reviewer")).get("login")) or None
            extra["requested_team"] = _s(_d(p.get("requested_team")).get("slug")) or None
        return [
            _event(
                kind or namespaced("github", event, action),
                "github",
                numbered(pr),
                delivery,
                title=_s(pr.get("title")),
                url=_s(pr.get("html_url")) or None,
                **common,
                **extra,
            )
        ]
    if event == "pull_request_review":
        pr = _d(p.get("pull_request"))
        review = _d(p.get("review"))
        kind = EventKind.PULL_REQUEST_REVIEWED if action == "submitted" else None
        return [
            _event(
                kind or namespaced("github", event, action),
                "github",
                numbered(pr),
                delivery,
                title=_s(pr.get("title")),
                url=_s(review.get("html_url") or pr.get("html_url")) or None,
                state=_s(review.get("state")).lower() or None,
                **common,
            )
        ]
    if event == "issues":
        issue = _d(p.get("issue"))
        kind = {
            "opened": EventKind.ISSUE_OPENED,
            "closed": EventKind.ISSUE_CLOSED,
            "reopened": EventKind.ISSUE_REOPENED,
            "assigned": EventKind.ISSUE_ASSIGNED,
        }.get(action)
        return [
            _event(
                kind or namespaced("github", "issue", action),
                "github",
                numbered(issue),
                delivery,
                title=_s(issue.get("title")),
                url=_s(issue.get("html_url")) or None,
                assignee=_s(_d(p.get("assignee")).get("login")) or None,
                **common,
            )
        ]
    if event == "issue_comment":
        issue = _d(p.get("issue"))
        on_pr = "pull_request" in issue
        kind = (
            (EventKind.PULL_REQUEST_COMMENTED if on_pr else EventKind.ISSUE_COMMENTED)
            if action == "created"
            else None
        )
        return [
            _event(
                kind or namespaced("github", event, action),
                "github",
                numbered(issue),
                delivery,
                title=_s(issue.get("title")),
                url=_s(_d(p.get("comment")).get("html_url")) or None,
                **common,
            )
        ]
    if event == "check_suite":
        suite = _d(p.get("check_suite"))
        conclusion = _s(suite.get("conclusion"))
        kind = _finished(
            action, conclusion, EventKind.CHECK_SUITE_SUCCEEDED, EventKind.CHECK_SUITE_FAILED
        )
        prs = [_d(x) for x in suite.get("pull_requests") or [] if isinstance(x, Mapping)]
        branch = _s(suite.get("head_branch"))
        subject = numbered(prs[0]) if prs else f"{full}@{branch}"
        return [
            _event(
                kind or namespaced("github", event, action),
                "github",
                subject,
                delivery,
                title=f"branch {branch}" if not prs else _s(_d(suite.get("app")).get("name")),
                url=None,
                conclusion=conclusion or None,
                branch=branch or None,
                **common,
            )
        ]
    if event == "workflow_run":
        run = _d(p.get("workflow_run"))
        conclusion = _s(run.get("conclusion"))
        kind = _finished(action, conclusion, EventKind.CI_SUCCEEDED, EventKind.CI_FAILED)
        branch = _s(run.get("head_branch"))
        name = _s(run.get("name"))
        number = run.get("run_number")
        return [
            _event(
                kind or namespaced("github", event, action),
                "github",
                f"{full}@{branch}",
                delivery,
                title=f"{name} #{number}" if number is not None else name,
                url=_s(run.get("html_url")) or None,
                name=name,
                number=number,
                branch=branch,
                scope=full,
                conclusion=conclusion or None,
                **common,
            )
        ]
    return [
        _event(namespaced("github", event, action), "github", full, delivery, title="", **common)
    ]


# -- GitLab --------------------------------------------------------------------------------
def _added(change: Any, key: str = "username") -> list[str]:
    """Who a GitLab ``changes.<field>`` entry ({previous: [...], current: [...]}) added."""
    c = _d(change)
    before = {_s(_d(u).get(key)) for u in c.get("previous") or []}
    return [
        _s(_d(u).get(key))
        for u in c.get("current") or []
        if _s(_d(u).get(key)) and _s(_d(u).get(key)) not in before
    ]


def gitlab(event: str, p: Payload, delivery: str | None) -> list[Event]:
    kind_of = _s(p.get("object_kind")) or event
    project = _d(p.get("project"))
    path = _s(project.get("path_with_namespace"))
    attrs = _d(p.get("object_attributes"))
    action = _s(attrs.get("action"))
    changes = _d(p.get("changes"))
    actor = _s(_d(p.get("user")).get("username")) or None
    common: dict[str, Any] = {
        "host": _host(project.get("web_url")),
        "action": action or None,
        "actor": actor,
    }
    title = _s(attrs.get("title"))
    url = _s(attrs.get("url")) or None

    if kind_of == "merge_request":
        subject = f"{path}!{attrs.get('iid')}"
        kinds = {
            "open": EventKind.PULL_REQUEST_OPENED,
            "close": EventKind.PULL_REQUEST_CLOSED,
            "reopen": EventKind.PULL_REQUEST_REOPENED,
            "merge": EventKind.PULL_REQUEST_MERGED,
            "approved": EventKind.PULL_REQUEST_REVIEWED,
        }
        if action == "update" and (added := _added(changes.get("reviewers"))):
            return [
                _event(
                    EventKind.PULL_REQUEST_REVIEW_REQUESTED,
                    "gitlab",
                    subject,
                    delivery,
                    title=title,
                    url=url,
                    requested_reviewer=who,
                    **common,
                )
                for who in added
            ]
        kind = kinds.get(action) or namespaced("gitlab", kind_of, action)
        return [_event(kind, "gitlab", subject, delivery, title=title, url=url, **common)]
    if kind_of in ("issue", "work_item"):
        subject = f"{path}#{attrs.get('iid')}"
        if action == "update" and (added := _added(changes.get("assignees"))):
            return [
                _event(
                    EventKind.ISSUE_ASSIGNED,
                    "gitlab",
                    subject,
                    delivery,
                    title=title,
                    url=url,
                    assignee=who,
                    **common,
                )
                for who in added
            ]
        kind = {
            "open": EventKind.ISSUE_OPENED,
            "close": EventKind.ISSUE_CLOSED,
            "reopen": EventKind.ISSUE_REOPENED,
            "update": EventKind.ISSUE_UPDATED,
        }.get(action) or namespaced("gitlab", kind_of, action)
        return [_event(kind, "gitlab", subject, delivery, title=title, url=url, **common)]
    if kind_of == "pipeline":
        status = _s(attrs.get("status"))
        ref = _s(attrs.get("ref"))
        ci_kind: str = {
            "success": EventKind.CI_SUCCEEDED,
            "failed": EventKind.CI_FAILED,
            "canceled": EventKind.CI_FAILED,
        }.get(status) or namespaced("gitlab", kind_of, status)
        number = attrs.get("iid", attrs.get("id"))
        name = _s(attrs.get("name")) or "pipeline"
        return [
            _event(
                ci_kind,
                "gitlab",
                f"{path}@{ref}",
                delivery,
                title=f"{name} #{number}",
                url=url,
                name=name,
                number=number,
                branch=ref,
                scope=path,
                conclusion={"canceled": "cancelled", "failed": "failure"}.get(status, status),
                **{**common, "action": status or None},
            )
        ]
    if kind_of == "note":
        # a comment on a merge request or an issue: (payload field, kind, key separator)
        target = {
            "MergeRequest": ("merge_request", EventKind.PULL_REQUEST_COMMENTED, "!"),
            "Issue": ("issue", EventKind.ISSUE_COMMENTED, "#"),
        }.get(_s(attrs.get("noteable_type")))
        if target is not None:
            field, comment_kind, sep = target
            item = _d(p.get(field))
            return [
                _event(
                    comment_kind,
                    "gitlab",
                    f"{path}{sep}{item.get('iid')}",
                    delivery,
                    title=_s(item.get("title")),
                    url=url,
                    **common,
                )
            ]
    return [
        _event(
            namespaced("gitlab", kind_of, action), "gitlab", path, delivery, title=title, **common
        )
    ]


# -- Jira ----------------------------------------------------------------------------------
def jira(event: str, p: Payload, delivery: str | None) -> list[Event]:
    issue = _d(p.get("issue"))
    key = _s(issue.get("key"))
    fields = _d(issue.get("fields"))
    site = urlsplit(_s(issue.get("self")))
    browse = f"{site.scheme}://{site.netloc}/browse/{key}" if site.netloc and key else None
    actor = _d(p.get("user"))
    common: dict[str, Any] = {
        "host": site.hostname or "",
        "actor": _s(actor.get("accountId") or actor.get("name")) or None,
        "action": _s(p.get("issue_event_type_name")) or None,
    }
    title = _s(fields.get("summary"))
    name = event.removeprefix("jira:")

    def one(kind: str, **extra: Any) -> Event:
        return _event(kind, "jira", key, delivery, title=title, url=browse, **common, **extra)

    if event == "jira:issue_created":
        return [one(EventKind.ISSUE_OPENED)]
    if event == "jira:issue_updated":
        out: list[Event] = []
        for item in _d(p.get("changelog")).get("items") or []:
            it = _d(item)
            field = _s(it.get("field")).lower()
            if field == "assignee" and (it.get("to") or it.get("toString")):
                out.append(one(EventKind.ISSUE_ASSIGNED, assignee=_s(it.get("toString")) or None))
            elif field == "resolution" and it.get("to"):
                out.append(one(EventKind.ISSUE_CLOSED, resolution=_s(it.get("toString")) or None))
            elif field == "resolution" and it.get("from"):
                out.append(one(EventKind.ISSUE_REOPENED))
        return out or [one(EventKind.ISSUE_UPDATED)]
    if event == "comment_created" and key:
        return [one(EventKind.ISSUE_COMMENTED)]
    return [one(namespaced("jira", name))]


# -- Linear --------------------------------------------------------------------------------
#: Linear's workflow state types that end an issue.
_LINEAR_DONE = {"completed", "canceled"}


def linear(event: str, p: Payload, delivery: str | None) -> list[Event]:
    """Issues and comments as the Linear connector names them (``ENG-12``, scope the team
    key); what an update changed is read from ``updatedFrom``, which holds the previous
    value of each field that changed."""
    kind_of, _, action = event.partition(".")
    data = _d(p.get("data"))
    before = _d(p.get("updatedFrom"))
    actor = _d(p.get("actor"))
    issue = data if kind_of == "Issue" else _d(data.get("issue"))
    key = _s(issue.get("identifier"))
    team = _d(issue.get("team")) or _d(data.get("team"))
    common: dict[str, Any] = {
        "host": _host(p.get("url")) or "linear.app",
        "scope": _s(team.get("key")) or (key.split("-", 1)[0] if "-" in key else None),
        "actor": _s(actor.get("name") or actor.get("id")) or None,
        "action": action or None,
        "organization": _s(p.get("organizationId")) or None,
    }

    def one(kind: str, **extra: Any) -> Event:
        url = _s(p.get("url")) or None
        title = _s(issue.get("title"))
        return _event(kind, "linear", key, delivery, title=title, url=url, **common, **extra)

    if kind_of == "Issue" and key:
        if action == "create":
            return [one(EventKind.ISSUE_OPENED)]
        if action == "update":
            state = _s(_d(data.get("state")).get("type"))
            out: list[Event] = []
            if "stateId" in before and state in _LINEAR_DONE:
                out.append(one(EventKind.ISSUE_CLOSED, resolution=state))
            elif "stateId" in before and (before.get("completedAt") or before.get("canceledAt")):
                out.append(one(EventKind.ISSUE_REOPENED))
            if "assigneeId" in before and data.get("assigneeId"):
                name = _s(_d(data.get("assignee")).get("name")) or None
                out.append(one(EventKind.ISSUE_ASSIGNED, assignee=name))
            return out or [one(EventKind.ISSUE_UPDATED)]
    if kind_of == "Comment" and action == "create" and key:
        return [one(EventKind.ISSUE_COMMENTED, comment=_s(data.get("body"))[:500] or None)]
    return [one(namespaced("linear", kind_of, action))]


# -- Slack ---------------------------------------------------------------------------------
_PLAIN_MESSAGE = {None, "", "thread_broadcast", "file_share", "me_message"}


def slack(event: str, p: Payload, delivery: str | None) -> list[Event]:
    if event == "url_verification":
        return []
    if event != "event_callback":
        return [_event(namespaced("slack", event), "slack", "", delivery, title="")]
    inner = _d(p.get("event"))
    inner_type = _s(inner.get("type"))
    channel = _s(inner.get("channel"))
    text = _s(inner.get("text"))
    user = _s(inner.get("user")) or None
    ts = _s(inner.get("ts")) or None
    details: dict[str, Any] = {  # the polled mentions' keys (author, id), and Slack's own
        "author": user,
        "id": f"{channel}:{ts}" if channel and ts else None,
        "team": _s(p.get("team_id")) or None,
        "channel": channel or None,
        "user": user,
        "ts": ts,
        "thread_ts": _s(inner.get("thread_ts")) or None,
        "text": text,
    }
    kind: str
    if inner_type == "app_mention":
        kind = EventKind.MESSAGE_MENTIONED
    elif inner_type == "message" and inner.get("subtype") in _PLAIN_MESSAGE:
        kind = EventKind.MESSAGE_RECEIVED
    else:
        kind = namespaced("slack", inner_type, _s(inner.get("subtype")))
    return [_event(kind, "slack", channel, delivery, title=text[:200], url=None, **details)]


# -- Standard Webhooks ---------------------------------------------------------------------
def standard(event: str, p: Payload, delivery: str | None) -> list[Event]:
    data = p.get("data")
    subject = _s(_d(data).get("subject")) or (delivery or "")
    return [
        _event(
            namespaced("standard", *(event.split(".") if event else ["message"])),
            "standard",
            subject,
            delivery,
            title=_s(_d(data).get("title")),
            type=event or None,
            data=data,
            timestamp=p.get("timestamp"),
        )
    ]


MAPPERS: dict[str, Callable[[str, Payload, str | None], list[Event]]] = {
    "github": github,
    "gitlab": gitlab,
    "jira": jira,
    "linear": linear,
    "slack": slack,
    "standard": standard,
}
