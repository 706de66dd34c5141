"""Jira connector: maps Jira Cloud's REST v3 and Data Center's REST v2 into Tieline's models.

Glue only: the wire calls live in :mod:`.client`, ADF in :mod:`.adf`, retries/caching/rate
limits in the client the hub injects. One instance serves one site and one account:

- ``deployment = cloud`` (default) speaks v3; ``datacenter`` speaks v2.
- An OAuth (3LO, ``ctx.method == "pkce"``) token is not accepted by the site: its API is at
  ``{gateway_url}/ex/jira/{cloudid}``. The cloud id is looked up once per instance in the
  token's accessible resources, matching the configured site.
- Lists carry no comment count (the ``comment`` field would bring every comment's body
  along with each issue); ``get_issue`` has it.
- Items are ``PROJ-123`` in scope ``PROJ`` on the site's host. A status's category
  (``new``/``indeterminate``/``done``) gives the shared StatusCategory; *done* is closed.
- The sprint is read from the Jira Software sprint custom field (schema
  ``com.pyxis.greenhopper.jira:gh-sprint``), whose id is looked up once per instance in
  ``/field``; so one request reads an issue *with* its sprint, search results carry it too,
  and no Agile API call (nor its extra OAuth scope) is needed. Sites without Jira Software
  have no such field and no sprint.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

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
    Status,
    StatusCategory,
    TielineError,
    Transition,
    User,
)
from connectors.sdk.atlassian import GATEWAY, site_gateway
from connectors.sdk.capabilities import IssueFilter
from connectors.sdk.paging import collect, offset_cursor, offset_of

from . import adf
from .client import PAGE_SIZE, JiraClient
from .models import JIssue, JIssueType, JSprint, JStatus, JUser

MAX_USERS = 20
SPRINT_SCHEMA = "com.pyxis.greenhopper.jira:gh-sprint"
LIST_FIELDS = (
    "summary",
    "status",
    "issuetype",
    "priority",
    "assignee",
    "reporter",
    "labels",
    "created",
    "updated",
    "resolutiondate",
    "project",
)
ISSUE_FIELDS = (*LIST_FIELDS, "description", "comment")
_KEY = re.compile(r"^[A-Z][A-Z0-9_]*-\d+$")
_PROJECT = re.compile(r"^[A-Z][A-Z0-9_]*$")
#: "Mentioned" has no JQL of its own; watching is its documented neighbour (Jira adds the
#: people who comment or are assigned as watchers, and a mention asks for attention).
_JQL: dict[str, str] = {
    "assigned": "assignee = currentUser() AND statusCategory != Done ORDER BY updated DESC",
    "created": "reporter = currentUser() AND statusCategory != Done ORDER BY updated DESC",
    "mentioned": "watcher = currentUser() AND statusCategory != Done ORDER BY updated DESC",
}
_CATEGORY = {
    "new": StatusCategory.TODO,
    "indeterminate": StatusCategory.IN_PROGRESS,
    "done": StatusCategory.DONE,
}


class JiraConnector(Connector):
    manifest_path = Path(__file__).with_name("manifest.toml")

    def __init__(self, ctx: ConnectorContext) -> None:
        super().__init__(ctx)
        self._client: JiraClient | None = None
        self._client_lock = asyncio.Lock()
        self._scopes: tuple[str, ...] | None = None
        self._sprint_looked_up = False
        self._sprint_field: str | None = None
        self._issue_types: dict[str, str] = {}

    # -- settings -------------------------------------------------------------------------
    @property
    def cloud(self) -> bool:
        return str(self.ctx.settings.get("deployment") or "cloud") != "datacenter"

    @property
    def site(self) -> str:
        """The site's web address: links to issues start here."""
        site = self.ctx.settings.get("site") or self.ctx.web_url or self.ctx.api_url
        if not site:
            raise ConfigError("set connectors.jira.site to your Jira's address")
        return str(site).rstrip("/")

    @property
    def host(self) -> str:
        return self.ctx.host or (urlsplit(self.site).hostname or "")

    @property
    def oauth(self) -> bool:
        return self.ctx.method == "pkce"

    async def client(self) -> JiraClient:
        """The API client for this account: at the site, or at the gateway for OAuth tokens."""
        if self._client is not None:
            return self._client
        async with self._client_lock:
            if self._client is None:
                self._client = await self._build_client()
        return self._client

    async def _build_client(self) -> JiraClient:
        if not self.oauth:
            return JiraClient(self.ctx.http, cloud=self.cloud)
        if not self.cloud:
            raise ConfigError(
                "Atlassian sign-in serves Jira Cloud only; sign in to Jira Data Center "
                "with a personal access token"
            )
        gateway = str(self.ctx.settings.get("gateway_url") or GATEWAY)
        base, self._scopes = await site_gateway(
            self.ctx.http, gateway, self.site, "jira", service="Jira"
        )
        return JiraClient(self.ctx.http, cloud=True, base=base)

    # -- hooks ----------------------------------------------------------------------------
    async def check(self) -> CheckResult:
        """Who are we? ``/myself``. The account is named by its email on Cloud -- what the
        person types in ``connectors.jira.account`` and what a basic sign-in already used
        -- falling back to the account id when the profile hides it; on Data Center by the
        login name."""
        try:
            client = await self.client()
            me, response = await client.myself()
        except TielineError as exc:
            return CheckResult.failed(exc)
        account = (me.email or me.account_id) if self.cloud else (me.name or me.key)
        if not account:
            return CheckResult(ok=False, detail="Jira: /myself named no account")
        return CheckResult(
            ok=True,
            account=account,
            name=me.display_name,
            detail=f"signed in to {self.host} as {me.display_name or account}",
            rate_limit_remaining=_int(response.headers.get("x-ratelimit-remaining")),
            rate_limit_limit=_int(response.headers.get("x-ratelimit-limit")),
            scopes=self._scopes,
        )

    async def known_scopes(self) -> Sequence[str] | None:
        """Every project key this account can browse (so ``UTF-8`` never becomes a card)."""
        client = await self.client()
        if not self.cloud:
            return sorted(p.key for p in await client.all_projects() if p.key)

        async def fetch(cursor: str | None) -> tuple[list[str], str | None]:
            start = offset_of(cursor)
            page = await client.project_page(start)
            size = page.max_results or PAGE_SIZE
            nxt = None if page.is_last else offset_cursor(start, len(page.values), page.total, size)
            return [p.key for p in page.values if p.key], nxt

        return sorted(set(await collect(fetch, max_pages=200)))  # 10,000 projects at most

    # -- IssueTracker ---------------------------------------------------------------------
    async def get_issue(self, ref: ItemRef) -> Issue:
        key = self._key(ref)
        client = await self.client()
        fields = [*ISSUE_FIELDS, *await self._extra_fields(client)]
        return self._issue(await client.get_issue(key, fields))

    async def list_issues(
        self, which: IssueFilter, *, scope: str | None = None, cursor: str | None = None
    ) -> Page:
        if which == "open":
            if scope is None:
                raise InvalidRequest("listing a project's open issues needs a project key")
            jql = f'project = "{_project(scope)}" AND statusCategory != Done ORDER BY updated DESC'
        else:
            jql = _JQL[which]
            if scope is not None:
                jql = f'project = "{_project(scope)}" AND {jql}'
        client = await self.client()
        fields = [*LIST_FIELDS, *await self._extra_fields(client)]
        if self.cloud:
            page = await client.search_jql(jql, fields, next_page_token=cursor)
            nxt = None if page.is_last or not page.next_page_token else page.next_page_token
            return Page(items=tuple(self._issue(i) for i in page.issues), next_cursor=nxt)
        start = offset_of(cursor)
        off = await client.search_offset(jql, fields, start_at=start)
        return Page(
            items=tuple(self._issue(i) for i in off.issues),
            next_cursor=offset_cursor(start, len(off.issues), off.total, PAGE_SIZE),
        )

    async def create_issue(
        self, scope: str, title: str, body: str = "", labels: Sequence[str] = ()
    ) -> Issue:
        project = _project(scope)
        client = await self.client()
        fields: dict[str, Any] = {
            "project": {"key": project},
            "summary": title,
            "issuetype": {"id": await self._issue_type(client, project)},
        }
        if body:
            fields["description"] = adf.from_text(body) if self.cloud else adf.to_wiki(body)
        if labels:
            fields["labels"] = list(labels)
        created = await client.create_issue(fields)
        return await self.get_issue(self._ref(created.key))

    async def add_comment(self, ref: ItemRef, body: str) -> Comment:
        key = self._key(ref)
        client = await self.client()
        c = await client.add_comment(key, adf.from_text(body) if self.cloud else adf.to_wiki(body))
        return Comment(
            id=c.id,
            body=adf.to_markdown(c.body),
            url=f"{self.site}/browse/{key}?focusedCommentId={c.id}",
            author=self._user(c.author),
            created_at=c.created,
        )

    async def search_users(self, scope: str | None, prefix: str) -> Sequence[User]:
        """People to mention or assign whose name or email starts with ``prefix``: those
        assignable in the project when a scope is given, else anyone on the site."""
        query = prefix.lstrip("@").strip()
        client = await self.client()
        if scope is not None:
            found = await client.assignable_users(_project(scope), query, MAX_USERS)
        elif query:
            found = await client.search_users(query, MAX_USERS)
        else:
            return []  # site-wide, Jira needs something to search for
        users = [u for u in (self._user(x) for x in found if x.active is not False) if u]
        return users[:MAX_USERS]

    # -- Workflow -------------------------------------------------------------------------
    async def transitions(self, ref: ItemRef) -> Sequence[Transition]:
        """The moves the issue's workflow offers this account now, with where each leads."""
        client = await self.client()
        found = await client.transitions(self._key(ref))
        return [
            Transition(id=t.id, name=t.name, to=self._status(t.to))
            for t in found.transitions
            if t.is_available is not False
        ]

    async def transition(self, ref: ItemRef, transition_id: str) -> Issue:
        """Move the issue, then read it back (Jira answers a transition with 204)."""
        key = self._key(ref)
        client = await self.client()
        await client.do_transition(key, transition_id)
        return await self.get_issue(ref)

    # -- lookups, once per instance ---------------------------------------------------------
    async def _extra_fields(self, client: JiraClient) -> list[str]:
        field = await self._sprint_field_id(client)
        return [field] if field else []

    async def _sprint_field_id(self, client: JiraClient) -> str | None:
        if not self._sprint_looked_up:
            self._sprint_field = next(
                (
                    f.id
                    for f in await client.fields()
                    if f.custom and f.schema_ and f.schema_.custom == SPRINT_SCHEMA
                ),
                None,
            )
            self._sprint_looked_up = True
        return self._sprint_field

    async def _issue_type(self, client: JiraClient, project: str) -> str:
        """The id of the issue type new issues get: the ``issue_type`` setting (``Task``) if
        the project has it, else its first standard (non-subtask) type."""
        if project in self._issue_types:
            return self._issue_types[project]
        wanted = str(self.ctx.settings.get("issue_type") or "Task").casefold()

        async def fetch(cursor: str | None) -> tuple[list[JIssueType], str | None]:
            start = offset_of(cursor)
            page = await client.create_issue_types(project, start)
            got, size = len(page.issue_types), page.max_results or PAGE_SIZE
            nxt = None if page.is_last else offset_cursor(start, got, page.total, size)
            return page.issue_types, nxt

        types = await collect(fetch, max_pages=20)
        standard = [t for t in types if not t.subtask and t.id]
        chosen = next((t for t in standard if t.name.casefold() == wanted), None)
        chosen = chosen or next((t for t in standard if t.name.casefold() != "epic"), None)
        chosen = chosen or (standard[0] if standard else None)
        if chosen is None or chosen.id is None:
            raise InvalidRequest(f"Jira: project {project} offers no issue type to create")
        self._issue_types[project] = chosen.id
        return chosen.id

    # -- mapping ------------------------------------------------------------------------------
    def _ref(self, key: str) -> ItemRef:
        return ItemRef.keyed("jira", self.host, key, kind=ItemKind.ISSUE)

    @staticmethod
    def _key(ref: ItemRef) -> str:
        key = ref.key.upper()
        if not _KEY.match(key):
            raise InvalidRequest(f"{ref.label} is not a Jira issue key (PROJ-123)")
        return key

    @staticmethod
    def _status(s: JStatus) -> Status:
        key = s.category.key if s.category else None
        return Status(name=s.name, category=_CATEGORY.get(key or "", StatusCategory.TODO))

    def _user(self, u: JUser | None) -> User | None:
        if u is None or not u.login:
            return None
        if self.cloud:
            url = f"{self.site}/jira/people/{quote(u.login, safe='')}"
        else:
            url = f"{self.site}/secure/ViewProfile.jspa?name={quote(u.login, safe='')}"
        # A Cloud accountId names the user to the API but is no handle anyone writes.
        handle = u.account_id is None
        return User(login=u.login, name=u.display_name, url=url, avatar_url=u.avatar, handle=handle)

    def _sprint(self, issue: JIssue) -> str | None:
        field = self._sprint_field
        return sprint_name(issue.fields.custom(field)) if field else None

    def _issue(self, i: JIssue) -> Issue:
        f = i.fields
        status = self._status(f.status) if f.status else None
        done = status is not None and status.category is StatusCategory.DONE
        assignee = self._user(f.assignee)
        return Issue(
            ref=self._ref(i.key),
            title=f.summary,
            state=ItemState.CLOSED if done else ItemState.OPEN,
            url=f"{self.site}/browse/{i.key}",
            author=self._user(f.reporter),
            labels=tuple(Label(name=lb) for lb in f.labels),
            assignees=(assignee,) if assignee else (),
            body=adf.to_markdown(f.description) if f.description is not None else None,
            comments=f.comment.total if f.comment else 0,
            created_at=f.created,
            updated_at=f.updated,
            closed_at=f.resolutiondate if done else None,
            status=status,
            priority=f.priority.name if f.priority else None,
            type=f.issuetype.name if f.issuetype else None,
            sprint=self._sprint(i),
        )


