"""``tieline issues``: issues assigned to me, mentioning me and created by me, from every
tracker signed in to (GitHub, GitLab, Jira, Linear, Bitbucket, Trello, Asana...)."""

from __future__ import annotations

import argparse

from connectors.sdk.models import Issue
from server.hub.sync.syncers import Issues

from .base import Context
from .items import state_cell
from .listing import base_cells, show, updated
from .render import Cell, clean


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--assigned", action="store_true", help="only those assigned to me")
    p.add_argument("--mentioned", action="store_true", help="only those mentioning me")
    p.add_argument("--created", action="store_true", help="only those I created")


def _row(ctx: Context, it: Issue) -> list[Cell | str]:
    return [*base_cells(ctx, it), state_cell(it), Cell(clean(it.priority), None), updated(it)]


async def run(ctx: Context, args: argparse.Namespace) -> int:
    wanted = {g for g in ("assigned", "mentioned", "created") if getattr(args, g)}
    groups = [g for g in Issues.groups if not wanted or g.id in wanted]
    return await show(
        ctx,
        view=Issues.view,
        groups=groups,
        key="issues",
        capabilities=["IssueTracker"],
        headers=["SERVICE", "REF", "TITLE", "STATUS", "PRIORITY", "UPDATED"],
        row=_row,
    )
