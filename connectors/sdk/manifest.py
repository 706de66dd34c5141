"""Connector manifests: a connector describes itself as data, validated here.

A manifest is ``manifest.toml`` beside the connector's code. The hub reads it to know what a
connector can do (capabilities), where it attaches to a workspace (a git remote's host, a
configured site, or the whole account), how to sign in (auth methods and how each one's
secret is sent), how fast it may call (rate limits and the headers that report them), which
references in text it resolves and how its web pages are addressed, and which settings it
takes -- all before importing any of the connector's Python.

Every problem is reported as a :class:`ManifestError` that names the connector and the key.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Collection
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import ManifestError

AuthMethod = Literal["pkce", "device", "token", "api_key", "basic"]
#: The secret each method sends, named in header templates: ``{token}`` is the access token,
#: API key or personal token; ``{basic}`` is base64 of ``username:token`` (HTTP Basic);
#: ``{username}`` is a ``basic`` sign-in's user part as it is, for services whose credential
#: is two parts sent side by side rather than as HTTP Basic (Trello's API key + token:
#: ``OAuth oauth_consumer_key="{username}", oauth_token="{token}"``); ``{jwt:<audience>}`` a
#: short-lived JWT signed with an admin key ``<id>:<hex secret>`` (Ghost's Admin API).
DEFAULT_HEADER = "Authorization: Bearer {token}"
#: ``{name}`` in an OAuth URL: a connector setting filled in at sign-in.
SETTING_PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _regex(v: str) -> str:
    try:
        re.compile(v)
    except re.error as exc:
        raise ValueError(f"invalid regex {v!r}: {exc}") from exc
    return v


class Scope(_Strict):
    """An OAuth scope and the reason it is asked for, shown to the user before consent.

    ``capabilities`` names the capabilities that cannot work without it (Google's
    ``gmail.readonly`` for ``Mail``). The hub offers a capability of an account only once
    the account's grant holds every scope naming it, and otherwise asks for the missing ones
    with their reasons -- so a scope the person left unticked on a consent screen that lets
    them choose is asked again when a feature needs it, not failed on.

    ``on_demand`` makes the consent incremental: the scope is not asked at sign-in but the
    first time a feature uses one of its capabilities (a restricted scope such as Gmail's or
    Drive's is asked only by the person who uses mail or folder sync).
    """

    name: str
    why: str
    capabilities: tuple[str, ...] = ()
    on_demand: bool = False

    @model_validator(mode="after")
    def _on_demand_names_a_capability(self) -> Scope:
        if self.on_demand and not self.capabilities:
            raise ValueError(
                f"scope {self.name!r} is on_demand but names no capabilities that ask for it"
            )
        return self


class ErrorHelp(_Strict):
    """What to do about one sign-in error a service is known to give.

    ``match`` is a regex searched in ``"<error>: <error_description>"`` of an OAuth error
    answer (a token endpoint's or the authorize redirect's), e.g. Microsoft's ``AADSTS65001``
    (an administrator must consent) or Google's ``org_internal``. The first match's ``help`` is
    added to the message, so the person reads what to do rather than a bare code.
    """

    match: str
    help: str

    @field_validator("match")
    @classmethod
    def _compiles(cls, v: str) -> str:
        return _regex(v)


class OAuth2(_Strict):
    """An OAuth app's endpoints.

    A URL may name a ``{setting}`` of the connector's ``[[config]]`` (Microsoft's
    ``https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token``): sign-in fills it from
    the workspace's settings, so one manifest serves every tenant or region.
    """

    client_id: str = ""
    authorize_url: str | None = None
    token_url: str
    device_authorization_url: str | None = None
    #: RFC 7009 token revocation endpoint, used on sign-out.
    revocation_url: str | None = None
    scopes: tuple[Scope, ...] = ()
    pkce: bool = True
    #: Extra authorize-request parameters a service requires (Atlassian: audience, prompt).
    authorize_params: dict[str, str] = Field(default_factory=dict)
    #: The authorize-request parameter the scopes travel in: RFC 6749's ``scope``, or the
    #: service's own name where it differs (Slack asks for a user token's scopes in
    #: ``user_scope``; its ``scope`` means a bot's).
    scope_param: str = Field(default="scope", pattern=r"^[A-Za-z_][A-Za-z0-9_.-]*$")
    #: Where in the token endpoint's answer the token set is, when it is not at the top:
    #: Slack nests a user token in ``authed_user`` {access_token, scope, token_type,
    #: refresh_token, expires_in}. An answer without that object is read at the top (Slack's
    #: refresh answers are), and errors are always read at the top.
    token_field: str = ""
    #: How a confidential client (one with a client secret) authenticates at the token,
    #: device and revocation endpoints, by RFC 8414's names: ``client_secret_post`` (id and
    #: secret in the form, what most services take) or ``client_secret_basic`` (an HTTP Basic
    #: header, the only way Notion takes).
    token_auth: Literal["client_secret_post", "client_secret_basic"] = "client_secret_post"  # noqa: S105

    @property
    def sign_in_scopes(self) -> tuple[Scope, ...]:
        """What a first sign-in asks: every scope but the on-demand ones."""
        return tuple(s for s in self.scopes if not s.on_demand)

    def scopes_for(self, capabilities: Collection[str]) -> tuple[Scope, ...]:
        """The scopes any of ``capabilities`` needs, in the manifest's order."""
        wanted = set(capabilities)
        return tuple(s for s in self.scopes if wanted.intersection(s.capabilities))


