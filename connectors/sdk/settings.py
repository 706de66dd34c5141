"""Each connector's settings, typed from its manifest: ``connectors.<id>.*``.

Every connector gets the common base -- ``enabled``, ``api_url``, ``web_url``, ``client_id``,
``account`` and ``accounts`` rules, plus ``hosts`` (self-managed hosts) when it attaches to git
remotes or ``site`` when it attaches to a configured site -- and the fields its manifest's
``[[config]]`` tables declare. :func:`settings_model` builds the pydantic model once per
manifest; the hub's configuration validates ``connectors.<id>`` with it, and the editors'
settings UIs and the README table are generated from :func:`describe`.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, create_model, field_validator

from .manifest import ConfigField, Manifest

_TYPES: dict[str, Any] = {
    "string": str,
    "integer": int,
    "number": float,
    "boolean": bool,
    "list": list[str],
}


class AccountRule(BaseModel):
    """Which signed-in account serves remotes of a host (and optionally an owner)."""

    model_config = ConfigDict(extra="forbid")

    host: str
    owner: str | None = None
    account: str


def _http_url(v: str | None) -> str | None:
    if v is None or v == "":
        return v
    if not re.match(r"^https?://[^\s/]+", v):
        raise ValueError("must be an http(s) URL")
    return v.rstrip("/")


class ConnectorSettings(BaseModel):
    """The settings every connector has."""

    model_config = ConfigDict(extra="forbid", validate_default=True, populate_by_name=True)

    enabled: bool = Field(default=True, description="Switch this integration off.")
    api_url: str = Field(default="", description="API base URL.")
    web_url: str = Field(default="", description="Web base URL, for links and pasted URLs.")
    client_id: str = Field(
        default="", description="OAuth client id for browser and device sign-in."
    )
    account: str | None = Field(
        default=None, description="The account this workspace uses, overriding the rules."
    )
    accounts: list[AccountRule] = Field(
        default_factory=list,
        description="Rules { host, owner?, account }: which account serves which remotes.",
    )

    @field_validator("api_url", "web_url")
    @classmethod
    def _urls(cls, v: str) -> str:
        return _http_url(v) or ""


class RemoteSettings(ConnectorSettings):
    hosts: list[str] = Field(
        default_factory=list,
        validation_alias=AliasChoices("hosts", "enterprise_hosts"),
        description="Self-managed hostnames whose git remotes this integration serves.",
    )

    @field_validator("hosts")
    @classmethod
    def _hostnames(cls, v: list[str]) -> list[str]:
        for h in v:
            if not re.fullmatch(r"[A-Za-z0-9.-]+(:\d+)?", h):
                raise ValueError(f"{h!r} is not a hostname")
        return [h.lower() for h in v]


class SiteSettings(ConnectorSettings):
    site: str | None = Field(
        default=None, description="The site's URL, e.g. https://acme.atlassian.net."
    )

    @field_validator("site")
    @classmethod
    def _site(cls, v: str | None) -> str | None:
        return _http_url(v)


_BASES: dict[str, type[ConnectorSettings]] = {
    "remote": RemoteSettings,
    "site": SiteSettings,
    "account": ConnectorSettings,
}


def _field(f: ConfigField) -> tuple[Any, Any]:
    kind: Any = _TYPES[f.type]
    if f.choices:
        from typing import Literal

        kind = Literal[f.choices]
    default = f.default
    if default is None:
        kind = kind | None
    if isinstance(default, list):
        return kind, Field(default_factory=lambda d=default: list(d), description=f.description)
    return kind, Field(default=default, description=f.description)


_MODELS: dict[int, tuple[Manifest, type[ConnectorSettings]]] = {}


def settings_model(manifest: Manifest) -> type[ConnectorSettings]:
    """The pydantic model of ``connectors.<manifest.id>`` (built once per manifest object;
    manifests hold dicts, so they are keyed by identity and kept alive here)."""
    hit = _MODELS.get(id(manifest))
    if hit is not None:
        return hit[1]
    model = _build(manifest)
    _MODELS[id(manifest)] = (manifest, model)
    return model


def _build(manifest: Manifest) -> type[ConnectorSettings]:
    base = _BASES[manifest.attach.kind]
    client_id = manifest.auth.oauth2.client_id if manifest.auth.oauth2 else ""
    own: dict[str, Any] = {}
    for f in manifest.config:
        if f.name in base.model_fields:
            raise ValueError(
                f"connector {manifest.id!r}: setting {f.name!r} is a common setting; "
                "drop it from [[config]]"
            )
        own[f.name] = _field(f)
    defaults: dict[str, Any] = {
        "api_url": (str, Field(default=manifest.api_url, description="API base URL.")),
        "web_url": (
            str,
            Field(default=manifest.web_url or "", description="Web base URL, for links."),
        ),
        "client_id": (
            str,
            Field(default=client_id, description="OAuth client id for browser and device sign-in."),
        ),
    }
    name = "".join(p.title() for p in manifest.id.split("_")) + "Settings"
    return create_model(name, __base__=base, **defaults, **own)


def defaults(manifest: Manifest) -> ConnectorSettings:
    return settings_model(manifest)()


def describe(manifest: Manifest) -> list[dict[str, Any]]:
    """Every setting of the connector: ``{key, type, default, description, choices}``, in
    the order the editors' settings UIs show them (generated files are built from this)."""
    model = settings_model(manifest)
    schema = model.model_json_schema()
    props: dict[str, Any] = schema.get("properties", {})
    out: list[dict[str, Any]] = []
    for key, field in model.model_fields.items():
        prop = props.get(key, {})
        default = field.get_default(call_default_factory=True)
        out.append(
            {
                "key": key,
                "schema": _plain_schema(prop, schema.get("$defs", {})),
                "default": default if not isinstance(default, BaseModel) else default.model_dump(),
                "description": manifest.setting_help.get(key) or field.description or "",
            }
        )
    return out


def _plain_schema(prop: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """A JSON schema for one property with ``$ref``s inlined and ``null`` folded away, as
    VS Code's and LSP4IJ's settings schemas want them."""
    if "$ref" in prop:
        return _plain_schema(defs[prop["$ref"].rsplit("/", 1)[-1]], defs)
    if "anyOf" in prop:
        options = [o for o in prop["anyOf"] if o.get("type") != "null"]
        if len(options) == 1:
            inner = _plain_schema(options[0], defs)
            return inner
    out = {k: v for k, v in prop.items() if k not in ("title", "default", "description")}
    if "items" in out:
        out["items"] = _plain_schema(out["items"], defs)
    if "properties" in out:
        out["properties"] = {k: _plain_schema(v, defs) for k, v in out["properties"].items()}
    return out
