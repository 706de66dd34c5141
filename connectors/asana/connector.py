"""Asana connector: tasks as issues; complete, reopen, assign and start as the workflow.

Glue only: the wire calls live in :mod:`.client`; retries, caching, rate limits and error
mapping in the client the hub injects. How Asana fits the shared models:

- A task is ``ItemRef(connector="asana", host="app.asana.com", scope=<project gid>,
  key=<task gid>)``. A task's gid is unique across Asana, so the key alone finds it; the
  scope is the task's first project (empty for a task in no project, or pasted from a link
  that names none). A scope is a project, by gid.
- One workspace per connector: the ``workspace`` setting (gid or name), else the user's
  first. "Assigned" is the user's incomplete tasks there; "created" the incomplete tasks
  they created (Asana's search API, which only paid workspaces have: elsewhere the list is
  empty); "mentioned" is always empty -- Asana's API has no mentions (the Inbox is not in it)
  and no search by follower.
- Status: completed tasks are *Completed* (done, closed); an open task is *in progress* when
  its section's name has one of the ``started_sections`` words, else *to do*; the status is
  named by the section (or "Open").
- Workflow: ``start`` (assign to me, and move into the project's section named by
  ``start_section`` where it has one), ``assign`` (assign to me), ``complete``, ``reopen``.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from pathlib import Path

from connectors.sdk import (
    CheckResult,
    Comment,
    ConfigError,
    Connector,
    ConnectorContext,
    InvalidRequest,
    Issue,
    ItemKind,
    ItemRef,
    ItemState,
    Label,
    Page,
    ServiceError,
    Status,
    StatusCategory,
    TielineError,
    Transition,
    User,
)
from connectors.sdk.capabilities import IssueFilter
from connectors.sdk.paging import collect

from .client import PAGE_SIZE, SERVICE, AsanaClient
from .models import AMe, ANamed, ATask, AUser

CONNECTOR = "asana"
DEFAULT_HOST = "app.asana.com"
GID = re.compile(r"^[0-9]{1,20}$")
MAX_USERS = 20
DEFAULT_STARTED = ("in progress", "doing", "started", "in review", "review")
DEFAULT_START_SECTION = "in progress"
#: Transition ids.
START, ASSIGN, COMPLETE, REOPEN = "start", "assign", "complete", "reopen"
_WORD = re.compile(r"[^\w]+", re.UNICODE)


def words(text: str) -> str:
    """Lower-case words separated by single spaces, with a space at each end."""
    return " " + " ".join(w for w in _WORD.split(text.casefold().replace("_", " ")) if w) + " "


def _has(name: str, phrases: Sequence[str]) -> bool:
    text = words(name)
    return any(words(p).strip() and words(p) in text for p in phrases)


class AsanaConnector(Connector):
    manifest_path = Path(__file__).with_name("manifest.toml")

    def __init__(self, ctx: ConnectorContext) -> None:
        super().__init__(ctx)
        self.client = AsanaClient(ctx.http)
        self._me: AMe | None = None
        self._workspace: str | None = None
        self._lock = asyncio.Lock()
        started = ctx.settings.get("started_sections")
        self.started: tuple[str, ...] = (
            tuple(str(x) for x in started)
            if isinstance(started, (list, tuple))
            else DEFAULT_STARTED
        )

    @property
    def host(self) -> str:
        return self.ctx.host or DEFAULT_HOST

    # -- who and where ------------------------------------------------------------------------
    async def _whoami(self) -> AMe:
        async with self._lock:
            if self._me is None:
                self._me, _ = await self.client.me()
            return self._me

    async def workspace(self) -> str:
        """The workspace gid: the ``workspace`` setting (a gid or a name), else the first."""
        if self._workspace is not None:
            return self._workspace
        me = await self._whoami()
        wanted = str(self.ctx.settings.get("workspace") or "").strip()
        if not me.workspaces:
            raise ConfigError("Asana: this user is in no workspace")
        if not wanted:
            self._workspace = me.workspaces[0].gid
        else:
            hit = next((w for w in me.workspaces if wanted in (w.gid, w.name)), None) or next(
                (w for w in me.workspaces if (w.name or "").casefold() == wanted.casefold()), None
            )
            if hit is None:
                names = ", ".join(w.name or w.gid for w in me.workspaces)
                raise ConfigError(
                    f"Asana: connectors.asana.workspace is {wanted!r}, which is none of "
                    f"this user's workspaces ({names})"
                )
            self._workspace = hit.gid
        return self._workspace

    # -- hooks ------------------------------------------------------------------------------
    async def check(self) -> CheckResult:
        """``GET /users/me``: the email names the account (the gid where it is hidden)."""
        try:
            me, _ = await self.client.me()
        except TielineError as exc:
            return CheckResult.failed(exc)
        self._me = me
        account = me.email or me.gid
        where = ", ".join(w.name or w.gid for w in me.workspaces) or "no workspace"
        return CheckResult(
            ok=True,
            account=account,
            name=me.name,
            detail=f"signed in to Asana as {me.name or account} ({where})",
            scopes=None,  # Asana does not report a token's scopes
        )

    async def known_scopes(self) -> Sequence[str] | None:
        """The gids of the workspace's unarchived projects: where new tasks can go."""
        ws = await self.workspace()

        async def fetch(cursor: str | None) -> tuple[Sequence[ANamed], str | None]:
            page = await self.client.projects(ws, cursor)
            return page.data, page.offset

        return sorted({p.gid for p in await collect(fetch, max_pages=50)})

    # -- IssueTracker -----------------------------------------------------------------------
    async def get_issue(self, ref: ItemRef) -> Issue:
        return self._issue(await self.client.task(self._key(ref)))

    async def list_issues(
        self, which: IssueFilter, *, scope: str | None = None, cursor: str | None = None
    ) -> Page:
        project = _project(scope) if scope is not None else None
        if which == "open":
            if project is None:
                raise InvalidRequest("listing a project's open tasks needs the project's gid")
            page = await self.client.project_tasks(project, cursor)
            return Page(items=self._open(page.data), next_cursor=page.offset)
        if which == "assigned":
            mine = await self.client.my_tasks(await self.workspace(), cursor)
            tasks = [t for t in mine.data if project is None or project in _projects(t)]
            return Page(items=self._open(tasks), next_cursor=mine.offset)
        if which == "created":
            return await self._created(project, cursor)
        if which == "mentioned":
            return Page()  # no mentions in Asana's API (see the module docstring)
        raise InvalidRequest(f"Asana cannot list tasks by {which!r}")

    async def create_issue(
        self, scope: str, title: str, body: str = "", labels: Sequence[str] = ()
    ) -> Issue:
        """A new task in the project ``scope``; ``labels`` are names of the workspace's tags."""
        project = _project(scope)
        tags: list[str] = []
        if labels:
            ws = await self.workspace()
            for name in dict.fromkeys(labels):
                found = await self.client.typeahead(ws, "tag", name, 10)
                hit = next((t for t in found if t.name == name), None)
                if hit is None:
                    raise InvalidRequest(f"Asana: no tag named {name}", service=SERVICE)
                tags.append(hit.gid)
        return self._issue(await self.client.create_task(project, title, body, tags))

    async def add_comment(self, ref: ItemRef, body: str) -> Comment:
        key = self._key(ref)
        story = await self.client.comment(key, body)
        return Comment(
            id=story.gid,
            body=story.text if story.text is not None else body,
            url=f"{self.web}/0/0/{key}",  # the task's page, where the comment is
            author=self._user(story.created_by),
            created_at=story.created_at,
        )

    async def search_users(self, scope: str | None, prefix: str) -> Sequence[User]:
        """People of the workspace for ``@`` completion, by Asana's typeahead (names and
        emails). ``scope`` narrows nothing: a project's people are the workspace's."""
        query = prefix.lstrip("@").strip()
        found = await self.client.typeahead(await self.workspace(), "user", query, MAX_USERS)
        return [u for u in (self._user(x) for x in found) if u is not None]

    # -- Workflow ---------------------------------------------------------------------------
    async def transitions(self, ref: ItemRef) -> Sequence[Transition]:
        task = await self.client.task(self._key(ref))
        me = await self._whoami()
        status = self._status(task)
        if task.completed:
            return [Transition(id=REOPEN, name="Reopen", to=self._reopened(task))]
        moves: list[Transition] = []
        section = await self._start_section(task)
        mine = task.assignee is not None and task.assignee.gid == me.gid
        in_start = section is not None and section.gid in _sections(task)
        if not (mine and (section is None or in_start)):
            where = f" and move to {section.name}" if section is not None else ""
            moves.append(
                Transition(
                    id=START,
                    name=f"Start: assign to me{where}",
                    to=Status(
                        name=section.name if section and section.name else "In progress",
                        category=StatusCategory.IN_PROGRESS,
                    ),
                )
            )
        if not mine:
            moves.append(Transition(id=ASSIGN, name="Assign to me", to=status))
        moves.append(Transition(id=COMPLETE, name="Mark complete", to=_done()))
        return moves

    async def transition(self, ref: ItemRef, transition_id: str) -> Issue:
        key = self._key(ref)
        if transition_id == COMPLETE:
            return self._issue(await self.client.update_task(key, {"completed": True}))
        if transition_id == REOPEN:
            return self._issue(await self.client.update_task(key, {"completed": False}))
        if transition_id not in (START, ASSIGN):
            raise InvalidRequest(
                f"Asana: {transition_id!r} is none of start, assign, complete, reopen",
                service=SERVICE,
            )
        me = await self._whoami()
        task = await self.client.update_task(key, {"assignee": me.gid})
        if transition_id == START:
            section = await self._start_section(task)
            if section is not None and section.gid not in _sections(task):
                await self.client.add_to_section(section.gid, key)
                task = await self.client.task(key)
        return self._issue(task)

    # -- helpers ----------------------------------------------------------------------------
    async def _created(self, project: str | None, cursor: str | None) -> Page:
        ws = await self.workspace()
        try:
            found = await self.client.search_created(
                ws, before=cursor, project=project, limit=PAGE_SIZE
            )
        except ServiceError as exc:
            if exc.status == 402:  # search is for paid workspaces only
                return Page()
            raise
        last = found[-1].created_at if found else None
        nxt = last.isoformat().replace("+00:00", "Z") if last and len(found) >= PAGE_SIZE else None
        return Page(items=self._open(found), next_cursor=nxt)

    async def _start_section(self, task: ATask) -> ANamed | None:
        """The section "start" moves ``task`` into: in its first project, the first whose
        name has the ``start_section`` words; ``None`` when unset or there is none."""
        wanted = str(self.ctx.settings.get("start_section", DEFAULT_START_SECTION) or "").strip()
        projects = _projects(task)
        if not wanted or not projects:
            return None

        async def fetch(cursor: str | None) -> tuple[Sequence[ANamed], str | None]:
            page = await self.client.sections(projects[0], cursor)
            return page.data, page.offset

        sections = await collect(fetch, max_pages=10)
        return next((s for s in sections if _has(s.name or "", (wanted,))), None)

    @staticmethod
    def _key(ref: ItemRef) -> str:
        key = ref.key.strip()
        if not GID.match(key):
            raise InvalidRequest(f"{key!r} is not an Asana task gid (digits)", service=SERVICE)
        return key

    @staticmethod
    def _user(u: AUser | None) -> User | None:
        if u is None:
            return None
        return User(
            login=u.email or u.gid,
            name=u.name,
            avatar_url=u.photo.image_60x60 if u.photo else None,
            handle=False,  # Asana mentions people by name; there is no @handle
        )

    def _status(self, t: ATask) -> Status:
        if t.completed:
            return _done()
        section = next((m.section for m in t.memberships if m.section is not None), None)
        name = section.name if section is not None and section.name else "Open"
        started = section is not None and _has(name, self.started)
        return Status(
            name=name, category=StatusCategory.IN_PROGRESS if started else StatusCategory.TODO
        )

    def _reopened(self, t: ATask) -> Status:
        return self._status(t.model_copy(update={"completed": False}))

    def _open(self, tasks: Sequence[ATask]) -> tuple[Issue, ...]:
        return tuple(self._issue(t) for t in tasks if not t.completed)

    def _issue(self, t: ATask) -> Issue:
        projects = _projects(t)
        assignee = self._user(t.assignee)
        return Issue(
            ref=ItemRef(
                connector=CONNECTOR,
                host=self.host,
                scope=projects[0] if projects else "",
                key=t.gid,
                kind=ItemKind.ISSUE,
            ),
            title=t.name,
            state=ItemState.CLOSED if t.completed else ItemState.OPEN,
            url=t.permalink_url or f"{self.web}/0/0/{t.gid}",
            labels=tuple(Label(name=tag.name) for tag in t.tags if tag.name),
            assignees=(assignee,) if assignee is not None else (),
            body=t.notes,
            created_at=t.created_at,
            updated_at=t.modified_at,
            closed_at=t.completed_at if t.completed else None,
            status=self._status(t),
            type="Milestone" if t.resource_subtype == "milestone" else None,
        )


def _done() -> Status:
    return Status(name="Completed", category=StatusCategory.DONE)


def _projects(t: ATask) -> list[str]:
    return [m.project.gid for m in t.memberships if m.project is not None]


def _sections(t: ATask) -> set[str]:
    return {m.section.gid for m in t.memberships if m.section is not None}


def _project(scope: str) -> str:
    scope = scope.strip()
    if not GID.match(scope):
        raise InvalidRequest(f"{scope!r} is not an Asana project gid (digits)", service=SERVICE)
    return scope
