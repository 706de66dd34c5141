"""How an issue, pull request or user looks in the editor: hover cards, lens titles, completions.

Pure functions from sdk models to strings (or lsprotocol completion items), so the handlers
stay one-liners and every rendering is a snapshot test. Everything that came from the service
goes through :mod:`server.hub.sanitize` here, at the last step before display:
titles and names are escaped for inline Markdown (or reduced to plain text where the editor
does not render Markdown, as in code-lens titles), bodies become a sanitized excerpt, and URLs
are only shown when they are http(s).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from lsprotocol import types

from connectors.sdk.models import (
    CheckSummary,
    Issue,
    ItemState,
    PullRequest,
    ReviewState,
    User,
)
from connectors.sdk.pages import PageInfo
from server.hub.sanitize import code_span, escape_inline, excerpt, plain_text

_REVIEW_WORDS = {
    ReviewState.APPROVED: "approved",
    ReviewState.CHANGES_REQUESTED: "changes requested",
    ReviewState.REVIEW_REQUIRED: "review required",
}
_MAX_LABELS_LENS = 2
_MAX_PEOPLE = 5
_LOGIN = re.compile(r"[^A-Za-z0-9_.\[\]-]")


def _http(url: str | None) -> str | None:
    """The URL if it is an absolute http(s) URL safe to put in ``(...)``, else ``None``."""
    if not url or urlsplit(url).scheme.lower() not in ("http", "https"):
        return None
    return url.replace("(", "%28").replace(")", "%29").replace(" ", "%20")


def _login(user: User) -> str:
    """``@login`` as plain text; logins are restricted characters on every service we know,
    but anything else is dropped rather than trusted. A user whose login is no handle (a
    Jira Cloud accountId) is shown by name instead."""
    if not user.handle:
        return plain_text(user.name, 60) or "someone"
    return "@" + (_LOGIN.sub("", user.login)[:60] or "?")


_KEY = re.compile(r"[^\w#!./-]")


def item_key(item: Issue) -> str:
    """How the item is named on its card: ``#12``, ``PR #7``, ``MR !3``, ``PROJ-7``. Keys
    come from the service: anything but key characters is dropped, not trusted."""
    key = _KEY.sub("", item.ref.key)[:40]
    if isinstance(item, PullRequest):
        return ("MR " if key.startswith("!") else "PR ") + key
    return key


def state_word(item: Issue) -> str:
    """open / closed / merged / draft -- or the tracker's own status (``In Review``) -- as a
    person would say it."""
    if item.status is not None:
        return plain_text(item.status.name, 40)
    if isinstance(item, PullRequest):
        if item.merged or item.state is ItemState.MERGED:
            return "merged"
        if item.draft and item.state is not ItemState.CLOSED:
            return "draft"
    return str(item.state.value)


def checks_text(checks: CheckSummary | None) -> str:
    """``✓ 12 checks``, ``✗ 2 of 9 checks failing``, ``⋯ 3 of 9 checks pending``, or ``""``."""
    if checks is None or not checks.total:
        return ""
    noun = "check" if checks.total == 1 else "checks"
    if checks.failed:
        return f"✗ {checks.failed} of {checks.total} {noun} failing"
    if checks.pending:
        return f"⋯ {checks.pending} of {checks.total} {noun} pending"
    return f"✓ {checks.total} {noun}"


def _people(users: tuple[User, ...], *, markdown: bool = False) -> str:
    logins = (_login(u) for u in users[:_MAX_PEOPLE])
    shown = ", ".join(escape_inline(x) if markdown else x for x in logins)
    more = len(users) - _MAX_PEOPLE
    return f"{shown} +{more}" if more > 0 else shown


def lens_title(item: Issue) -> str:
    """A code-lens title: the state at a glance, plain text (lenses do not render Markdown).

    ``#123 open · bug, ui · @alice`` for an issue, ``PR #7 open · changes requested · ✗ 2 of 9
    checks failing`` for a pull request.
    """
    if isinstance(item, PullRequest):
        parts = [f"{item_key(item)} {state_word(item)}"]
        review = _REVIEW_WORDS.get(item.review_state)
        if review and state_word(item) in ("open", "draft"):
            parts.append(review)
        if checks := checks_text(item.checks):
            parts.append(checks)
        return " · ".join(parts)
    parts = [f"{item_key(item)} {state_word(item)}"]
    if item.priority:
        parts.append(plain_text(item.priority, 20))
    if item.labels:
        names = [plain_text(label.name, 30) for label in item.labels[:_MAX_LABELS_LENS]]
        extra = len(item.labels) - _MAX_LABELS_LENS
        parts.append(", ".join(names) + (f" +{extra}" if extra > 0 else ""))
    if item.assignees:
        parts.append(_people(item.assignees[:1]) + ("…" if len(item.assignees) > 1 else ""))
    return " · ".join(parts)


def hover_card(item: Issue, *, service: str | None = None) -> str:
    """The hover for a reference: title, state (or workflow status), type, priority, sprint,
    people, labels, PR review and checks, a body excerpt and the link. Markdown; every
    service-supplied piece is sanitized or escaped. ``service`` names where it lives."""
    url = _http(item.url)
    key = item_key(item)
    head = f"[{key}]({url})" if url else key
    lines = [f"**{head}** {escape_inline(item.title)}", ""]

    facts = [f"*{escape_inline(state_word(item), 40)}*"]
    if item.type:
        facts.append(escape_inline(item.type, 40))
    if item.priority:
        facts.append(f"priority {escape_inline(item.priority, 40)}")
    if item.author:
        facts.append(f"by {escape_inline(_login(item.author))}")
    where = escape_inline(item.ref.scope, 140)
    facts.append(f"in {where}" + (f" ({escape_inline(service, 40)})" if service else ""))
    if item.sprint:
        facts.append(f"sprint {escape_inline(item.sprint, 60)}")
    if item.comments:
        facts.append(f"{item.comments} comment{'s' if item.comments != 1 else ''}")
    lines.append(" · ".join(facts))
    if item.labels:
        lines.append("")
        lines.append("Labels: " + " ".join(code_span(label.name) for label in item.labels[:10]))
    if item.assignees:
        lines.append("")
        lines.append("Assignees: " + _people(item.assignees, markdown=True))
    if isinstance(item, PullRequest):
        pr = [f"{code_span(item.head_ref)} → {code_span(item.base_ref)}"] if item.head_ref else []
        review = _REVIEW_WORDS.get(item.review_state)
        if review:
            pr.append(f"review: {review}")
        if item.requested_reviewers:
            pr.append("requested: " + _people(item.requested_reviewers, markdown=True))
        if checks := checks_text(item.checks):
            pr.append(checks)
        if pr:
            lines.append("")
            lines.append(" · ".join(pr))
    body = excerpt(item.body)
    if body:
        lines += ["", "---", "", body]
    if url:
        host = escape_inline(urlsplit(url).hostname or "", 100)
        lines += ["", "---", "", f"[Open on {host}]({url})"]
    return "\n".join(lines)


def issue_completion(
    item: Issue, *, insert: str | None = None, sort_key: int | None = None
) -> types.CompletionItem:
    """A completion for ``#12``: label ``#12``, the title as detail, the card as docs.

    ``insert`` overrides the inserted text (``owner/repo#12`` for another repository);
    ``sort_key`` orders items (default: higher numbers, i.e. newer items, first).
    """
    label = item.ref.key
    order = sort_key if sort_key is not None else 10**9 - (item.number or 0)
    return types.CompletionItem(
        label=label,
        kind=types.CompletionItemKind.Reference,
        detail=plain_text(item.title, 80),
        label_details=types.CompletionItemLabelDetails(
            description=("PR " if isinstance(item, PullRequest) else "") + state_word(item)
        ),
        documentation=types.MarkupContent(kind=types.MarkupKind.Markdown, value=hover_card(item)),
        filter_text=f"{label} {plain_text(item.title, 200)}",
        sort_text=f"{order:010d}",
        insert_text=insert or label,
    )


def user_completion(user: User) -> types.CompletionItem:
    """A completion for ``@login`` with the person's name as detail."""
    login = _login(user)
    return types.CompletionItem(
        label=login,
        kind=types.CompletionItemKind.Value,
        detail=plain_text(user.name, 60) or None,
        filter_text=f"{login} {plain_text(user.name, 60)}".strip(),
        insert_text=login,
    )


def page_card(page: PageInfo, service: str) -> str:
    """A hosted page's hover card: its title, service and space, who edited it last and
    when, and a link to it."""
    lines = [f"**{escape_inline(page.title) or 'Untitled page'}**"]
    where = escape_inline(service)
    if page.space:
        where += f" · {escape_inline(page.space)}"
    lines.append(where)
    edited = []
    if page.modified_by:
        edited.append(f"by {escape_inline(page.modified_by)}")
    if page.modified is not None:
        edited.append(page.modified.strftime("on %Y-%m-%d %H:%M %Z").strip())
    if edited:
        lines.append("Last edited " + " ".join(edited))
    link = _http(page.url)
    if link:
        lines.append(f"[Open in {escape_inline(service)}]({link})")
    return "\n\n".join(lines)
