"""A store mirrored as after a sync, a WidgetSource over it, and the widget routes served by
uvicorn on 127.0.0.1 in a small Starlette app of the test's own."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette

from connectors.sdk.calendar import CalendarEvent
from connectors.sdk.chat import Availability, PresenceStatus
from server.hub.store import Store
from server.hub.widgets import WidgetSource
from server.web.widgets_routes import routes
from tests.widgets import data

NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with Store.open(tmp_path / "tieline.db") as s:
        await data.mirror(
            s,
            [data.pull(7), data.issue(12), data.pull(8, title="Second")],
            branch_checks={
                "octo/app@main": data.checks(),
                "octo/app@feature/x": data.checks(failed=1),
            },
            branch_pipelines={"octo/app@main": (data.pipeline(),)},
        )
        await data.mirror(s, [data.jira_issue()], connector="jira", account="me@jira")
        yield s


class Live:
    """What the in-memory parts of the source read; a test changes them between requests."""

    def __init__(self) -> None:
        self.events: list[CalendarEvent] = [
            data.event("Stand-up", datetime(2026, 12, 3, 9, 30, tzinfo=UTC), minutes=15),
            data.event("Tomorrow", datetime(2026, 12, 4, 9, 30, tzinfo=UTC)),
        ]
        self.presence: dict[str, PresenceStatus] = {
            "amy@example.test": data.presence(Availability.AVAILABLE, "Reviewing")
        }


@pytest.fixture
def live() -> Live:
    return Live()


@pytest.fixture
def source(store: Store, live: Live) -> WidgetSource:
    return WidgetSource(
        store,
        events=lambda: live.events,
        presence=lambda: live.presence,
        zone=UTC,
        clock=lambda: NOW,
    )


@pytest.fixture
async def client(source: WidgetSource) -> AsyncIterator[httpx.AsyncClient]:
    app = Starlette(routes=routes(source))
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, lifespan="off")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()  # the server failed to start: say why
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as c:
        yield c
    server.should_exit = True
    await task
