"""``tieline prs``: pull and merge requests asking for my review and mine, from every code
host signed in to (GitHub, GitLab, Bitbucket...), as the My Work panel shows them."""

from __future__ import annotations

import argparse

from connectors.sdk.models import Issue
from server.hub.sync.syncers import PullRequests

from .base import Context
from .items import checks_cell, state_cell
from .listing import base_cells, show, updated
from .render import Cell


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--review", action="store_true", help="only those asking for my review")
    p.add_argument("--mine", action="store_true", help="only mine")
    p.add_argument("--failing", action="store_true", help="only mine whose CI fails")


def _row(ctx: Context, it: Issue) -> list[Cell | str]:
    return [*base_cells(ctx, it), state_cell(it), checks_cell(it), updated(it)]


async def run(ctx: Context, args: argparse.Namespace) -> int:
    wanted = {g for g, on in (("review", args.review), ("mine", args.mine),
                              ("ci_failing", args.failing)) if on}  # fmt: skip
    groups = [g for g in PullRequests.groups if not wanted or g.id in wanted]
    return await show(
        ctx,
        view=PullRequests.view,
        groups=groups,
        key="pull_requests",
        capabilities=["CodeHost"],
        headers=["SERVICE", "REF", "TITLE", "STATE", "CHECKS", "UPDATED"],
        row=_row,
    )