class Auth(_Strict):
    methods: tuple[AuthMethod, ...] = Field(min_length=1)
    oauth2: OAuth2 | None = None
    token_env: str | None = Field(
        default=None, description="Environment variable that may carry a token (CI use)."
    )
    token_help: str = ""
    #: For ``basic`` environment credentials: the variable holding the user part.
    username_env: str | None = None
    #: Regexes for the shapes of this service's secrets, masked wherever they appear.
    token_patterns: tuple[str, ...] = ()
    #: How each method's secret is sent: ``"Header-Name: template"``; default Bearer. A
    #: template names ``{token}`` or ``{basic}``, and may name ``{username}`` too.
    headers: dict[AuthMethod, str] = Field(default_factory=dict)
    #: For ``basic``: what the user part is called in prompts (Jira: "email").
    username_label: str = "user name"
    #: Said on sign-out when the service cannot end an OAuth token from here (where to).
    revoke_help: str = ""
    #: The service answers without any credential (arXiv, Crossref, Semantic Scholar): nobody
    #: is asked to sign in, and a feature using it opens an implicit anonymous session
    #: (:mod:`server.hub.papers`). ``methods`` then say how an optional key is sent when the
    #: person has one (``token_env``).
    anonymous: bool = False
    #: Known sign-in errors and what to do about each (first match wins).
    error_help: tuple[ErrorHelp, ...] = ()

    @field_validator("token_patterns")
    @classmethod
    def _patterns_compile(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_regex(p) for p in v)

    @field_validator("headers")
    @classmethod
    def _header_shape(cls, v: dict[str, str]) -> dict[str, str]:
        for method, template in v.items():
            name, sep, value = template.partition(":")
            if not sep or not name.strip() or not value.strip():
                raise ValueError(f"{method}: expected 'Header-Name: value template'")
            if "{token}" not in value and "{basic}" not in value and "{jwt:" not in value:
                raise ValueError(
                    f"{method}: the template names neither {{token}}, {{basic}} nor {{jwt:...}}"
                )
        return v

    @model_validator(mode="after")
    def _oauth_for_flows(self) -> Auth:
        if {"pkce", "device"} & set(self.methods) and self.oauth2 is None:
            raise ValueError("methods pkce/device need an [auth.oauth2] table")
        if "device" in self.methods and self.oauth2 and not self.oauth2.device_authorization_url:
            raise ValueError("method device needs auth.oauth2.device_authorization_url")
        if "pkce" in self.methods and self.oauth2 and not self.oauth2.authorize_url:
            raise ValueError("method pkce needs auth.oauth2.authorize_url")
        return self

    @property
    def secret_method(self) -> AuthMethod | None:
        """The first pasted-secret method (token, api_key, basic) the connector declares, in
        the manifest's order: what ``--with-token`` and environment secrets mean."""
        for m in self.methods:
            if m in ("token", "api_key", "basic"):
                return m
        return None

    def header_for(self, method: str) -> tuple[str, str]:
        """``(header name, value template)`` for a sign-in method (OAuth flows: Bearer)."""
        template = self.headers.get(method) or DEFAULT_HEADER  # type: ignore[call-overload]
        name, _, value = template.partition(":")
        return name.strip(), value.strip()


