"""The MCP tools: what the command line's verbs answer, the agenda, and (when allowed) the
few actions that change something.

Each read tool runs its verb's ``--json`` (:func:`server.verbs.run_json`), so an agent gets
the documented shape of ``tieline VERB --json``. The agenda reads the calendar sessions'
indexes as the Agenda panel does (:mod:`server.hub.calendar`). Write tools call the hub
functions the editor's commands call (:func:`server.hub.work.create_issue`, the snippet
library's :func:`~server.hub.snippets.add` with its secret check), find their sessions
through :meth:`Hub.sessions_with` (so the consent gate applies), and first need the
person's grant (:mod:`server.mcp.grants`). Every call and its refusal is audited.

Tools are registered on an :class:`mcp.server.mcpserver.MCPServer` by :func:`register`;
their parameters are typed (the SDK derives each tool's JSON input schema from them) and
they return JSON objects (its structured output).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import Field

from connectors.sdk.errors import AuthError, ConfigError, NotFound, SecretFound, TielineError
from connectors.sdk.redact import redact
from server.verbs.base import Missing, UsageError

from . import grants
from .errors import WriteRefused
from .verbs import context, run_json

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

    from connectors.sdk.calendar import CalendarEvent
    from server.hub.hub import Hub

log = logging.getLogger("tieline.mcp")

#: The kind an error's text starts with, as the command line's exit codes tell them apart.
KINDS: tuple[tuple[type[TielineError] | tuple[type[TielineError], ...], str], ...] = (
    (WriteRefused, "refused"),
    (UsageError, "usage"),
    ((Missing, NotFound), "not_found"),
    (AuthError, "auth"),
    (ConfigError, "config"),
    (SecretFound, "secret"),
)
READ = ToolAnnotations(read_only_hint=True, destructive_hint=False, open_world_hint=True)
WRITE = ToolAnnotations(read_only_hint=False, destructive_hint=False, open_world_hint=True)
#: The longest log text a tool hands back (an agent's context is not a terminal).
LOG_LINES = 2000

Fresh = Annotated[
    bool, Field(description="Ask the services now instead of reading what was synced lately.")
]


def kind(exc: TielineError) -> str:
    return next((name for cls, name in KINDS if isinstance(exc, cls)), "failed")


@contextlib.contextmanager
def translated(tool: str) -> Iterator[None]:
    """The hub's errors as MCP tool errors with their redacted message; anything else as an
    internal error naming only the tool (the traceback goes to the log)."""
    try:
        yield
    except ToolError:
        raise
    except SecretFound as exc:
        where = "; ".join(f"{f}" for f in exc.findings)
        text = f"[secret] {redact(exc.message)}" + (f" ({where})" if where else "")
        raise ToolError(text) from None
    except TielineError as exc:
        raise ToolError(f"[{kind(exc)}] {redact(exc.message)}") from None
    except Exception:
        log.exception("MCP tool %s failed", tool)
        raise ToolError(f"[internal] {tool} failed inside Tieline; see the server log") from None


def event_json(e: CalendarEvent) -> dict[str, Any]:
    """One event of the agenda for an agent: when, what, who, where to join."""
    return {
        "id": e.key,
        "title": e.title,
        "start": e.start.isoformat(),
        "end": e.end.isoformat(),
        "all_day": e.all_day,
        "timezone": e.timezone,
        "location": e.location,
        "url": e.url,
        "organizer": e.organizer.label if e.organizer else None,
        "attendees": [a.label for a in e.attendees if not a.resource],
        "my_response": e.my_response.value if e.my_response else None,
        "status": e.status.value,
        "join": e.join.url if e.join else None,
        "join_provider": e.join.provider_name if e.join else None,
        "meeting": e.is_meeting,
    }


async def agenda(hub: Hub, *, days: int, fresh: bool) -> dict[str, Any]:
    """The merged agenda of every calendar session from now for ``days`` days, each
    session's window synced first when it is older than the poll interval."""
    from connectors.sdk.capabilities import Calendar
    from server.hub import calendar
    from server.hub.sync.syncers import Agenda
    from server.verbs.base import sign_in_hint

    await hub.connect(["Calendar"])
    sessions = hub.sessions_with(Calendar)
    if not sessions:
        raise AuthError(sign_in_hint(hub, "Calendar"))
    now = datetime.now().astimezone()
    problems: list[dict[str, Any]] = []
    for s in sessions:
        at = s.coordinator.index.events_at
        if fresh or at is None or (now - at).total_seconds() > hub.config.sync.poll_interval:
            try:
                await hub.sync_part(s, [Agenda()])
            except TielineError as exc:
                problems.append(
                    {
                        "service": s.connector_id,
                        "account": s.account,
                        "message": redact(exc.message),
                        "auth": isinstance(exc, AuthError),
                    }
                )
    until = now + timedelta(days=days)
    events = [e for e in calendar.merged(hub) if e.end > now and e.start < until]
    nxt = calendar.upcoming(hub, now)
    return {
        "events": [event_json(e) for e in events],
        "next_meeting": event_json(nxt) if nxt else None,
        "problems": problems,
    }


