"""The declarative manifest: a REST tracker described as data, and the sdk manifest it becomes.

A file in ``.tieline/connectors/<id>.toml`` (or the user's config folder) says where the API
is, how the secret is sent, which references in text name its issues, which endpoints list,
read and search issues, how the lists page, where the records are in an answer (JMESPath)
and which record fields are the issue's title, state, URL and so on. :meth:`Spec.manifest`
turns it into an ordinary :class:`~connectors.sdk.manifest.Manifest` (an ``IssueTracker``
attached to the account), so everything downstream -- sign-in, the vault, the HTTP stack,
settings, reference scanning -- treats it like any installed connector.

Every field is checked here (regexes compile, JMESPath expressions parse, placeholders are
known), so a bad file fails when it is read, with the key that is wrong, never later in the
middle of a sync.
"""

from __future__ import annotations

import re
import string
from typing import Annotated, Any, Literal

import jmespath
from jmespath.exceptions import JMESPathError
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from connectors.sdk.manifest import (
    Attachment,
    Auth,
    Manifest,
    RateLimitPolicy,
    ReferencePattern,
    UrlPattern,
    WebUrls,
)

#: What a filter of ``list_issues`` may be declared for (the sdk's ``IssueFilter``).
Filter = Literal["assigned", "mentioned", "created", "open"]
#: Placeholders a path or parameter may name: the issue's ``{number}``/``{key}`` (get), the
#: search ``{query}``, and the signed-in ``{account}``.
PLACEHOLDERS = frozenset({"number", "key", "query", "account"})
#: Placeholders of an issue's web URL template.
URL_PLACEHOLDERS = frozenset({"web", "number", "key", "scope"})
#: State values that mean closed when a manifest names none of its own.
CLOSED_STATES = ("closed", "done", "resolved", "fixed", "cancelled", "canceled", "wontfix")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _jmespath(v: str) -> str:
    try:
        jmespath.compile(v)
    except JMESPathError as exc:
        raise ValueError(
            f"invalid JMESPath {v!r} ({_jmespath_problem(exc)}); expected an expression such"
            " as 'items[]' or 'fields.summary'"
        ) from exc
    return v


def _jmespath_problem(exc: JMESPathError) -> str:
    """jmespath's message without the expression drawn under it: what, and at which column."""
    first = str(exc).strip().splitlines()[0].rstrip(":")
    what = first.partition(": ")[2] if first.startswith(("Invalid", "Bad")) else first
    what = what.partition(": Parse error at column")[0]
    column = getattr(exc, "lex_position", None)
    return f"{what or 'not an expression'}, at column {column}" if column is not None else what


def _regex(v: str) -> str:
    try:
        re.compile(v)
    except re.error as exc:
        raise ValueError(f"invalid regex {v!r}: {exc}") from exc
    return v


Jmes = Annotated[str, AfterValidator(_jmespath)]
Regex = Annotated[str, AfterValidator(_regex)]


def placeholders(template: str) -> set[str]:
    """The ``{name}`` fields a template names (``{{`` escapes a brace)."""
    try:
        return {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}
    except ValueError as exc:
        raise ValueError(f"bad template {template!r}: {exc}") from exc


def _known(template: str, allowed: frozenset[str], where: str) -> None:
    unknown = placeholders(template) - allowed
    if unknown:
        raise ValueError(
            f"{where} names {', '.join('{' + u + '}' for u in sorted(unknown))}; expected only "
            + ", ".join("{" + a + "}" for a in sorted(allowed))
        )


