"""A declared tracker as an ordinary sdk connector: ``IssueTracker`` from a :class:`Spec`.

:func:`connector_class` makes one ``Connector`` subclass per manifest, carrying the sdk
:class:`~connectors.sdk.manifest.Manifest` the spec becomes and the spec itself. Requests go
through the client the hub injects (auth, cache, retries, rate limits, error mapping are the
hub's), so this module only builds URLs, pages, and maps records with JMESPath.

How a record becomes an :class:`~connectors.sdk.models.Issue`: ``fields.number`` /
``fields.key`` name it (``ItemRef(scope="", key="TT-7", number=7)``: keys are unique on the
account), ``fields.state`` is closed when its value is one of ``states.closed`` (or ``true``),
people are strings or objects with ``login``/``username``/``name``, labels strings or objects
with ``name``/``color``, times ISO 8601 or epoch seconds. A field the record lacks is left
empty rather than failing the issue; only a record without title or id is refused.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import quote

import jmespath
from pydantic import TypeAdapter, ValidationError

from connectors.sdk import (
    CheckResult,
    Comment,
    Connector,
    InvalidRequest,
    Issue,
    ItemKind,
    ItemRef,
    ItemState,
    Label,
    NotFound,
    Page,
    TielineError,
    User,
)
from connectors.sdk.capabilities import IssueFilter
from connectors.sdk.errors import CapabilityError, ManifestError

from . import paging
from .spec import Endpoint, Spec

_WHEN: TypeAdapter[datetime] = TypeAdapter(datetime)
#: The vault account of a token whose owner the manifest cannot ask for (no ``endpoints.me``).
UNNAMED_ACCOUNT = "default"


class DeclarativeConnector(Connector):
    """Base of every declared connector; :func:`connector_class` fills ``spec``."""

    spec: ClassVar[Spec]

    # -- IssueTracker ---------------------------------------------------------------------------
    async def get_issue(self, ref: ItemRef) -> Issue:
        ep = self.spec.endpoints.get
        values = {"number": "" if ref.number is None else str(ref.number), "key": ref.key}
        if ref.number is None and self.spec.fields.number is not None and "{number}" in ep.path:
            raise NotFound(f"{self.spec.name}: {ref.key} has no number to look it up by")
        body = (await self._get(ep, values)).json()
        record = jmespath.search(ep.select, body)
        if not isinstance(record, Mapping):
            raise NotFound(f"{self.spec.name}: no issue {ref.key}")
        return self.issue(record)

    async def list_issues(
        self, which: IssueFilter, *, scope: str | None = None, cursor: str | None = None
    ) -> Page:
        ep = self.spec.endpoints.list
        extra = ep.filters.get(which)
        if extra is None and which != "open":
            return Page()  # the manifest offers no such list
        return await self._page(ep, {}, extra or {}, cursor)

    async def search_issues(self, query: str, *, cursor: str | None = None) -> Page:
        """Issues matching ``query`` (``endpoints.search``)."""
        ep = self.spec.endpoints.search
        if ep is None:
            raise CapabilityError(f"{self.spec.name}'s manifest declares no endpoints.search")
        return await self._page(ep, {"query": query}, {}, cursor)

    async def create_issue(
        self, scope: str, title: str, body: str = "", labels: Sequence[str] = ()
    ) -> Issue:
        raise CapabilityError(f"{self.spec.name} is declared read-only: it cannot create issues")

    async def add_comment(self, ref: ItemRef, body: str) -> Comment:
        raise CapabilityError(f"{self.spec.name} is declared read-only: it cannot comment")

    async def search_users(self, scope: str | None, prefix: str) -> Sequence[User]:
        return ()

    async def check(self) -> CheckResult:
        me = self.spec.endpoints.me
        try:
            if me is None:
                await self._page(self.spec.endpoints.list, {}, {}, None)
                return CheckResult(
                    ok=True,
                    account=UNNAMED_ACCOUNT,
                    detail="the manifest has no endpoints.me to say whose the token is",
                )
            body = (await self._get(me, {})).json()
        except TielineError as exc:
            return CheckResult.failed(exc)
        login = jmespath.search(me.login, body)
        name = jmespath.search(me.name, body) if me.name else None
        if login in (None, ""):
            return CheckResult(ok=False, detail=f"endpoints.me.login ({me.login}) found nothing")
        return CheckResult(ok=True, account=str(login), name=str(name) if name else None)

    # -- requests ---------------------------------------------------------------------------------
    def _fill(self, template: str, values: Mapping[str, str], *, path: bool) -> str:
        allowed = {"account": self.ctx.account, **values}
        safe = {k: quote(v, safe="") if path else v for k, v in allowed.items()}
        return template.format_map(safe)

    async def _get(self, ep: Endpoint, values: Mapping[str, str]) -> Any:
        url = self._fill(ep.path, values, path=True).lstrip("/")
        params = {k: self._fill(v, values, path=False) for k, v in ep.params.items()}
        return await self.ctx.http.get(url, params=params, headers=self.spec.headers)

    async def _page(
        self,
        ep: Endpoint,
        values: Mapping[str, str],
        extra: Mapping[str, str],
        cursor: str | None,
    ) -> Page:
        p = self.spec.pagination
        params = {k: self._fill(v, values, path=False) for k, v in {**ep.params, **extra}.items()}
        url = self._fill(ep.path, values, path=True).lstrip("/")
        ask = paging.request_for(p, url, params, cursor, self.ctx.http)
        # No params at all for a next link: httpx's params=None keeps the link's query, while
        # an empty mapping would replace it.
        response = await self.ctx.http.get(
            ask.url, params=ask.params or None, headers=self.spec.headers
        )
        body = response.json()
        records = jmespath.search(ep.select, body)
        if records is None:
            records = []
        if not isinstance(records, list):
            raise InvalidRequest(
                f"{self.spec.name}: {ep.select!r} selects {type(records).__name__}, not a list"
            )
        items = tuple(self.issue(r) for r in records if isinstance(r, Mapping))
        return Page(
            items=items, next_cursor=paging.next_cursor(p, cursor, response, body, len(records))
        )

    # -- mapping ----------------------------------------------------------------------------------
    @property
    def host(self) -> str:
        return self.ctx.host or self.manifest().default_host

    def issue(self, record: Mapping[str, Any]) -> Issue:
        f = self.spec.fields
        number = _int(jmespath.search(f.number, record)) if f.number else None
        key_value = jmespath.search(f.key, record) if f.key else None
        if key_value not in (None, ""):
            key = str(key_value)
        elif number is not None:
            key = self.spec.key.format(number=number)
        else:
            raise InvalidRequest(f"{self.spec.name}: a record without an id: {_short(record)}")
        title = _text(jmespath.search(f.title, record))
        if title is None:
            raise InvalidRequest(f"{self.spec.name}: {key} has no title ({f.title})")
        ref = ItemRef(
            connector=self.manifest().id,
            host=self.host,
            scope="",
            key=key,
            number=number,
            kind=ItemKind.ISSUE,
        )
        return Issue(
            ref=ref,
            title=title,
            state=self._state(jmespath.search(f.state, record) if f.state else None),
            url=self._url(record, ref),
            author=_user(_at(f.author, record)),
            assignees=tuple(u for u in map(_user, _many(_at(f.assignees, record))) if u),
            labels=tuple(lb for lb in map(_label, _many(_at(f.labels, record))) if lb),
            body=_text(_at(f.body, record)),
            comments=_int(_at(f.comments, record)) or 0,
            created_at=_when(_at(f.created, record)),
            updated_at=_when(_at(f.updated, record)),
            closed_at=_when(_at(f.closed, record)),
            priority=_text(_at(f.priority, record)),
            type=_text(_at(f.type, record)),
        )

    def _state(self, value: Any) -> ItemState:
        if isinstance(value, bool):
            return ItemState.CLOSED if value else ItemState.OPEN
        closed = {s.casefold() for s in self.spec.states.closed}
        if isinstance(value, str) and value.casefold() in closed:
            return ItemState.CLOSED
        return ItemState.OPEN

    def _url(self, record: Mapping[str, Any], ref: ItemRef) -> str:
        got = _text(_at(self.spec.fields.url, record))
        if got:
            return got
        template = self.spec.issue_url or ""
        return template.format_map(
            {"web": self.web, "number": ref.number or "", "key": ref.key, "scope": ref.scope}
        )


def _at(expression: str | None, record: Mapping[str, Any]) -> Any:
    return jmespath.search(expression, record) if expression else None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, Mapping | list):
        return None
    return str(value)


def _many(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _user(value: Any) -> User | None:
    if isinstance(value, str | int) and not isinstance(value, bool):
        return User(login=str(value))
    if isinstance(value, Mapping):
        login = next((value[k] for k in ("login", "username", "name", "id") if value.get(k)), None)
        if login is None:
            return None
        name = value.get("name") or value.get("display_name")
        return User(
            login=str(login),
            name=str(name) if name else None,
            email=str(value["email"]) if value.get("email") else None,
        )
    return None


def _label(value: Any) -> Label | None:
    if isinstance(value, str):
        return Label(name=value)
    if isinstance(value, Mapping) and value.get("name"):
        color = value.get("color")
        return Label(name=str(value["name"]), color=str(color) if color else None)
    return None


def _when(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        return _WHEN.validate_python(value)
    except ValidationError:
        return None


def _short(record: Mapping[str, Any]) -> str:
    text = repr(dict(record))
    return text if len(text) < 120 else text[:117] + "..."


def connector_class(spec: Spec, stamp: str = "") -> type[DeclarativeConnector]:
    """A new ``Connector`` subclass for ``spec``: its manifest read, its capability checked."""
    name = "Declared_" + spec.id
    try:
        manifest = spec.manifest()
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ManifestError(f"{spec.id}: the manifest it makes is invalid: {problems}") from exc
    cls: type[DeclarativeConnector] = type(
        name,
        (DeclarativeConnector,),
        {
            "spec": spec,
            "_manifest": manifest,
            "__module__": __name__,
            "__qualname__": name,
            "__doc__": f"{spec.name}, declared as data ({stamp[:12] or 'no file'}).",
        },
    )
    cls.verify_capabilities()
    return cls


def stamp_of(text: str) -> str:
    """What changes when the manifest's text does (a SHA-256 of it)."""
    return hashlib.sha256(text.encode()).hexdigest()
