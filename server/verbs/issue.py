"""``tieline issue KEY``: one issue or pull request, in any form the reference scanners read
(``#12`` in this checkout's repository, ``owner/repo#12``, ``!3``, ``PROJ-7``, ``ENG-12``, an
item's URL) or by its id as ``--json`` prints it (``github:github.com:octo/app#12``).

The item comes from the mirror when the server has it, else from its service, through the
session of the account that serves its repository or site.
"""

from __future__ import annotations

import argparse

from connectors.sdk.errors import AuthError, NotFound
from connectors.sdk.models import Issue, ItemRef, PullRequest, User
from server.hub.refs import ItemTarget

from .base import Context, Missing, UsageError
from .items import checks_cell, item_json, service_name, state_cell
from .render import clean

#: Lines of the body shown in the terminal (``--json`` carries all of it).
BODY_LINES = 40


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("key", metavar="KEY", help="#12, owner/repo#12, PROJ-7, a URL, or an item id")


def _by_id(value: str, known: set[str]) -> ItemRef | None:
    """An item id (``connector:host:label``, as ``--json`` prints it), else ``None``."""
    connector, _, rest = value.partition(":")
    host, _, label = rest.partition(":")
    if connector not in known or not host or not label or "/" in host:
        return None
    for sigil in ("#", "!"):
        scope, sep, num = label.rpartition(sigil)
        if sep and scope and num.isdigit():
            return ItemRef(
                connector=connector, host=host, scope=scope, key=f"{sigil}{num}", number=int(num)
            )
    return ItemRef.keyed(connector, host, label)


def _scanned(ctx: Context, text: str) -> ItemTarget | None:
    hub = ctx.hub
    for ref in hub.scanner.scan(text, language_id="plaintext", context=hub.scan_context):
        if isinstance(ref.target, ItemTarget):
            return ref.target
    return None


async def resolve(ctx: Context, text: str) -> ItemRef:
    """The item ``text`` names, with the same rules as a hover in this checkout."""
    from server.hub.views import known_scopes

    hub = ctx.hub
    text = text.strip()
    await hub.connect(["IssueTracker"])  # no CI-only service's code loads
    ref = _by_id(text, set(hub.registry.ids()))
    if ref is not None:
        return ref
    target = _scanned(ctx, text)
    if target is None:  # PROJ-7 counts once the site's projects are known
        await known_scopes(hub)
        target = _scanned(ctx, text)
    if target is None:
        raise UsageError(
            f"{text!r} names no issue or pull request here (try #12, owner/repo#12, PROJ-7, "
            "or an item's URL)"
        )
    if target.ref is None:
        raise UsageError(
            f"{text}: run this in a clone of the repository, or write owner/repo{text}"
        )
    return target.ref


async def run(ctx: Context, args: argparse.Namespace) -> int:
    hub = ctx.hub
    ref = await resolve(ctx, args.key)
    s = hub.session_for(ref.connector, ref.host, ref.scope)
    if s is None:
        name = service_name(hub, ref.connector)
        raise AuthError(
            f"sign in to {name} ({ref.host}) to see {ref.label}: tieline auth login {ref.connector}"
        )
    if ctx.fresh:
        s.coordinator.index.items.pop(ref.id, None)
    try:
        item = await s.coordinator.lookup(ref)
    except NotFound as exc:
        raise Missing(f"{ref.label}: no such item on {service_name(hub, ref.connector)}") from exc
    if ctx.json:
        ctx.emit({"item": {**item_json(hub, item), "body": item.body, "comments": item.comments}})
        return 0
    _card(ctx, item)
    return 0


def _who(u: User) -> str:
    """``@login`` where the service's people have handles, else their name (Jira's logins
    are account ids)."""
    return f"@{clean(u.login)}" if u.handle else clean(u.name or u.login)


def _card(ctx: Context, it: Issue) -> None:
    st = ctx.style
    service = service_name(ctx.hub, it.connector)
    ctx.line(f"{st(clean(it.ref.label), 'bold')}  {st(clean(it.title), 'bold')}")
    state = state_cell(it)
    facts = [service, st(state.text, state.colour)]
    facts += [clean(x) for x in (it.type, it.priority and f"priority {it.priority}") if x]
    if it.sprint:
        facts.append(f"sprint {clean(it.sprint)}")
    if isinstance(it, PullRequest):
        facts.append(f"{clean(it.head_ref)} → {clean(it.base_ref)}")
        c = checks_cell(it)
        if c.text:
            facts.append(st(c.text, c.colour))
        if it.review_state.value not in ("none", ""):
            facts.append(f"review {it.review_state.value.replace('_', ' ')}")
    ctx.line("  " + " · ".join(facts))
    people = []
    if it.author:
        people.append(f"by {_who(it.author)}")
    if it.assignees:
        people.append("assigned " + ", ".join(_who(u) for u in it.assignees))
    if it.labels:
        people.append("labels " + ", ".join(clean(label.name) for label in it.labels))
    if people:
        ctx.line("  " + " · ".join(people))
    ctx.line("  " + st(it.url, "blue"))
    body = (it.body or "").strip()
    if body:
        ctx.line()
        lines = [clean(line) for line in body.splitlines()]
        for line in lines[:BODY_LINES]:
            ctx.line("  " + line)
        if len(lines) > BODY_LINES:
            ctx.line(st(f"  … {len(lines) - BODY_LINES} more lines: --json has all", "dim"))
