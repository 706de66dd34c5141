"""``$/progress`` around a piece of work, for a client that declares it.

One place for the dance every long command does: create a token (the client may refuse or
not answer: no progress is no reason to fail the work), begin, report, and end however the
work ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING

from lsprotocol import types

if TYPE_CHECKING:
    from .server import TielineServer

#: ``report(message, percentage)``, or ``None`` when the client shows no progress.
Report = Callable[[str, int], None]


@contextlib.asynccontextmanager
async def work_done(
    ls: TielineServer, title: str, *, kind: str, percentage: bool = True
) -> AsyncIterator[Report | None]:
    """Begin ``title`` (a token ``tieline-<kind>-<uuid>``); yield its reporter, or ``None``
    when the client does not declare ``window.workDoneProgress`` or refuses the token.
    ``percentage``: the work reports how far it is (begins at 0)."""
    caps = ls.client_capabilities
    token = f"tieline-{kind}-{uuid.uuid4()}"
    shown = False
    if caps and caps.window and caps.window.work_done_progress:
        with contextlib.suppress(Exception):  # no progress is no reason to fail the work
            await asyncio.wait_for(ls.work_done_progress.create_async(token), 5)
            ls.work_done_progress.begin(
                token,
                types.WorkDoneProgressBegin(
                    title=title, percentage=0 if percentage else None, cancellable=False
                ),
            )
            shown = True

    def report(message: str, percent: int) -> None:
        ls.work_done_progress.report(
            token, types.WorkDoneProgressReport(message=message, percentage=percent)
        )

    try:
        yield report if shown else None
    finally:
        if shown:
            ls.work_done_progress.end(token, types.WorkDoneProgressEnd(message="done"))
