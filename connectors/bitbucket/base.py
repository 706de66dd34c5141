"""What every part of the Bitbucket connector shares: the client, where it is, scopes, and
who is signed in. :mod:`.connector` (code host, issues, build statuses) and
:mod:`.pipelines` (Bitbucket Pipelines) build on it."""

from __future__ import annotations

import re

from connectors.sdk import Connector, ConnectorContext, InvalidRequest, ItemRef, TielineError

from .client import BitbucketClient
from .models import BbAccount

CONNECTOR = "bitbucket"
SERVICE = "Bitbucket"

_SEGMENT = r"[A-Za-z0-9_][A-Za-z0-9_.-]*"
REPO = re.compile(rf"{_SEGMENT}/{_SEGMENT}")


class BitbucketBase(Connector):
    def __init__(self, ctx: ConnectorContext) -> None:
        super().__init__(ctx)
        self.client = BitbucketClient(ctx.http)
        self._me: BbAccount | None = None
        #: Workspaces of the scopes this session was asked about, first seen first.
        self._seen: dict[str, None] = {}
        self._listed: list[str] | None = None

    @property
    def host(self) -> str:
        return self.ctx.host or self.manifest().default_host

    @property
    def web_url(self) -> str:
        return (self.ctx.web_url or self.manifest().web_url or "https://bitbucket.org").rstrip("/")

    def _scope(self, scope: str | None) -> str:
        """A scope as a repository: ``workspace/repo_slug``."""
        if scope is None:
            raise InvalidRequest("this needs a Bitbucket repository (workspace/repo)")
        path = scope.strip().strip("/")
        if REPO.fullmatch(path):
            self._seen.setdefault(path.split("/", 1)[0])
            return path
        raise InvalidRequest(f"{scope!r} is not a Bitbucket repository (workspace/repo)")

    @staticmethod
    def _number(ref: ItemRef) -> int:
        if ref.number is not None:
            return ref.number
        digits = re.sub(r"\D", "", ref.key)
        if not digits:
            raise InvalidRequest(f"{ref.label} has no number")
        return int(digits)

    async def workspaces(self) -> list[str]:
        """The workspaces to look in when a question names no repository ("my pull
        requests"): the ``workspaces`` setting when given, else those of the repositories
        this session has served plus the account's own (``GET /user/workspaces``, asked once;
        an access token, bound to one repository or workspace, may not list them)."""
        configured = [w for w in self.ctx.settings.get("workspaces") or () if isinstance(w, str)]
        if configured:
            return list(dict.fromkeys(w.strip() for w in configured if w.strip()))
        if self._listed is None:
            try:
                self._listed = [w.workspace.slug async for w in self.client.workspaces()]
            except TielineError:
                self._listed = []
        return list(dict.fromkeys([*self._seen, *self._listed]))

    async def me(self) -> BbAccount:
        """The signed-in account (asked once: queries filter by its uuid)."""
        if self._me is None:
            self._me, _ = await self.client.current_user()
        return self._me
