"""Linear connector: maps Linear's GraphQL API into Tieline's shared models.

Glue only: the operations live in :mod:`.client` (documents in ``queries/``), retries, caching
and rate limits in the client the hub injects. Linear attaches to the account, not to a
repository: an issue is ``ENG-12`` with its team key as the scope, on host ``linear.app``.
A workflow "transition" is a move to any other state of the issue's team -- Linear has no
transition graph, every state of the team is allowed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import httpx

from connectors.sdk import (
    CheckResult,
    Comment,
    Connector,
    ConnectorContext,
    InvalidRequest,
    Issue,
    ItemKind,
    ItemRef,
    ItemState,
    Label,
    NotFound,
    Page,
    Status,
    StatusCategory,
    TielineError,
    Transition,
    User,
)
from connectors.sdk.capabilities import IssueFilter
from connectors.sdk.connector import OAuthApp
from connectors.sdk.paging import collect, graphql_cursor

from .client import CLOSED_TYPES, LinearClient, linear_error
from .models import LnIssue, LnLabel, LnPageInfo, LnState, LnTeamKey, LnUser

CONNECTOR = "linear"
DEFAULT_HOST = "linear.app"
#: An issue identifier: the team key, a dash, the number (``ENG-12``).
KEY = re.compile(r"^[A-Z][A-Z0-9]{0,6}-\d{1,7}$")
TEAM_KEY = re.compile(r"^[A-Z][A-Z0-9]{0,6}$")
#: Linear's priority numbers; 0 is "No priority", shown as none rather than as a word.
PRIORITIES = {1: "Urgent", 2: "High", 3: "Medium", 4: "Low"}
#: Workflow state types in the order a workflow runs through them (for listing moves).
TYPE_ORDER = ("triage", "backlog", "unstarted", "started", "completed", "canceled")
_CATEGORIES = {
    "triage": StatusCategory.TODO,
    "backlog": StatusCategory.TODO,
    "unstarted": StatusCategory.TODO,
    "started": StatusCategory.IN_PROGRESS,
    "completed": StatusCategory.DONE,
    "canceled": StatusCategory.DONE,
}


def category(state_type: str) -> StatusCategory:
    """The sdk's category of a Linear state type (unknown future types count as to-do)."""
    return _CATEGORIES.get(state_type, StatusCategory.TODO)


