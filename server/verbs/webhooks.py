"""``tieline webhooks add|list|remove|enable|disable|rotate-secret|test|log|replay|recover``:
outgoing webhooks from a shell.

A secret is printed once, by ``add`` and ``rotate-secret``, on stdout (``secret=$(tieline
webhooks rotate-secret ep_...)`` keeps it); it lives in the vault and is never shown again.
``test`` and ``replay`` deliver here and now and print the outcome (exit 1 when it failed);
``recover`` queues the failed messages for the server to send, or sends them here with
``--now``. Times for ``--since`` are ISO 8601 (``2026-12-03T09:00``) or an age (``90m``,
``6h``, ``2d``).
"""

from __future__ import annotations

import argparse
import re
import time
from datetime import UTC, datetime
from typing import Any

from server.hub.webhooks import LogEntry, MessageState, UnknownEndpoint, Webhooks

from .base import Context, Missing, UsageError
from .render import Cell, clean, table

_AGE = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhd])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _own(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON")


def arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)

    a = sub.add_parser("add", help="register an endpoint; prints its id and (once) its secret")
    a.add_argument("url", metavar="URL", help="where to POST, e.g. http://127.0.0.1:5678/webhook/x")
    a.add_argument(
        "--event",
        action="append",
        default=[],
        metavar="GLOB",
        help="event types to send, as globs (ci.*, pull_request.review_requested); repeat;"
        " default: all",
    )
    a.add_argument("--template", metavar="JMESPATH", help="shape the body with a JMESPath expr")
    a.add_argument("--description", default="", help="a line saying what it is for")
    _own(a)

    _own(sub.add_parser("list", help="the registered endpoints"))

    for name, text in (
        ("remove", "delete an endpoint, its log and its secrets"),
        ("enable", "send to an endpoint again (after 410 or five days of failures)"),
        ("rotate-secret", "a new secret (printed once); the old one signs for 24 h more"),
        ("test", "send a webhook.test event now and show what the endpoint answered"),
    ):
        x = sub.add_parser(name, help=text)
        x.add_argument("id", metavar="ENDPOINT", help="the endpoint's id (list prints it)")
        _own(x)

    d = sub.add_parser("disable", help="stop sending to an endpoint (events meanwhile are lost)")
    d.add_argument("id", metavar="ENDPOINT")
    d.add_argument("--reason", default="disabled by hand", help="why (shown by list)")
    _own(d)

    lg = sub.add_parser("log", help="an endpoint's newest messages and their attempts")
    lg.add_argument("id", metavar="ENDPOINT")
    lg.add_argument("--limit", type=int, default=20, help="at most this many messages")
    _own(lg)

    rp = sub.add_parser("replay", help="send one message again now (same id and body)")
    rp.add_argument("message", metavar="MESSAGE", help="the message id (log prints it)")
    _own(rp)

    rc = sub.add_parser("recover", help="send again the failed messages since a time")
    rc.add_argument("id", metavar="ENDPOINT")
    rc.add_argument("--since", required=True, help="ISO 8601 time, or an age: 90m, 6h, 2d")
    rc.add_argument("--now", action="store_true", help="send them from here, now")
    _own(rc)


def parse_since(text: str, *, now: float | None = None) -> float:
    """Unix seconds for ``--since``: an age (``6h``) or an ISO 8601 time (UTC if no zone)."""
    clock = time.time() if now is None else now
    m = _AGE.match(text.strip())
    if m:
        return clock - float(m.group(1)) * _UNITS[m.group(2)]
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"--since {text!r}: give an ISO 8601 time or an age such as 6h") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


def _when(ts: float | None) -> str:
    if ts is None:
        return ""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S")


async def run(ctx: Context, args: argparse.Namespace) -> int:
    hooks: Webhooks = ctx.hub.webhooks
    try:
        return await _run(ctx, hooks, args)
    except UnknownEndpoint as exc:
        raise Missing(exc.message) from exc