class AuthSpec(_Strict):
    """How the secret travels. It is pasted once at sign-in (``tieline auth login <id>``,
    or the editor's sign-in) and kept in the vault; ``TIELINE_<ID>_TOKEN`` works too (CI).

    - ``bearer``: ``Authorization: Bearer <token>``;
    - ``header``: ``<header>: <prefix><token>`` (``X-Api-Key``, ``PRIVATE-TOKEN``...);
    - ``basic``: HTTP Basic of ``<user>:<token>`` (the user name is asked at sign-in);
    - ``query``: ``?<param>=<token>`` on every request (kept out of caches and logs);
    - ``none``: the API needs no credential.
    """

    type: Literal["bearer", "header", "basic", "query", "none"] = "bearer"
    header: str | None = Field(default=None, pattern=r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")
    prefix: str = ""
    param: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.~-]+$")
    #: What the sign-in prompt says about where to get a token.
    help: str = ""
    #: What the user part of a ``basic`` sign-in is called in prompts.
    username_label: str = "user name"
    #: Regexes of the token's shape, masked wherever one appears.
    token_patterns: tuple[Regex, ...] = ()

    @model_validator(mode="after")
    def _fields_for_type(self) -> AuthSpec:
        if self.type == "header" and not self.header:
            raise ValueError("type 'header' needs header = \"X-Header-Name\"")
        if self.type == "query" and not self.param:
            raise ValueError("type 'query' needs param = \"api_key\" (the query parameter)")
        if self.header and self.type != "header":
            raise ValueError(f"header is only for type 'header', not {self.type!r}")
        if self.param and self.type != "query":
            raise ValueError(f"param is only for type 'query', not {self.type!r}")
        return self

    def sdk(self, connector_id: str) -> Auth:
        env = f"TIELINE_{connector_id.upper()}_TOKEN"
        common: dict[str, Any] = {
            "token_env": env,
            "token_help": self.help,
            "token_patterns": self.token_patterns,
        }
        if self.type == "none":
            return Auth(methods=("token",), anonymous=True, **common)
        if self.type == "bearer":
            return Auth(methods=("token",), **common)
        if self.type == "header":
            return Auth(
                methods=("token",),
                headers={"token": f"{self.header}: {self.prefix}{{token}}"},
                **common,
            )
        if self.type == "query":
            return Auth(
                methods=("api_key",), headers={"api_key": f"?{self.param}: {{token}}"}, **common
            )
        return Auth(
            methods=("basic",),
            headers={"basic": "Authorization: Basic {basic}"},
            username_env=f"TIELINE_{connector_id.upper()}_USER",
            username_label=self.username_label,
            **common,
        )


def _needs_a_group(regex: str) -> str:
    compiled = re.compile(regex)
    if not compiled.groups and not {"number", "key"} & set(compiled.groupindex):
        raise ValueError(
            f"regex {regex!r} has no group; expected the number in one, as in 'TT-(\\d+)'"
        )
    return regex


#: A regex whose first group (or ``number``/``key`` group) names the issue.
Grouped = Annotated[str, AfterValidator(_regex), AfterValidator(_needs_a_group)]


class Reference(_Strict):
    """Text that names an issue: ``regex = 'TT-(\\d+)'``. The first group is the number;
    or name them: ``(?P<number>...)``, ``(?P<key>...)`` (default: the whole match)."""

    regex: Grouped
    description: str = ""


class UrlRef(_Strict):
    """An issue's web page, recognised when pasted: a regex over the URL's path on the
    ``web_url`` host, the number in its first group (or named groups, as references)."""

    path: Grouped


