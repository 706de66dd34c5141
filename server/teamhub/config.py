"""The team hub's configuration: a TOML file, then ``TIELINE_HUB_*`` environment variables.

This is a service's configuration, not an editor's settings: it is read once when ``tieline
hub serve`` starts, from ``--config FILE`` (else ``$TIELINE_HUB_CONFIG``), and environment
variables override the file key by key::

    # /etc/tieline/hub.toml
    database_url = ""           # empty: $TIELINE_HOME/data/tieline.db (as `tieline api`)
    host = "0.0.0.0"            # a team service may listen on every interface
    port = 8080
    allowed_hosts = ["hub.example.com"]
    retention_days = 30

    [teams.platform]
    clients = ["tlc_..."]       # OAuth client ids (one per editor) that read this team
    sources = ["github", "gitlab", "jira"]

``TIELINE_HUB_DATABASE_URL``, ``_HOST``, ``_PORT``, ``_ALLOWED_HOSTS`` (comma separated),
``_RETENTION_DAYS``, ``_POLL_INTERVAL``, ``_SHUTDOWN_TIMEOUT``, ``_NODE``, ``_LOG_LEVEL``,
``_SSL_CERTFILE``, ``_SSL_KEYFILE`` and ``_TRUST_PROXY`` do the same.

A **team** is a name with grants: the OAuth clients whose tokens read its events, and the
webhook sources it receives at ``/hooks/<team>/<source>``. Its webhook secrets never sit in
this file: each is read from ``TIELINE_HUB_SECRET_<TEAM>_<SOURCE>`` or from the file named by
``TIELINE_HUB_SECRET_<TEAM>_<SOURCE>_FILE`` (a container's or systemd's credentials
directory), registered with the redactor as it is read, and never logged or shown.

The same holds for the database's password: a ``database_url`` in the file may not carry
one (libpq's ``PGPASSWORD``, ``PGPASSFILE`` or ``~/.pgpass`` supply it, or the whole URL
comes from ``TIELINE_HUB_DATABASE_URL``); one given by the environment is registered with
the redactor, and ``tieline hub config`` shows the URL without it.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from connectors.sdk.errors import ConfigError
from connectors.sdk.redact import register_secret
from server.web.hooks.sources import SOURCES

ENV_PREFIX = "TIELINE_HUB_"
TEAM_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
_SECRETISH = re.compile(r"(token|secret|password|passphrase|api_?key)", re.IGNORECASE)

#: Environment variables that are not configuration keys.
_NOT_KEYS = {"CONFIG"}


class TeamSettings(BaseModel):
    """One team: who reads its events and which webhook sources it receives."""

    model_config = ConfigDict(extra="forbid")

    clients: list[str] = Field(
        default_factory=list,
        description="OAuth client ids whose access tokens read this team's events.",
    )
    sources: list[str] = Field(
        default_factory=lambda: sorted(SOURCES),
        description="Webhook sources accepted at /hooks/<team>/<source> (a secret is needed).",
    )

    @field_validator("sources")
    @classmethod
    def _known_sources(cls, value: list[str]) -> list[str]:
        unknown = [s for s in value if s not in SOURCES]
        if unknown:
            raise ValueError(f"unknown source {', '.join(unknown)}; known: {', '.join(SOURCES)}")
        return value


class HubSettings(BaseModel):
    """Everything ``tieline hub serve`` reads at start."""

    model_config = ConfigDict(extra="forbid")

    database_url: str = Field(
        default="",
        description="Where the hub's store is: sqlite:////abs/path.db (or a plain path), or "
        "postgresql://user@host/db shared by every node; empty: the database under "
        "TIELINE_HOME, which `tieline api` also works on.",
    )
    host: str = Field(
        default="127.0.0.1",
        description="The address to listen on; 0.0.0.0 (every interface) for a team service.",
    )
    port: int = Field(default=8080, ge=0, le=65535, description="The TCP port; 0: any free one.")
    allowed_hosts: list[str] = Field(
        default_factory=list,
        description="Host header values accepted (the public name, with :port unless 443/80); "
        "the listening host:port and localhost:port always are.",
    )
    public_url: str = Field(
        default="",
        description="The URL clients and senders use (https://hub.example.com), for messages.",
    )
    node: str = Field(
        default="",
        description="This process's name in logs and cursors; default: hostname:port.",
    )
    retention_days: float = Field(
        default=30, gt=0, le=3650, description="Events older than this are deleted."
    )
    poll_interval: float = Field(
        default=0.25, gt=0, le=60, description="Seconds between reads of the event log."
    )
    settle_seconds: float = Field(
        default=2.0, ge=0, le=60, description="How long a missing event id is waited for."
    )
    keepalive: float = Field(
        default=15.0, gt=0, le=300, description="Seconds between SSE keep-alive comments."
    )
    shutdown_timeout: float = Field(
        default=20.0,
        gt=0,
        le=600,
        description="On SIGTERM, how long in-flight requests may take to finish.",
    )
    replay_window: int = Field(
        default=300, ge=30, le=86400, description="Seconds a signed timestamp may be off."
    )
    max_body_kb: int = Field(default=25 * 1024, ge=1, le=100 * 1024)
    max_streams: int = Field(default=10_000, ge=1, description="Concurrent SSE streams at most.")
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        default="info", description="How much the hub logs (JSON lines on stderr)."
    )
    ssl_certfile: str = Field(default="", description="Serve TLS with this certificate (PEM).")
    ssl_keyfile: str = Field(default="", description="The certificate's private key (PEM).")
    trust_proxy: bool = Field(
        default=False,
        description="Trust X-Forwarded-For/-Proto from the reverse proxy in front (TLS there).",
    )
    teams: dict[str, TeamSettings] = Field(default_factory=dict)

    @field_validator("teams")
    @classmethod
    def _team_names(cls, value: dict[str, TeamSettings]) -> dict[str, TeamSettings]:
        for name in value:
            if not TEAM_NAME.match(name):
                raise ValueError(f"team name {name!r}: lower-case letters, digits, _ and -")
        owners: dict[str, str] = {}
        for name, team in value.items():
            for client in team.clients:
                if client in owners:
                    raise ValueError(f"client {client} is in two teams ({owners[client]}, {name})")
                owners[client] = name
        return value

    def team_of(self, client_id: str) -> str | None:
        """The team whose events this OAuth client reads, or ``None``."""
        for name, team in self.teams.items():
            if client_id in team.clients:
                return name
        return None

    def node_name(self, port: int) -> str:
        return self.node or f"{os.uname().nodename}:{port}"


def _env_value(key: str, raw: str) -> Any:
    if key == "allowed_hosts":
        return [h.strip() for h in raw.split(",") if h.strip()]
    if key == "trust_proxy":
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    return raw


def load(path: Path | None = None, env: Mapping[str, str] | None = None) -> HubSettings:
    """The settings from ``path`` (else ``$TIELINE_HUB_CONFIG``, else none) and ``env``.

    Raises :class:`ConfigError` naming the key and the reason; a value that looks like a
    secret is refused without being echoed.
    """
    environ = os.environ if env is None else env
    data: dict[str, Any] = {}
    file = path or (
        Path(environ["TIELINE_HUB_CONFIG"]) if environ.get("TIELINE_HUB_CONFIG") else None
    )
    if file is not None:
        try:
            data = tomllib.loads(file.read_text("utf-8"))
        except OSError as exc:
            raise ConfigError(f"cannot read the hub configuration {file}: {exc.strerror}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"the hub configuration {file} is not valid TOML: {exc}") from None
    _refuse_secrets(data, str(file))
    if _url_password(str(data.get("database_url", ""))):
        raise ConfigError(
            f"{file}: database_url holds a password; give it by PGPASSWORD, PGPASSFILE or"
            f" ~/.pgpass, or the whole URL by {ENV_PREFIX}DATABASE_URL, never in a file"
        )
    fields = HubSettings.model_fields
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX) or name.startswith(ENV_PREFIX + "SECRET_"):
            continue
        key = name[len(ENV_PREFIX) :].lower()
        if key.upper() in _NOT_KEYS:
            continue
        if key not in fields or key == "teams":
            raise ConfigError(f"{name} is not a hub setting; known: {', '.join(sorted(fields))}")
        data[key] = _env_value(key, raw)
    try:
        settings = HubSettings.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigError(f"invalid hub configuration: {problems}") from None
    password = _url_password(settings.database_url)
    if password:
        register_secret(password)
    return settings


def _url_password(url: str) -> str:
    """The password a ``postgresql://`` URL carries (in its userinfo or as a parameter)."""
    from urllib.parse import parse_qs, unquote, urlsplit

    if not url.startswith(("postgresql://", "postgres://")):
        return ""
    try:
        parts = urlsplit(url)
        given = parts.password or (parse_qs(parts.query).get("password") or [""])[0]
    except ValueError:
        return ""
    return unquote(given) if given else ""