class LinearConnector(Connector):
    manifest_path = Path(__file__).with_name("manifest.toml")

    def __init__(self, ctx: ConnectorContext) -> None:
        super().__init__(ctx)
        #: The workspace's url key (``acme`` in linear.app/acme/...), learned by ``check()``.
        self.workspace: str | None = None

    @property
    def client(self) -> LinearClient:
        return LinearClient(self.ctx.http)

    @property
    def host(self) -> str:
        return self.ctx.host or DEFAULT_HOST

    # -- hooks ------------------------------------------------------------------------------
    async def check(self) -> CheckResult:
        """Who is signed in, in which workspace, and how much of the hour's budget is left.

        The account is ``<workspace urlKey>/<email>``: an email alone does not name a Linear
        account, because one person is a separate user (with separate API keys) in each
        workspace they belong to, under the same email, and the display name is neither
        unique nor stable. The url key is what Linear's own URLs name the workspace by.
        """
        try:
            viewer, headers = await self.client.viewer()
        except TielineError as exc:
            return CheckResult.failed(exc)
        org = viewer.organization
        self.workspace = org.url_key
        account = f"{org.url_key}/{viewer.email or viewer.id}"
        return CheckResult(
            ok=True,
            account=account,
            name=viewer.name,
            detail=f"signed in to Linear workspace {org.name} ({org.url_key}) as "
            f"{viewer.email or viewer.name}",
            rate_limit_remaining=_int(headers.get("x-ratelimit-requests-remaining")),
            rate_limit_limit=_int(headers.get("x-ratelimit-requests-limit")),
            scopes=None,  # Linear does not report a token's scopes
        )

    async def known_scopes(self) -> Sequence[str] | None:
        """The keys of every team the viewer can see, so ``UTF-8`` is not taken for an issue."""

        async def page(cursor: str | None) -> tuple[Sequence[LnTeamKey], str | None]:
            teams = await self.client.teams_page(cursor)
            return teams.nodes, _next(teams.page_info)

        return sorted({t.key for t in await collect(page)})

    @classmethod
    def body_error(cls, response: httpx.Response) -> TielineError | None:
        """Linear's errors arrive in the body (RATELIMITED with HTTP 400, most others with
        200): read them before the stack maps the status."""
        return linear_error(response)

    async def revoke(self, token: str, app: OAuthApp | None) -> bool:
        """End an OAuth sign-in's token at Linear. Linear's ``/oauth/revoke`` takes the token
        as the Bearer header (not RFC 7009's form field); a personal API key is left alone
        (the person made it, and deletes it in Linear's settings)."""
        if self.ctx.method != "pkce":
            return False
        try:
            await self.client.revoke(token)
        except TielineError:
            return False
        return True

    def web_url(self, ref: ItemRef) -> str | None:
        """The issue's page, once ``check()`` has learned the workspace's url key; the hub
        otherwise links to the item's own ``url`` (see the manifest: no template fits)."""
        if self.workspace is None:
            return None
        web = (self.ctx.web_url or "https://linear.app").rstrip("/")
        return f"{web}/{self.workspace}/issue/{self._key(ref)}"

    # -- IssueTracker -----------------------------------------------------------------------
    async def get_issue(self, ref: ItemRef) -> Issue:
        return self._issue(await self.client.issue(self._key(ref)))

    async def list_issues(
        self, which: IssueFilter, *, scope: str | None = None, cursor: str | None = None
    ) -> Page:
        """Open issues (not completed or canceled), most recently updated first.

        ``assigned``/``created``: the viewer's, optionally in one team. ``open``: a team's.
        ``mentioned``: issues whose description or comments mention the viewer, found through
        the viewer's mention notifications (Linear has no such issue filter); a page holds
        the open issues of one page of notifications, so it may be short or empty while the
        cursor goes on. The cursor is Linear's ``endCursor`` for the same ``which``/``scope``.
        """
        team = self._team(scope) if scope is not None else None
        if which == "mentioned":
            notes = await self.client.mentions(after=cursor)
            seen: dict[str, Issue] = {}
            for n in notes.nodes:
                i = n.issue
                if i is None or i.state.type in CLOSED_TYPES or team not in (None, i.team.key):
                    continue
                seen.setdefault(i.id, self._issue(i))
            return Page(items=tuple(seen.values()), next_cursor=_next(notes.page_info))
        if which == "open":
            if team is None:
                raise InvalidRequest("listing a team's open issues needs its team key")
            issues = await self.client.team_issues(team, after=cursor)
        elif which in ("assigned", "created"):
            issues = await self.client.my_issues(which, team=team, after=cursor)
        else:
            raise InvalidRequest(f"Linear cannot list issues by {which!r}")
        return Page(
            items=tuple(self._issue(i) for i in issues.nodes), next_cursor=_next(issues.page_info)
        )

    async def create_issue(
        self, scope: str, title: str, body: str = "", labels: Sequence[str] = ()
    ) -> Issue:
        """A new issue in the team ``scope`` (its key); ``labels`` are names of the team's or
        the workspace's labels -- a name that is neither is an error, not silently dropped."""
        team = self._team(scope)
        context = await self.client.create_context(team, labels)
        if not context.teams.nodes or context.teams.nodes[0].id is None:
            raise NotFound(f"Linear: no team with the key {team}", service="Linear")
        found = _labels_by_name(context.issue_labels.nodes if context.issue_labels else ())
        missing = [n for n in labels if n not in found]
        if missing:
            raise InvalidRequest(
                f"Linear: team {team} has no label named {', '.join(missing)}", service="Linear"
            )
        created = await self.client.create_issue(
            context.teams.nodes[0].id, title, body, [found[n] for n in dict.fromkeys(labels)]
        )
        return self._issue(created)

    async def add_comment(self, ref: ItemRef, body: str) -> Comment:
        """A comment on the issue; commentCreate takes the issue's UUID, so it is looked up."""
        issue = await self.client.issue_ref(self._key(ref))
        c = await self.client.create_comment(issue.id, body)
        return Comment(
            id=c.id, body=c.body, url=c.url, author=self._user(c.user), created_at=c.created_at
        )

    async def search_users(self, scope: str | None, prefix: str) -> Sequence[User]:
        """Active users for ``@`` completion: a team's members when ``scope`` is its key,
        else the whole workspace's, matched on display name, name or email."""
        team = self._team(scope) if scope is not None else None
        users = await self.client.users(prefix, team=team)
        return [u for u in (self._user(x) for x in users) if u is not None]

    # -- Workflow ---------------------------------------------------------------------------
    async def transitions(self, ref: ItemRef) -> Sequence[Transition]:
        """Every state of the issue's team but its current one, in workflow order."""
        got = await self.client.issue_states(self._key(ref))
        states = sorted(
            (s for s in got.team.states.nodes if s.id and s.id != got.state.id),
            key=_workflow_order,
        )
        return [Transition(id=s.id, name=s.name, to=self._status(s)) for s in states if s.id]

    async def transition(self, ref: ItemRef, transition_id: str) -> Issue:
        """Move the issue to the workflow state ``transition_id`` (an id from
        :meth:`transitions`); Linear refuses a state of another team."""
        if not transition_id:
            raise InvalidRequest("no workflow state given")
        return self._issue(await self.client.set_state(self._key(ref), transition_id))

    # -- mapping ------------------------------------------------------------------------------
    @staticmethod
    def _key(ref: ItemRef) -> str:
        if not KEY.match(ref.key):
            raise InvalidRequest(f"{ref.key!r} is not a Linear issue identifier like ENG-12")
        return ref.key

    @staticmethod
    def _team(scope: str) -> str:
        if not TEAM_KEY.match(scope):
            raise InvalidRequest(f"{scope!r} is not a Linear team key like ENG")
        return scope

    def _ref(self, identifier: str) -> ItemRef:
        return ItemRef.keyed(CONNECTOR, self.host, identifier, kind=ItemKind.ISSUE)

    @staticmethod
    def _user(u: LnUser | None) -> User | None:
        if u is None:
            return None
        return User(login=u.display_name or u.name, name=u.name, url=u.url, avatar_url=u.avatar_url)

    @staticmethod
    def _status(s: LnState) -> Status:
        return Status(name=s.name, category=category(s.type))

    def _issue(self, i: LnIssue) -> Issue:
        closed = i.state.type in CLOSED_TYPES
        comments = i.comments.nodes if i.comments is not None else ()
        assignee = self._user(i.assignee)
        sprint = None
        if i.cycle is not None:
            sprint = i.cycle.name or f"Cycle {int(i.cycle.number)}"
        return Issue(
            ref=self._ref(i.identifier),
            title=i.title,
            state=ItemState.CLOSED if closed else ItemState.OPEN,
            url=i.url,
            author=self._user(i.creator),
            labels=tuple(Label(name=lb.name, color=lb.color) for lb in i.labels.nodes),
            assignees=(assignee,) if assignee is not None else (),
            body=i.description,
            comments=len(comments),
            created_at=i.created_at,
            updated_at=i.updated_at,
            closed_at=(i.completed_at or i.canceled_at) if closed else None,
            status=self._status(i.state),
            priority=PRIORITIES.get(int(i.priority)),
            sprint=sprint,
        )


def _workflow_order(s: LnState) -> tuple[int, float]:
    rank = TYPE_ORDER.index(s.type) if s.type in TYPE_ORDER else len(TYPE_ORDER)
    return rank, s.position or 0.0


def _labels_by_name(labels: Sequence[LnLabel]) -> dict[str, str]:
    out: dict[str, str] = {}
    for lb in labels:
        if lb.id is not None:
            out.setdefault(lb.name, lb.id)
    return out


def _next(info: LnPageInfo | None) -> str | None:
    """The cursor of the next page (the sdk's reading of ``pageInfo``), or ``None``."""
    return graphql_cursor(info.model_dump(by_alias=True) if info is not None else None)


def _int(value: str | None) -> int | None:
    try:
        return int(float(value)) if value is not None else None
    except ValueError:
        return None