class Pagination(_Strict):
    """How list and search answers page.

    - ``link``: follow ``Link: <...>; rel="next"`` (RFC 8288);
    - ``cursor``: a token in the body (``cursor_path``, JMESPath) sent back as ``cursor_param``;
    - ``page``: ``page_param`` = 1, 2, ... until a page is short (or ``total_path`` is reached);
    - ``offset``: ``offset_param`` = 0, n, 2n, ... the same way;
    - ``none``: one answer holds everything.
    ``size_param`` (when set) asks for ``page_size`` records per page.
    """

    style: Literal["link", "cursor", "page", "offset", "none"] = "none"
    page_size: int = Field(default=50, ge=1, le=1000)
    size_param: str | None = "per_page"
    page_param: str = "page"
    first_page: int = 1
    offset_param: str = "offset"
    cursor_param: str = "cursor"
    cursor_path: Jmes | None = None
    #: A JMESPath to the total number of records (page and offset styles), when given.
    total_path: Jmes | None = None
    max_pages: int = Field(default=20, ge=1, le=1000)

    @model_validator(mode="after")
    def _cursor_has_a_path(self) -> Pagination:
        if self.style == "cursor" and not self.cursor_path:
            raise ValueError("style 'cursor' needs cursor_path, the JMESPath of the next token")
        return self


class Endpoint(_Strict):
    """One GET: ``path`` under ``base_url``, ``params``, and ``select``, the JMESPath of the
    record (get) or of the list of records (list, search) in the answer."""

    path: str
    params: dict[str, str] = Field(default_factory=dict)
    select: Jmes = "@"

    def check(self, where: str, allowed: frozenset[str]) -> None:
        _known(self.path, allowed, f"{where}.path")
        for k, v in self.params.items():
            _known(v, allowed, f"{where}.params.{k}")


class ListEndpoint(Endpoint):
    """The list of issues. ``filters`` add parameters for each list the editor shows
    (``assigned = { assignee = "{account}" }``); a list left out is not offered."""

    filters: dict[Filter, dict[str, str]] = Field(default_factory=dict)


class MeEndpoint(Endpoint):
    """Who the token belongs to (checked at sign-in): the account's ``login`` and ``name``."""

    login: Jmes
    name: Jmes | None = None


class Endpoints(_Strict):
    list: ListEndpoint
    get: Endpoint
    search: Endpoint | None = None
    me: MeEndpoint | None = None

    @model_validator(mode="after")
    def _placeholders(self) -> Endpoints:
        self.list.check("endpoints.list", frozenset({"account"}))
        for name, extra in self.list.filters.items():
            for k, v in extra.items():
                _known(v, frozenset({"account"}), f"endpoints.list.filters.{name}.{k}")
        self.get.check("endpoints.get", frozenset({"number", "key", "account"}))
        if not placeholders(self.get.path) & {"number", "key"} and not (
            {p for v in self.get.params.values() for p in placeholders(v)} & {"number", "key"}
        ):
            raise ValueError("endpoints.get names neither {number} nor {key}")
        if self.search is not None:
            self.search.check("endpoints.search", frozenset({"query", "account"}))
        if self.me is not None:
            self.me.check("endpoints.me", frozenset())
        return self


class Fields(_Strict):
    """Where each part of an issue is in a record (JMESPath). ``title`` and one of ``number``
    / ``key`` are needed; lists (``assignees``, ``labels``) may select strings or objects with
    ``login``/``name``."""

    number: Jmes | None = None
    key: Jmes | None = None
    title: Jmes
    state: Jmes | None = None
    url: Jmes | None = None
    body: Jmes | None = None
    author: Jmes | None = None
    assignees: Jmes | None = None
    labels: Jmes | None = None
    created: Jmes | None = None
    updated: Jmes | None = None
    closed: Jmes | None = None
    priority: Jmes | None = None
    type: Jmes | None = None
    comments: Jmes | None = None

    @model_validator(mode="after")
    def _identity(self) -> Fields:
        if self.number is None and self.key is None:
            raise ValueError("fields needs number or key: the JMESPath of the issue's id")
        return self


class States(_Strict):
    """Which values of ``fields.state`` mean closed (compared without case); others are
    open. A boolean state is closed when true."""

    closed: tuple[str, ...] = CLOSED_STATES


