"""A hub on a temporary store, its mirror seeded with issues and pull requests of two
services and its library with snippets, served by the REST API on a real uvicorn on
127.0.0.1 in a thread of its own (so a session of tests, or a benchmark, shares it).

Tokens: :data:`ALL` has every scope; :data:`READ_ISSUES` only ``issues:read``."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Coroutine, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import uvicorn
from starlette.applications import Starlette
from starlette.routing import Mount

from connectors.sdk.models import (
    Issue,
    ItemState,
    Label,
    PullRequest,
    RepoRef,
    ReviewState,
    User,
)
from server.hub.hub import Hub
from server.hub.store import Store
from server.web.api import PREFIX, SCOPES, MemoryHooks, Principal, TokenTable, routes
from server.web.api.dispatch import not_found
from tests.factories import numbered

T = TypeVar("T")

ALL = "tok-all-scopes"
READ_ISSUES = "tok-issues-read"
NOTHING = "tok-no-scopes"
EVENTS_ONLY = "tok-events-read"
REPO = RepoRef(host="github.com", owner="octo", name="app")
OTHER = RepoRef(host="gitlab.com", owner="group", name="tool")
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def tokens() -> TokenTable:
    return TokenTable(
        {
            ALL: Principal("alice", frozenset(SCOPES)),
            READ_ISSUES: Principal("bob", frozenset({"issues:read"})),
            NOTHING: Principal("carol", frozenset()),
            EVENTS_ONLY: Principal("dave", frozenset({"events:read"})),
        }
    )


def issue(repo: RepoRef, n: int, *, connector: str = "github", closed: bool = False) -> Issue:
    ref = numbered(repo, n, connector=connector)
    return Issue(
        ref=ref,
        repo=repo,
        title=f"Issue {n} of {repo.full_name}",
        state=ItemState.CLOSED if closed else ItemState.OPEN,
        url=f"https://{repo.host}/{repo.full_name}/issues/{n}",
        author=User(login="octocat"),
        assignees=(User(login="alice"),) if n % 3 == 0 else (),
        labels=(Label(name="bug"),) if n % 2 else (),
        body=f"Body of {n}",
        created_at=EPOCH,
        updated_at=EPOCH + timedelta(minutes=n),
    )


def pull(repo: RepoRef, n: int, *, connector: str = "github") -> PullRequest:
    ref = numbered(repo, n, connector=connector, pull=True)
    return PullRequest(
        ref=ref,
        repo=repo,
        title=f"Change {n}",
        state=ItemState.OPEN,
        url=f"https://{repo.host}/{repo.full_name}/pull/{n}",
        author=User(login="octocat"),
        created_at=EPOCH,
        updated_at=EPOCH + timedelta(minutes=n),
        head_ref=f"feature-{n}",
        base_ref="main",
        review_state=ReviewState.REVIEW_REQUIRED,
    )


async def seed(hub: Hub, *, issues: int = 30, pulls: int = 5) -> None:
    """``issues`` GitHub issues (every fourth closed) and 5 GitLab ones, ``pulls`` pull
    requests, and three snippets."""
    gh = [issue(REPO, n, closed=n % 4 == 0) for n in range(1, issues + 1)]
    gh += [pull(REPO, 1000 + n) for n in range(1, pulls + 1)]
    await hub.mirror.save("github", "octocat@github.com", gh)
    gl = [issue(OTHER, n, connector="gitlab") for n in range(1, 6)]
    await hub.mirror.save("gitlab", "octocat@gitlab.com", gl)
    for title, body, language in (
        ("Retry with backoff", "for attempt in range(3):\n    try_it()", "python"),
        ("Read a file", "with open(path) as f:\n    data = f.read()", "python"),
        ("Go error check", "if err != nil {\n\treturn err\n}", "go"),
    ):
        await hub.snippets.add(title=title, body=body, language=language, tags=["demo"])


@dataclass
class Served:
    """The API on 127.0.0.1: its base URL (``.../api/v1``), hub, hooks and loop."""

    url: str
    hub: Hub
    hooks: MemoryHooks
    loop: asyncio.AbstractEventLoop
    server: uvicorn.Server
    thread: threading.Thread
    errors: list[BaseException] = field(default_factory=list)

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        """Run ``coro`` on the server's loop (publishing to its bus, reading its store)."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)


@contextlib.contextmanager
def served(
    home: Path,
    *,
    issues: int = 30,
    pulls: int = 5,
    keepalive: float = 15.0,
    ring_size: int | None = None,
    environ: Mapping[str, str] | None = None,
    root: Path | None = None,
) -> Iterator[Served]:
    """Serve the seeded world until the block ends. ``environ`` and ``root``: the hub's
    environment (services' settings and tokens) and workspace folder; when given, the hub
    connects the sessions they call for and syncs them before serving."""
    ready = threading.Event()
    box: dict[str, Any] = {}

    async def main() -> None:
        store = await Store.open(home / "tieline.db")
        hub = Hub(store=store, root=root, environ={"TIELINE_HOME": str(home), **(environ or {})})
        try:
            await seed(hub, issues=issues, pulls=pulls)
            if environ is not None:
                for session in await hub.connect():
                    await hub.sync_now(session)
            hooks = MemoryHooks()
            app = Starlette(
                exception_handlers={404: not_found},
                routes=[
                    Mount(
                        PREFIX,
                        routes=routes(
                            hub,
                            authorize=tokens(),
                            hooks=hooks,
                            keepalive=keepalive,
                            ring_size=ring_size,
                        ),
                    )
                ],
            )
            config = uvicorn.Config(
                app, host="127.0.0.1", port=0, lifespan="off", log_level="warning",
                access_log=False,
            )  # fmt: skip
            server = uvicorn.Server(config)
            box.update(hub=hub, hooks=hooks, server=server, loop=asyncio.get_running_loop())
            serving = asyncio.create_task(server.serve())
            while not server.started and not serving.done():
                await asyncio.sleep(0.01)
            if serving.done():
                serving.result()
            port = server.servers[0].sockets[0].getsockname()[1]
            box["url"] = f"http://127.0.0.1:{port}{PREFIX}"
            ready.set()
            await serving
        except BaseException as exc:
            box["error"] = exc
            raise
        finally:
            ready.set()
            await hub.close()

    thread = threading.Thread(target=lambda: asyncio.run(main()), name="api-server", daemon=True)
    thread.start()
    ready.wait(60)
    if "url" not in box:
        raise RuntimeError(f"the API did not start: {box.get('error')!r}")
    s = Served(box["url"], box["hub"], box["hooks"], box["loop"], box["server"], thread)
    try:
        yield s
    finally:
        s.server.should_exit = True
        thread.join(30)
