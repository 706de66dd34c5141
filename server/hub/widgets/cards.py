"""The HTML cards: a pull request, an issue, today's agenda, people's presence.

Each renderer is pure -- sdk models in, a whole HTML document out -- so a shell's webview, a
local dashboard and a README preview get the same card, and a test can read it without a
server. A card holds no script and loads nothing: one inline style sheet (light and dark by
``prefers-color-scheme``), service text escaped by :mod:`.markup`, a body's Markdown through
the project's sanitizer (nh3) before it is embedded, and links only to http(s)/mailto.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from connectors.sdk.calendar import CalendarEvent
from connectors.sdk.chat import Availability, PresenceStatus
from connectors.sdk.models import Issue, ItemState, Label, PullRequest, ReviewState, User

from ..sanitize import plain_text
from .markup import Markup, Theme, el, hex_colour, join, page, rich_text, safe_url

#: How many labels, assignees or reviewers a card lists before "+N".
MAX_PEOPLE = 8
MAX_LABELS = 12


def _day(value: datetime | None, zone: tzinfo | None) -> str | None:
    return value.astimezone(zone).date().isoformat() if value else None


def _time(value: datetime | None, label: str, zone: tzinfo | None) -> Markup | None:
    day = _day(value, zone)
    if value is None or day is None:
        return None
    return el("li", f"{label} ", el("time", day, datetime=value.isoformat()))


def _who(user: User | None) -> str:
    if user is None:
        return "someone"
    return plain_text(user.name or user.login, 60) or "someone"


def _people(users: Sequence[User], label: str) -> Markup | None:
    if not users:
        return None
    shown = ", ".join(_who(u) for u in users[:MAX_PEOPLE])
    more = f" +{len(users) - MAX_PEOPLE}" if len(users) > MAX_PEOPLE else ""
    return el("li", f"{label} {shown}{more}")


def _labels(labels: Sequence[Label]) -> Markup | None:
    if not labels:
        return None
    items = []
    for lab in labels[:MAX_LABELS]:
        colour = hex_colour(lab.color)
        items.append(
            el(
                "li",
                plain_text(lab.name, 40),
                class_="label",
                style=f"--label:{colour}" if colour else None,
            )
        )
    return el("ul", items, class_="labels", aria_label="labels")


def _pill(state: str, text: str | None = None) -> Markup:
    return el("span", text or state.replace("_", " "), class_=f"pill state-{state}")


def _link(text: str, url: str | None) -> Markup:
    """A link out of the card (a new browsing context, no referrer); only text when ``url``
    is not http(s)/mailto."""
    return el("a", text, href=url, target="_blank", rel="noopener noreferrer")


def _head(item: Issue, state: Markup) -> Markup:
    return el(
        "div",
        el("span", item.ref.connector, class_="connector"),
        el("span", item.ref.label, class_="ref"),
        state,
        el("span", item.ref.host, class_="host"),
        class_="head",
    )


def _title(item: Issue) -> Markup:
    return el("h1", _link(plain_text(item.title, 300) or "(no title)", item.url), class_="title")


def _body(item: Issue) -> Markup | None:
    body = rich_text(item.body)
    return el("div", body, class_="body") if body is not None else None


def _pr_state(pr: PullRequest) -> str:
    if pr.merged:
        return "merged"
    if pr.state is ItemState.CLOSED:
        return "closed"
    return "draft" if pr.draft else "open"


_REVIEW = {
    ReviewState.APPROVED: "approved",
    ReviewState.CHANGES_REQUESTED: "changes requested",
    ReviewState.REVIEW_REQUIRED: "review required",
    ReviewState.COMMENTED: "reviewed with comments",
}


def _checks(pr: PullRequest) -> Markup | None:
    c = pr.checks
    if c is None or not c.total:
        return None
    state = c.overall.value
    parts = [f"{c.passed} passed"]
    if c.failed:
        parts.append(f"{c.failed} failed")
    if c.pending:
        parts.append(f"{c.pending} pending")
    return el("li", "checks ", _pill(state, state), " ", ", ".join(parts), class_="checks")


def pr_card(pr: PullRequest, *, zone: tzinfo | None = None, theme: Theme | None = None) -> str:
    """A pull (merge) request: state, title, branches, review, checks, labels, body excerpt."""
    review = _REVIEW.get(pr.review_state)
    approvals = (
        f"{pr.approvals} of {pr.approvals_required} approvals"
        if pr.approvals is not None and pr.approvals_required
        else None
    )
    branches = (
        el("li", el("span", plain_text(pr.base_ref, 80), class_="ref"), " \u2190 ",
           el("span", plain_text(pr.head_ref, 80), class_="ref"))
        if pr.base_ref or pr.head_ref
        else None
    )  # fmt: skip
    meta = el(
        "ul",
        el("li", f"by {_who(pr.author)}"),
        branches,
        el("li", review) if review else None,
        el("li", approvals) if approvals else None,
        _checks(pr),
        el("li", f"{pr.comments} comments") if pr.comments else None,
        _time(pr.updated_at, "updated", zone),
        class_="meta",
    )
    people = el(
        "ul",
        _people(pr.requested_reviewers, "review requested from"),
        _people(pr.assignees, "assigned to"),
        class_="meta",
    )
    card = el(
        "article",
        _head(pr, _pill(_pr_state(pr))),
        _title(pr),
        meta,
        people if (pr.requested_reviewers or pr.assignees) else None,
        _labels(pr.labels),
        _body(pr),
        class_="card pr",
    )
    return page(f"{pr.ref.label}: {plain_text(pr.title, 120)}", card, theme=theme)


def issue_card(issue: Issue, *, zone: tzinfo | None = None, theme: Theme | None = None) -> str:
    """An issue or work item: state (and the tracker's status), title, people, fields,
    labels, body excerpt."""
    state = issue.state.value
    status = plain_text(issue.status.name, 40) if issue.status else None
    fields = [
        (plain_text(issue.type, 40), "type"),
        (plain_text(issue.priority, 40), "priority"),
        (plain_text(issue.sprint, 60), "planned in"),
    ]
    meta = el(
        "ul",
        el("li", f"by {_who(issue.author)}") if issue.author else None,
        el("li", f"status {status}") if status else None,
        (el("li", f"{label} {value}") for value, label in fields if value),
        _people(issue.assignees, "assigned to"),
        el("li", f"{issue.comments} comments") if issue.comments else None,
        _time(issue.updated_at, "updated", zone),
        class_="meta",
    )
    card = el(
        "article",
        _head(issue, _pill(state)),
        _title(issue),
        meta,
        _labels(issue.labels),
        _body(issue),
        class_="card issue",
    )
    return page(f"{issue.ref.label}: {plain_text(issue.title, 120)}", card, theme=theme)


def _clock(value: datetime, zone: tzinfo | None) -> str:
    return value.astimezone(zone).strftime("%H:%M")


def _event_row(e: CalendarEvent, day: date, zone: tzinfo | None) -> Markup:
    if e.all_day:
        when = "all day"
    else:
        start = _clock(e.start, zone) if e.start.astimezone(zone).date() == day else "\u2026"
        end = _clock(e.end, zone) if e.end.astimezone(zone).date() == day else "\u2026"
        when = f"{start}\u2013{end}"
    join_url = safe_url(e.join.url) if e.join is not None else None
    join_link = _link(f"Join {e.join.provider_name}", join_url) if e.join and join_url else None
    title = plain_text(e.title, 200) or "(busy)"
    location = plain_text(e.location, 120) if e.location else None
    state = "cancelled" if e.cancelled else "declined" if e.declined else None
    return el(
        "li",
        el("span", el("time", when, datetime=e.start.isoformat()), class_="when"),
        el(
            "span",
            _link(title, e.url) if e.url else title,
            el("div", location, " " if location and join_link else None, join_link, class_="sub")
            if location or join_link
            else None,
            el("div", state, class_="sub") if state else None,
            class_="what",
        ),
        class_=state,
    )


def agenda_card(
    events: Sequence[CalendarEvent],
    day: date,
    *,
    zone: tzinfo | None = None,
    theme: Theme | None = None,
) -> str:
    """The events of ``day`` (already chosen and merged across calendars by the caller), in
    order of start, all-day ones first; cancelled ones struck through, declined ones muted."""
    ordered = sorted(events, key=lambda e: (not e.all_day, e.start, e.end, e.title))
    heading = el(
        "div",
        el("span", "Agenda"),
        el("time", day.strftime("%A %d %B %Y"), datetime=day.isoformat()),
        class_="head",
    )
    rows = (
        el("ul", [_event_row(e, day, zone) for e in ordered], class_="rows")
        if ordered
        else el("p", "Nothing on the calendar today.", class_="empty")
    )
    body = el("article", heading, rows, class_="card agenda")
    return page(f"Agenda {day.isoformat()}", body, theme=theme)


@dataclass(frozen=True)
class PresenceEntry:
    """One person's presence as a card lists it: who (an e-mail or a name) and their status."""

    who: str
    status: PresenceStatus


_AVAILABILITY_ORDER = {a: n for n, a in enumerate(Availability)}


def _presence_row(p: PresenceEntry, zone: tzinfo | None) -> Markup:
    s = p.status
    line = " ".join(x for x in (plain_text(s.emoji, 40), plain_text(s.text, 120)) if x)
    until = s.dnd_until or s.expires
    return el(
        "li",
        el("span", class_=f"dot state-{s.availability.value}", aria_hidden="true"),
        el(
            "span",
            el("span", plain_text(p.who, 120), class_="who"),
            el(
                "div",
                s.availability.value,
                f" \u00b7 {line}" if line else None,
                join(" until ", el("time", _clock(until, zone), datetime=until.isoformat()))
                if until
                else None,
                class_="sub",
            ),
            class_="what",
        ),
    )


def presence_card(
    people: Sequence[PresenceEntry], *, zone: tzinfo | None = None, theme: Theme | None = None
) -> str:
    """People whose presence the hub knows, the available first, then by name."""
    ordered = sorted(people, key=lambda p: (_AVAILABILITY_ORDER[p.status.availability], p.who))
    rows = (
        el("ul", [_presence_row(p, zone) for p in ordered], class_="rows")
        if ordered
        else el("p", "No presence known yet.", class_="empty")
    )
    heading = el("div", el("span", "Presence"), class_="head")
    return page("Presence", el("article", heading, rows, class_="card presence"), theme=theme)


def message_card(title: str, message: str, *, theme: Theme | None = None) -> str:
    """An answer that is not a card: why none could be drawn (a 404's or a 400's body)."""
    body = el(
        "article",
        el("h1", title, class_="title"),
        el("p", message, class_="empty"),
        class_="card message",
    )
    return page(title, body, theme=theme)


__all__ = [
    "PresenceEntry",
    "agenda_card",
    "issue_card",
    "message_card",
    "pr_card",
    "presence_card",
]