class Spec(_Strict):
    """A whole declarative manifest."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    description: str = ""
    docs: str | None = None
    base_url: str = Field(pattern=r"^https?://")
    web_url: str | None = Field(default=None, pattern=r"^https?://")
    #: How an issue's key reads when the record gives only a number (``TT-{number}``).
    key: str = "#{number}"
    #: An issue's web page when the record gives none (``{web}/issues/{number}``).
    issue_url: str | None = None
    auth: AuthSpec = AuthSpec()
    references: tuple[Reference, ...] = ()
    urls: tuple[UrlRef, ...] = ()
    pagination: Pagination = Pagination()
    endpoints: Endpoints
    fields: Fields
    states: States = States()
    headers: dict[str, str] = Field(default_factory=dict)
    requests_per_second: float = Field(default=5.0, gt=0)

    @model_validator(mode="after")
    def _templates(self) -> Spec:
        _known(self.key, frozenset({"number"}), "key")
        if self.issue_url is not None:
            _known(self.issue_url, URL_PLACEHOLDERS, "issue_url")
            if "{web}" in self.issue_url and not self.web_url:
                raise ValueError("issue_url names {web} but web_url is not set")
        if self.urls and not self.web_url:
            raise ValueError("[[urls]] needs web_url: the host whose pages they match")
        if self.fields.url is None and self.issue_url is None:
            raise ValueError("set fields.url (the record's link) or issue_url (a template)")
        return self

    # -- the sdk manifest -----------------------------------------------------------------------
    def _key_for(self, regex: str) -> str:
        """The key template of a match: its ``key`` group, else the manifest's ``key``, so a
        reference and the synced record name the same item."""
        return _key_of(self.key, regex)

    def manifest(self) -> Manifest:
        return Manifest(
            id=self.id,
            name=self.name,
            description=self.description or f"Issues from {self.name} (declared as data).",
            docs=self.docs,
            capabilities=("IssueTracker",),
            api_url=self.base_url.rstrip("/"),
            web_url=self.web_url.rstrip("/") if self.web_url else None,
            attach=Attachment(kind="account"),
            auth=self.auth.sdk(self.id),
            rate_limit=RateLimitPolicy(requests_per_second=self.requests_per_second),
            references=tuple(
                ReferencePattern(
                    kind="issue",
                    regex=reference_regex(r.regex),
                    description=r.description,
                    key=self._key_for(r.regex),
                    scope="account",
                )
                for r in self.references
            ),
            urls=tuple(
                UrlPattern(kind="issue", path=url_regex(u.path), key=self._key_for(u.path))
                for u in self.urls
            ),
            web_urls=WebUrls(issue=self.issue_url),
        )


def _key_of(spec_key: str, regex: str) -> str:
    return "{key}" if "key" in re.compile(regex).groupindex else spec_key


def _name_first_group(regex: str, name: str) -> str:
    """``regex`` with its first unnamed capturing group named ``name`` (escapes and character
    classes skipped), as the sdk's reference patterns name their parts."""
    i, in_class = 0, False
    while i < len(regex):
        ch = regex[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            if regex[i + 1 : i + 2] == "]":
                i += 1
        elif ch == "(" and regex[i + 1 : i + 2] != "?":
            return f"{regex[: i + 1]}?P<{name}>{regex[i + 1 :]}"
        i += 1
    return regex


def named(regex: str) -> str:
    """``regex`` with its number named, unless it names a ``number`` or ``key`` itself."""
    if not {"number", "key"} & set(re.compile(regex).groupindex):
        regex = _name_first_group(regex, "number")
    return regex


def reference_regex(regex: str) -> str:
    """A manifest's ``TT-(\\d+)`` as an sdk reference pattern: the first group is the number,
    and the match stands alone (not inside ``XTT-1`` or ``TT-12x``), in no scope."""
    return rf"(?<![\w-])(?:{named(regex)})(?P<scope>)(?!\w)"


def url_regex(path: str) -> str:
    """A ``[[urls]]`` path regex as an sdk URL pattern (the number in a named group)."""
    return f"(?:{named(path)})(?P<scope>)"