def destination_json(d: Any) -> dict[str, Any]:
    return {
        "id": d.id,
        "label": d.label,
        "service": d.session.connector_id,
        "account": d.session.account,
        "scope": d.scope,
    }


async def destinations(hub: Hub) -> list[Any]:
    from server.hub import work
    from server.hub.views import known_scopes

    await hub.connect(["IssueTracker"])
    await known_scopes(hub)
    return work.destinations(hub, hub.folder_for(hub.root) if hub.root else None)


class Writes:
    """The write tools' permission: writes allowed in the settings and a grant per tool,
    each call audited (allowed or refused)."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    async def permit(self, tool: str, target: str) -> None:
        hub = self.hub
        if not hub.config.mcp.allow_writes:  # the user's own layers: mcp is machine-only
            await hub.store.audit("mcp", "mcp.refused", tool, {"why": "writes off"})
            raise WriteRefused(
                f"{tool} changes something, and writes are off: set [mcp] allow_writes = true"
                f" and run `tieline mcp grant {tool}`"
            )
        if not await grants.granted(hub.store, tool):
            await hub.store.audit("mcp", "mcp.refused", tool, {"why": "no grant"})
            raise WriteRefused(
                f"{tool} needs your permission first: run `tieline mcp grant {tool}` in a"
                " terminal (`tieline mcp grants` lists what agents may do)"
            )
        await hub.store.audit("mcp", f"mcp.{tool}", target)


def register(server: MCPServer[Any], hub: Hub, *, writes: bool) -> list[str]:
    """Add the read tools, and the write tools when ``writes``; the names added."""
    tool = _Adder(server)

    @tool("list_pull_requests", "Pull requests")
    async def list_pull_requests(
        review: Annotated[bool, Field(description="Only those asking for my review.")] = False,
        mine: Annotated[bool, Field(description="Only mine.")] = False,
        failing: Annotated[bool, Field(description="Only mine whose CI fails.")] = False,
        fresh: Fresh = False,
    ) -> dict[str, Any]:
        """Pull and merge requests asking for my review and mine, from every code host signed
        in to (as `tieline prs --json`). Services that failed are listed in `problems`."""
        with translated("list_pull_requests"):
            return await run_json(hub, "prs", review=review, mine=mine, failing=failing,
                                  fresh=fresh)  # fmt: skip

    @tool("list_issues", "Issues")
    async def list_issues(
        assigned: Annotated[bool, Field(description="Only those assigned to me.")] = False,
        mentioned: Annotated[bool, Field(description="Only those mentioning me.")] = False,
        created: Annotated[bool, Field(description="Only those I created.")] = False,
        fresh: Fresh = False,
    ) -> dict[str, Any]:
        """Issues assigned to me, mentioning me and created by me, from every tracker signed
        in to (as `tieline issues --json`)."""
        with translated("list_issues"):
            return await run_json(hub, "issues", assigned=assigned, mentioned=mentioned,
                                  created=created, fresh=fresh)  # fmt: skip

    @tool("get_issue", "One issue or pull request")
    async def get_issue(
        key: Annotated[
            str,
            Field(
                min_length=1,
                description="#12 (this checkout's repository), owner/repo#12, PROJ-7, ENG-12, "
                "an item's URL, or its id (github:github.com:octo/app#12).",
            ),
        ],
        fresh: Fresh = False,
    ) -> dict[str, Any]:
        """One issue or pull request with its body and comments count (as `tieline issue KEY
        --json`)."""
        with translated("get_issue"):
            return await run_json(hub, "issue", key=key, fresh=fresh)

    @tool("ci_status", "CI of this checkout")
    async def ci_status(fresh: Fresh = False) -> dict[str, Any]:
        """The CI of this checkout's branch from every CI it reports to: pipelines with their
        jobs and checks, and an overall `state` (as `tieline ci --json`)."""
        with translated("ci_status"):
            return await run_json(hub, "ci", watch=False, interval=5.0, timeout=0.0,
                                  fresh=fresh)  # fmt: skip

    @tool("job_log", "A CI job's log")
    async def job_log(
        job: Annotated[
            str,
            Field(
                min_length=1,
                description="A job of this branch's CI: its name, PIPELINE/JOB, or the id "
                "ci_status gives.",
            ),
        ],
        max_lines: Annotated[
            int, Field(ge=1, le=100_000, description="At most this many lines of text.")
        ] = LOG_LINES,
    ) -> dict[str, Any]:
        """A CI job's log, terminal escapes stripped and the failing step first (as `tieline
        log JOB --json`); `failing` gives its lines."""
        with translated("job_log"):
            doc = await run_json(hub, "log", job=job, follow=False, ansi=False)
            lines = str(doc.get("text", "")).split("\n")
            doc["truncated"] = len(lines) > max_lines
            if doc["truncated"]:
                doc["text"] = "\n".join(lines[:max_lines])
            return doc

    @tool("search_snippets", "Search snippets")
    async def search_snippets(
        text: Annotated[str, Field(description="Words a snippet holds; empty: the newest.")] = "",
        language: Annotated[
            str | None, Field(description="Only those usable in this language id.")
        ] = None,
        tag: Annotated[str | None, Field(description="Only those with this tag.")] = None,
        limit: Annotated[int, Field(ge=1, le=200, description="At most this many.")] = 20,
    ) -> dict[str, Any]:
        """Snippets of the library matching words (as `tieline snippets search --json`)."""
        with translated("search_snippets"):
            return await run_json(hub, "snippets", action="search", text=text.split(),
                                  language=language, tag=tag, limit=limit)  # fmt: skip

    @tool("get_snippet", "One snippet")
    async def get_snippet(
        id: Annotated[str, Field(min_length=1, description="The snippet's id.")],
    ) -> dict[str, Any]:
        """One snippet with its body (as `tieline snippets show ID --json`)."""
        with translated("get_snippet"):
            return await run_json(hub, "snippets", action="show", id=id, body=False)

    @tool("search_docs", "Look a name up in the docs")
    async def search_docs(
        query: Annotated[
            str, Field(min_length=1, description="A name: json.loads, Pan.heat, map.")
        ],
        language: Annotated[
            str | None, Field(description="Only the sets serving this language id.")
        ] = None,
        sets: Annotated[
            list[str] | None, Field(description="Only these documentation sets (their ids).")
        ] = None,
        limit: Annotated[int, Field(ge=1, le=200, description="At most this many.")] = 20,
    ) -> dict[str, Any]:
        """Look a name up in the documentation sets installed for this workspace (as
        `tieline docs QUERY --json`)."""
        with translated("search_docs"):
            return await run_json(hub, "docs", query=[query], language=language, sets=sets,
                                  limit=limit)  # fmt: skip

    @tool("agenda", "Calendar agenda")
    async def agenda_tool(
        days: Annotated[int, Field(ge=1, le=7, description="From now, this many days ahead.")] = 1,
        fresh: Fresh = False,
    ) -> dict[str, Any]:
        """Meetings and events from every calendar signed in to, merged (each meeting once),
        and the next meeting."""
        with translated("agenda"):
            return await agenda(hub, days=days, fresh=fresh)

    @tool("issue_destinations", "Where a new issue can go")
    async def issue_destinations() -> dict[str, Any]:
        """The trackers and projects a new issue can be created in from this workspace (the
        `destination` create_issue takes)."""
        with translated("issue_destinations"):
            return {"destinations": [destination_json(d) for d in await destinations(hub)]}

    if writes:
        _register_writes(tool, hub)
    return tool.names


_F = TypeVar("_F", bound=Callable[..., Any])


class _Adder:
    """``@tool(name, title)``: registers a tool on the server and keeps its name."""

    def __init__(self, server: MCPServer[Any]) -> None:
        self.server = server
        self.names: list[str] = []

    def __call__(
        self, name: str, title: str, annotations: ToolAnnotations = READ
    ) -> Callable[[_F], _F]:
        self.names.append(name)
        return self.server.tool(name=name, title=title, annotations=annotations)


def _register_writes(tool: _Adder, hub: Hub) -> None:
    writes = Writes(hub)

    @tool("create_issue", "Create an issue", WRITE)
    async def create_issue(
        title: Annotated[str, Field(min_length=1, max_length=256, description="Its title.")],
        body: Annotated[str, Field(description="Its description (Markdown).")] = "",
        destination: Annotated[
            str | None,
            Field(
                description="Where: an id or label from issue_destinations, or a repository or "
                "project (octo/app, PROJ); may be left out when there is only one."
            ),
        ] = None,
    ) -> dict[str, Any]:
        """Create an issue on a tracker this workspace is attached to. Needs writes allowed
        and a grant (`tieline mcp grant create_issue`)."""
        from server.hub import work
        from server.verbs.items import item_json

        with translated("create_issue"):
            await writes.permit("create_issue", destination or "")
            if not title.strip():
                raise UsageError("the title holds only white space")
            dests = await destinations(hub)
            if destination is not None:
                dests = [d for d in dests if destination in (d.id, d.label, d.scope)]
            if not dests:
                raise AuthError(
                    "no tracker can take an issue here"
                    + (f" matching {destination!r}" if destination else "")
                    + ": sign in to one this workspace is attached to (issue_destinations)"
                )
            if len(dests) > 1:
                names = ", ".join(d.label for d in dests)
                raise UsageError(f"say which destination: {names}")
            issue = await work.create_issue(hub, dests[0], title, body)
            return {"item": item_json(hub, issue)}

    @tool("comment_on_issue", "Comment on an issue", WRITE)
    async def comment_on_issue(
        key: Annotated[
            str, Field(min_length=1, description="The issue or pull request, as get_issue takes.")
        ],
        body: Annotated[str, Field(min_length=1, description="The comment (Markdown).")],
    ) -> dict[str, Any]:
        """Comment on an issue or pull request. Needs writes allowed and a grant (`tieline mcp
        grant comment_on_issue`)."""
        from connectors.sdk.capabilities import IssueTracker
        from server.verbs.issue import resolve

        with translated("comment_on_issue"):
            await writes.permit("comment_on_issue", key)
            if not body.strip():
                raise UsageError("the comment holds only white space")
            ref = await resolve(context(hub), key)
            s = hub.session_for(ref.connector, ref.host, ref.scope)
            if s is None or s not in hub.sessions_with(IssueTracker):
                raise AuthError(
                    f"sign in to {ref.connector} ({ref.host}) to comment on {ref.label}"
                )
            tracker: IssueTracker = s.connector.capability(IssueTracker)
            c = await tracker.add_comment(ref, body)
            await hub.store.audit("mcp", "issue.comment", ref.id)
            return {
                "comment": {
                    "id": str(c.id),
                    "url": c.url,
                    "author": c.author.login if c.author else None,
                    "created_at": c.created_at.isoformat() if c.created_at else None,
                },
                "item": ref.id,
            }

    @tool("save_snippet", "Save a snippet", WRITE)
    async def save_snippet(
        title: Annotated[str, Field(min_length=1, max_length=200, description="Its title.")],
        body: Annotated[str, Field(min_length=1, description="The code, as it should insert.")],
        language: Annotated[str, Field(description="Its language id (python, go...).")] = "",
        description: Annotated[str, Field(description="A line saying what it is for.")] = "",
        prefix: Annotated[str, Field(description="The completion prefix inserting it.")] = "",
        tags: Annotated[list[str] | None, Field(description="Its tags.")] = None,
        template: Annotated[
            bool, Field(description="The body is VS Code snippet syntax (${1:name} fields).")
        ] = False,
    ) -> dict[str, Any]:
        """Save a snippet to the library. A body that looks like it holds a secret is refused
        (no override for agents). Needs writes allowed and a grant (`tieline mcp grant
        save_snippet`)."""
        import textwrap

        from server.hub import snippets as library
        from server.hub.snippets.variables import escape
        from server.verbs.snippets import snippet_json

        with translated("save_snippet"):
            await writes.permit("save_snippet", title)
            text = textwrap.dedent(body).strip("\n")
            if not title.strip() or not text.strip():
                raise UsageError("the title and the body must hold more than white space")
            try:
                snippet = await library.add(
                    hub.store,
                    title=title,
                    body=text if template else escape(text),
                    language=language,
                    description=description,
                    prefix=prefix,
                    tags=tags or [],
                    source=None,
                    allow_secrets=False,
                    scanner=library.SecretScanner.from_manifests(hub.registry.manifests()),
                )
            except SecretFound as exc:
                raise SecretFound(
                    f"not saved: {exc.message}; take the secret out", findings=exc.findings
                ) from None
            return {"snippet": snippet_json(snippet)}


__all__ = ["KINDS", "Writes", "agenda", "event_json", "register", "translated"]