def _project(scope: str) -> str:
    """A project key, checked: it goes into JQL, so nothing but a key may pass."""
    key = scope.strip().upper()
    if not _PROJECT.match(key):
        raise InvalidRequest(f"{scope!r} is not a Jira project key")
    return key


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


_SPRINT_TEXT = re.compile(r"\b(name|state)=(.*?)(?=,[A-Za-z]+=|\]$)")
_SPRINT_ORDER = {"active": 0, "future": 1, "closed": 2}


def sprint_name(value: Any) -> str | None:
    """The sprint an issue is in, from the sprint field's value.

    Cloud holds a list of sprint objects (``{"id", "name", "state", ...}``); Data Center
    may still send the legacy ``toString`` form
    (``com.atlassian.greenhopper.service.sprint.Sprint@1bf7[id=1,state=ACTIVE,name=S 1,...]``).
    An issue carried over sits in several: the active one wins, then the next future one,
    then the latest closed one.
    """
    if not isinstance(value, list):
        value = [value] if value else []
    sprints: list[JSprint] = []
    for item in value:
        if isinstance(item, dict):
            sprints.append(JSprint.model_validate(item))
        elif isinstance(item, str):
            found = {m.group(1): m.group(2) for m in _SPRINT_TEXT.finditer(item)}
            if found.get("name"):
                sprints.append(JSprint(name=found["name"], state=found.get("state")))
    if not sprints:
        return None

    def rank(pair: tuple[int, JSprint]) -> tuple[int, int]:
        pos, s = pair
        order = _SPRINT_ORDER.get((s.state or "").lower(), 3)
        # Among closed sprints the latest (last listed) wins; otherwise the first listed.
        return order, -pos if order == 2 else pos

    return min(enumerate(sprints), key=rank)[1].name or None