class Attachment(_Strict):
    """How the connector attaches to a workspace.

    - ``remote``: to git remotes on its hosts (code hosts). ``hosts`` are the public ones;
      self-managed hosts come from the ``hosts`` setting, their API at ``https://HOST`` +
      ``api_path``.
    - ``site``: to one configured site (``connectors.<id>.site``: Jira, Confluence, Jenkins).
    - ``account``: to the signed-in account wherever the editor is (Linear, Slack, Google).
    """

    kind: Literal["remote", "site", "account"]
    hosts: tuple[str, ...] = ()
    api_path: str = ""
    #: Files in a checkout that say the service is in use (``.gitlab-ci.yml``,
    #: ``.github/workflows``): CI is followed only in folders that have one, when given.
    markers: tuple[str, ...] = ()
    #: A ``site`` or ``account`` connector that builds repositories hosted elsewhere
    #: (Jenkins, CircleCI): its session watches every folder's repository that has one of
    #: the ``markers`` (every folder's, without markers), under :meth:`Connector.ci_scope`.
    watch_repos: bool = False
    #: The ref a pull/merge request's head can be fetched from (``pull/{number}/head`` on
    #: GitHub, ``merge-requests/{number}/head`` on GitLab), for "check out".
    review_ref: str | None = None


ResetFormat = Literal["epoch", "epoch_ms", "seconds", "ms", "iso8601", "duration"]


class Budget(_Strict):
    """One rate-limit budget the service reports in headers (Linear reports two)."""

    name: str = "requests"
    remaining_header: str | None = "x-ratelimit-remaining"
    limit_header: str | None = "x-ratelimit-limit"
    reset_header: str | None = "x-ratelimit-reset"
    #: ``epoch`` seconds, ``epoch_ms``, ``seconds`` from now, ``ms`` (milliseconds from now:
    #: also right for a window length such as Trello's ``x-rate-limit-*-interval-ms``, the
    #: longest a spent window can take to renew), an ``iso8601`` timestamp, or a ``duration``
    #: from now written as Go writes one (OpenAI's ``6m0s``, ``1.5s``, ``12ms``).
    reset_format: ResetFormat = "epoch"


class RateLimitPolicy(_Strict):
    """How fast the connector may call, before the service's own headers say otherwise."""

    requests_per_second: float = 5.0
    burst: int = 10
    remaining_header: str | None = "x-ratelimit-remaining"
    limit_header: str | None = "x-ratelimit-limit"
    reset_header: str | None = "x-ratelimit-reset"
    reset_format: ResetFormat = "epoch"
    poll_interval_header: str | None = None
    #: Further budgets (complexity points, say); an exhausted one blocks like the first.
    budgets: tuple[Budget, ...] = ()

    @property
    def primary(self) -> Budget:
        return Budget(
            remaining_header=self.remaining_header,
            limit_header=self.limit_header,
            reset_header=self.reset_header,
            reset_format=self.reset_format,
        )


RefKindName = Literal["issue", "pull_request", "any", "commit"]


class ReferencePattern(_Strict):
    """A pattern in text that names one of the connector's items.

    Named groups: ``number``, ``key`` (the whole key, ``PROJ-7``), ``scope`` (a repository
    path or a project/team key written in the reference), ``sha``. ``key`` is a template
    for the item's key (default ``{key}`` when the regex has that group, else ``#{number}``).
    ``scope`` says where a reference without a written scope belongs: ``repo`` (the
    document's repository on this connector's host), ``site`` (the configured site) or
    ``account``. ``known_scopes``: count a match only when its scope is a project/team key
    the service has (``PROJ-7`` yes, ``UTF-8`` no).
    """

    kind: RefKindName
    regex: str
    description: str = ""
    key: str | None = None
    scope: Literal["repo", "site", "account"] = "repo"
    known_scopes: bool = False

    @field_validator("regex")
    @classmethod
    def _compiles(cls, v: str) -> str:
        return _regex(v)

    @model_validator(mode="after")
    def _groups(self) -> ReferencePattern:
        groups = re.compile(self.regex).groupindex
        if not {"number", "key", "sha"} & set(groups):
            raise ValueError(f"regex {self.regex!r} has no (?P<number>), (?P<key>) or (?P<sha>)")
        if self.known_scopes and "scope" not in groups:
            raise ValueError("known_scopes needs a (?P<scope>) group in the regex")
        return self

    def key_template(self) -> str:
        if self.key:
            return self.key
        groups = re.compile(self.regex).groupindex
        return "{key}" if "key" in groups else "#{number}"


