"""``prs`` and ``issues`` are one listing of different groups: the My Work panel's groups
of one syncer, merged across every session, as sections of a table or as JSON."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from connectors.sdk.models import Issue
from server.hub.sync.syncers import Group

from .base import Context, problems_json, sign_in_hint
from .items import item_json, merged, service_name
from .render import Cell, age, clean, table

Row = Callable[[Context, Issue], list[Cell | str]]


async def show(
    ctx: Context,
    *,
    view: str,
    groups: Sequence[Group],
    key: str,
    capabilities: Sequence[str],
    headers: Sequence[str],
    row: Row,
) -> int:
    """Gather ``view`` from every session, then print ``groups`` (a syncer's
    :class:`~server.hub.sync.syncers.Group`\\ s, those asked for) under ``key`` in JSON."""
    from server.hub.views import gather

    got = await gather(ctx.hub, [view], max_age=ctx.max_age, force=ctx.fresh)
    if not got.sessions and not got.problems:
        from connectors.sdk.errors import AuthError

        raise AuthError(sign_in_hint(ctx.hub, *capabilities))
    items = merged(got.sessions, groups)
    if ctx.json:
        ctx.emit(
            {
                key: [item_json(ctx.hub, it, gs) for it, gs in items],
                "groups": [{"id": g.id, "label": g.label} for g in groups],
                "problems": problems_json(got.problems),
            }
        )
        return ctx.report(got.problems)
    first = True
    for g in groups:
        mine = [it for it, gs in items if g.id in gs]
        if not first:
            ctx.line()
        first = False
        title = f"{g.label} ({len(mine)})"
        ctx.line(ctx.style(title, "bold"))
        if not mine:
            ctx.line(ctx.style("  none", "dim"))
            continue
        rows = [row(ctx, it) for it in mine]
        for line in table(headers, rows, width=ctx.width, flex=2, style=ctx.style, indent="  "):
            ctx.line(line)
    return ctx.report(got.problems)


def base_cells(ctx: Context, it: Issue) -> list[Cell | str]:
    """SERVICE, REF, TITLE: the first columns of every listing."""
    return [
        Cell(service_name(ctx.hub, it.connector), "dim"),
        Cell(clean(it.ref.label), "bold"),
        clean(it.title),
    ]


def updated(it: Issue) -> Cell:
    return Cell(age(it.updated_at), "dim")


__all__ = ["base_cells", "show", "updated"]
