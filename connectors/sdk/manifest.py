"""Connector manifests: a connector describes itself as data, validated here.

A manifest is ``manifest.toml`` beside the connector's code. The hub reads it to know what a
connector can do (capabilities), how to sign in (auth), how fast it may call (rate limits),
which references in text it resolves, and which settings it takes -- all before importing
any of the connector's Python.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import ManifestError

Capability = Literal["IssueTracker", "CodeHost", "CIProvider"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Scope(_Strict):
    """An OAuth scope and the reason it is asked for, shown to the user before consent."""

    name: str
    why: str


class OAuth2(_Strict):
    client_id: str = ""
    authorize_url: str | None = None
    token_url: str
    device_authorization_url: str | None = None
    scopes: tuple[Scope, ...] = ()
    pkce: bool = True


class Auth(_Strict):
    methods: tuple[Literal["device", "pkce", "token", "api_key"], ...]
    oauth2: OAuth2 | None = None
    token_env: str | None = Field(
        default=None, description="Environment variable that may carry a token (CI use)."
    )
    token_help: str = ""


class RateLimitPolicy(_Strict):
    """How fast the connector may call, before the service's own headers say otherwise."""

    requests_per_second: float = 5.0
    burst: int = 10
    remaining_header: str | None = "x-ratelimit-remaining"
    limit_header: str | None = "x-ratelimit-limit"
    reset_header: str | None = "x-ratelimit-reset"
    reset_is_epoch: bool = True
    poll_interval_header: str | None = None


class ReferencePattern(_Strict):
    """A pattern in text that names one of the connector's items."""

    kind: Literal["issue", "pull_request", "commit", "any"]
    regex: str
    description: str = ""

    @field_validator("regex")
    @classmethod
    def _compiles(cls, v: str) -> str:
        try:
            re.compile(v)
        except re.error as exc:
            raise ValueError(f"invalid regex {v!r}: {exc}") from exc
        return v


class ConfigField(_Strict):
    name: str
    type: Literal["string", "integer", "boolean", "list"] = "string"
    default: Any = None
    secret: bool = False
    description: str = ""


class Manifest(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    version: str = "0.1.0"
    description: str = ""
    docs: str | None = None
    capabilities: tuple[Capability, ...]
    api_url: str
    web_url: str | None = None
    auth: Auth
    rate_limit: RateLimitPolicy = RateLimitPolicy()
    references: tuple[ReferencePattern, ...] = ()
    config: tuple[ConfigField, ...] = ()

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
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
            )
            raise ManifestError(f"invalid manifest {source}: {problems}") from exc