async def _run(ctx: Context, hooks: Webhooks, args: argparse.Namespace) -> int:
    action = args.action
    if action == "add":
        created = await hooks.add(
            args.url,
            event_types=args.event or None,
            template=args.template,
            description=args.description,
        )
        if ctx.json:
            ctx.emit({"endpoint": created.endpoint.to_json(), "secret": created.secret})
        else:
            ctx.line(f"{created.endpoint.id} {created.secret}")
            ctx.say(
                f"tieline: added {created.endpoint.id}; its signing secret is shown this once"
                " (verify with any Standard Webhooks library)"
            )
        return 0
    if action == "list":
        return _list(ctx, await hooks.endpoints())
    if action == "remove":
        await hooks.remove(args.id)
        return _done(ctx, {"removed": args.id}, f"removed {args.id}")
    if action in ("enable", "disable"):
        ep = await (
            hooks.enable(args.id) if action == "enable" else hooks.disable(args.id, args.reason)
        )
        return _done(ctx, {"endpoint": ep.to_json()}, f"{ep.id} {action}d")
    if action == "rotate-secret":
        secret = await hooks.rotate_secret(args.id)
        if ctx.json:
            ctx.emit({"endpoint": args.id, "secret": secret})
        else:
            ctx.line(secret)
            ctx.say("tieline: new secret shown this once; the old one also signs for 24 hours")
        return 0
    if action == "test":
        mid = await hooks.send_test(args.id)
        return _outcome(ctx, await hooks.deliver_now(mid))
    if action == "replay":
        await hooks.replay(args.message)
        return _outcome(ctx, await hooks.deliver_now(args.message))
    if action == "recover":
        since = parse_since(args.since)
        n = await hooks.recover(args.id, since=since)
        sent = await hooks.dispatcher.drain() if args.now else 0
        where = "sent from here" if args.now else "queued for the server to send"
        return _done(ctx, {"recovered": n, "sent": sent}, f"{n} failed message(s) {where}")
    if args.limit < 1:
        raise UsageError("--limit must be at least 1")
    return _log(ctx, await hooks.log(args.id, limit=args.limit))


def _done(ctx: Context, data: dict[str, Any], words: str) -> int:
    if ctx.json:
        ctx.emit(data)
    else:
        ctx.say(f"tieline: {words}")
    return 0


def _list(ctx: Context, endpoints: list[Any]) -> int:
    if ctx.json:
        ctx.emit({"endpoints": [e.to_json() for e in endpoints]})
        return 0
    if not endpoints:
        ctx.say("tieline: no webhook endpoints yet (tieline webhooks add URL)")
        return 0
    rows: list[list[Cell | str]] = []
    for e in endpoints:
        state = (
            Cell("enabled", "green")
            if e.enabled
            else Cell(f"disabled: {clean(e.disabled_reason)}", "red")
        )
        rows.append([Cell(e.id, "dim"), clean(e.url), clean(" ".join(e.event_types)), state])
    for line in table(
        ["ID", "URL", "EVENTS", "STATE"], rows, width=ctx.width, flex=1, style=ctx.style
    ):
        ctx.line(line)
    return 0


def _log(ctx: Context, entries: list[LogEntry]) -> int:
    if ctx.json:
        ctx.emit({"messages": [e.to_json() for e in entries]})
        return 0
    if not entries:
        ctx.say("tieline: no messages for this endpoint yet")
        return 0
    st = ctx.style
    for e in entries:
        m = e.message
        colour = {"delivered": "green", "failed": "red"}.get(m.state.value, "yellow")
        head = f"{st(m.id, 'dim')}  {clean(m.event_type)}  {st(m.state.value, colour)}"
        if m.state is MessageState.PENDING and m.next_attempt_at:
            head += f" (next try {_when(m.next_attempt_at)})"
        ctx.line(head)
        for a in e.attempts:
            status = str(a.status) if a.status is not None else "---"
            detail = clean(a.error or a.response or "")
            ctx.line(
                f"  {_when(a.started_at)}  {a.trigger.value:<9} {status:>3}"
                f"  {a.latency_ms:8.1f} ms  {a.outcome.value:<10} {detail[:80]}"
            )
    return 0


def _outcome(ctx: Context, entry: LogEntry) -> int:
    last = entry.attempts[-1] if entry.attempts else None
    if ctx.json:
        ctx.emit(entry.to_json())
    elif last is None:
        ctx.say(f"tieline: {entry.message.id} was not sent: {entry.message.last_error}")
    else:
        status = last.status if last.status is not None else "no answer"
        words = clean(last.error or last.response or "")
        ctx.line(f"{entry.message.id} {last.outcome.value} {status} {last.latency_ms:.0f} ms")
        if words:
            ctx.say(f"tieline: {words}")
    return 0 if last is not None and last.outcome.value == "success" else 1