class UrlPattern(_Strict):
    """A web page of an item, recognised when pasted: a regex over the URL's path on one of
    the connector's web hosts, with the same named groups as a reference pattern."""

    kind: RefKindName
    path: str
    key: str | None = None

    @field_validator("path")
    @classmethod
    def _compiles(cls, v: str) -> str:
        return _regex(v)


class WebUrls(_Strict):
    """Templates for an item's web page: ``{web}`` (the web base URL), ``{scope}``,
    ``{number}``, ``{key}``, ``{sha}``. ``lines`` is a file's lines at a commit (what a code
    block shared to chat links back to), with ``{path}`` (URL-quoted), ``{line}`` and
    ``{end_line}`` (1-based)."""

    issue: str | None = None
    pull_request: str | None = None
    any: str | None = None
    commit: str | None = None
    lines: str | None = None

    def for_kind(self, kind: str) -> str | None:
        value: str | None = getattr(self, kind, None)
        return value or self.issue


SettingType = Literal["string", "integer", "number", "boolean", "list"]


class ConfigField(_Strict):
    """One of the connector's own settings, under ``connectors.<id>.<name>``."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    type: SettingType = "string"
    default: Any = None
    secret: bool = False
    description: str = ""
    choices: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _no_secrets(self) -> ConfigField:
        if self.secret:
            raise ValueError(
                f"setting {self.name!r} is secret: secrets belong in the vault "
                "(an auth method), never in configuration"
            )
        return self


class Manifest(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    version: str = "0.1.0"
    description: str = ""
    docs: str | None = None
    capabilities: tuple[str, ...]
    api_url: str
    web_url: str | None = None
    attach: Attachment
    auth: Auth
    rate_limit: RateLimitPolicy = RateLimitPolicy()
    references: tuple[ReferencePattern, ...] = ()
    urls: tuple[UrlPattern, ...] = ()
    web_urls: WebUrls = WebUrls()
    config: tuple[ConfigField, ...] = ()
    #: Better words for the common settings of this connector (``api_url = "REST base URL;
    #: https://HOST/api/v3 for GitHub Enterprise Server."``), shown in the settings UIs.
    setting_help: dict[str, str] = Field(default_factory=dict)

    @field_validator("capabilities")
    @classmethod
    def _known_capabilities(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        from .capabilities import CAPABILITIES

        unknown = [c for c in v if c not in CAPABILITIES]
        if unknown:
            known = ", ".join(sorted(CAPABILITIES))
            raise ValueError(f"unknown capability {', '.join(unknown)} (known: {known})")
        return v

    @model_validator(mode="after")
    def _scope_capabilities_are_declared(self) -> Manifest:
        o = self.auth.oauth2
        for scope in o.scopes if o is not None else ():
            undeclared = [c for c in scope.capabilities if c not in self.capabilities]
            if undeclared:
                raise ValueError(
                    f"scope {scope.name!r} names {', '.join(undeclared)}, which the manifest's"
                    " capabilities do not list"
                )
        return self

    @model_validator(mode="after")
    def _oauth_placeholders_are_settings(self) -> Manifest:
        o = self.auth.oauth2
        if o is None:
            return self
        names = {c.name for c in self.config}
        for key in ("authorize_url", "token_url", "device_authorization_url", "revocation_url"):
            for name in SETTING_PLACEHOLDER.findall(getattr(o, key) or ""):
                if name not in names:
                    raise ValueError(
                        f"auth.oauth2.{key} names {{{name}}}, which is not a [[config]] setting"
                    )
        return self

    @property
    def default_host(self) -> str:
        """The public host (``github.com``): the first attachment host, else the web host."""
        if self.attach.hosts:
            return self.attach.hosts[0]
        from urllib.parse import urlsplit

        return (urlsplit(self.web_url or self.api_url).hostname or self.id).lower()

    @classmethod
    def load(cls, path: Path) -> Manifest:
        """Read and validate a manifest file; raise :class:`ManifestError` saying what is wrong."""
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ManifestError(f"cannot read manifest {path}: {exc}") from exc
        return cls.parse(data, source=str(path))

    @classmethod
    def parse(cls, data: dict[str, Any], *, source: str = "<manifest>") -> Manifest:
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            who = data.get("id") if isinstance(data, dict) else None
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']}" for e in exc.errors()
            )
            name = f"connector {who!r} " if isinstance(who, str) else ""
            raise ManifestError(f"invalid manifest of {name}({source}): {problems}") from exc