def masked_url(url: str) -> str:
    """``url`` without its password, for a listing."""
    from urllib.parse import urlsplit

    if not _url_password(url):
        return url
    parts = urlsplit(url)
    if parts.password:
        user, _, host = parts.netloc.rpartition("@")
        parts = parts._replace(netloc=f"{user.partition(':')[0]}:***@{host}")
    query = re.sub(r"(^|&)password=[^&]*", r"\1password=***", parts.query)
    return parts._replace(query=query).geturl()


def _refuse_secrets(data: Mapping[str, Any], where: str, prefix: str = "") -> None:
    for key, value in data.items():
        if isinstance(value, Mapping):
            _refuse_secrets(value, where, f"{prefix}{key}.")
        elif _SECRETISH.search(str(key)):
            raise ConfigError(
                f"{where}: {prefix}{key} looks like a secret; secrets belong in "
                f"{ENV_PREFIX}SECRET_<TEAM>_<SOURCE> or its _FILE form, never in a file of settings"
            )


def secret_env(team: str, source: str) -> str:
    """The variable holding ``team``'s signing secret for ``source``."""
    return f"{ENV_PREFIX}SECRET_{re.sub(r'[^A-Z0-9]', '_', team.upper())}_{source.upper()}"


class HubSecrets:
    """The teams' webhook secrets, from the environment or files, read when asked (so a
    rotated file is picked up) and registered with the redactor."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self.env = os.environ if env is None else env

    def hook_secret(self, team: str, source: str) -> str | None:
        name = secret_env(team, source)
        value = self.env.get(name, "")
        file = self.env.get(name + "_FILE", "")
        if not value and file:
            try:
                value = Path(file).read_text("utf-8")
            except OSError:
                raise ConfigError(f"{name}_FILE names a file that cannot be read") from None
        value = value.strip()
        if not value:
            return None
        register_secret(value)
        return value

    def configured(self, team: str, source: str) -> bool:
        name = secret_env(team, source)
        return bool(self.env.get(name) or self.env.get(name + "_FILE"))


def public_view(settings: HubSettings, secrets: HubSecrets) -> dict[str, Any]:
    """The settings as ``tieline hub config`` shows them: every key, and for each team's
    sources whether a secret is set (never the secret)."""
    out = settings.model_dump()
    out["database_url"] = masked_url(settings.database_url)
    for name, team in settings.teams.items():
        out["teams"][name]["secrets"] = {
            s: ("set" if secrets.configured(name, s) else f"missing ({secret_env(name, s)})")
            for s in team.sources
        }
    return out


__all__ = [
    "ENV_PREFIX",
    "HubSecrets",
    "HubSettings",
    "TeamSettings",
    "load",
    "public_view",
    "secret_env",
]
