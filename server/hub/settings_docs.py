"""The settings the editors show, generated from the configuration model and the manifests.

Three files carry the same list of settings: VS Code's ``package.json``
(``contributes.configuration``), the JetBrains LSP4IJ template's ``settings.schema.json`` and
the README's settings table. None is written by hand: ``python -m server.hub.settings_docs
--write`` renders them from :class:`server.hub.config.Config` and every installed
connector's settings model (:func:`connectors.sdk.settings.describe`), and a test checks the
committed files are current. VS Code's own launch settings (``tieline.server.*``,
``tieline.python``, ``tieline.trace.server``) belong to the shell and are kept as they are.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from connectors.sdk.manifest import Manifest
from connectors.sdk.settings import describe

from .config import Config

ROOT = Path(__file__).resolve().parents[2]
VSCODE = ROOT / "extensions" / "vscode" / "package.json"
JETBRAINS = ROOT / "extensions" / "jetbrains" / "template" / "settings.schema.json"
README = ROOT / "README.md"
BEGIN, END = "<!-- settings:begin (generated) -->", "<!-- settings:end -->"
SHELL_PREFIXES = ("tieline.server.", "tieline.python", "tieline.trace.")


@dataclass(frozen=True)
class Setting:
    path: tuple[str, ...]  # snake_case parts: ("connectors", "github", "api_url")
    schema: dict[str, Any]
    default: Any
    description: str
    scope: str | None = None

    @property
    def key(self) -> str:
        return ".".join(self.path)

    @property
    def camel(self) -> str:
        return ".".join(_camel(p) for p in self.path)


def _camel(part: str) -> str:
    head, *rest = part.split("_")
    return head + "".join(p.title() for p in rest)


def _plain(prop: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in prop:
        return _plain(defs[prop["$ref"].rsplit("/", 1)[-1]], defs)
    if "anyOf" in prop:
        options = [o for o in prop["anyOf"] if o.get("type") != "null"]
        if len(options) == 1:
            return _plain(options[0], defs)
    out = {
        k: v
        for k, v in prop.items()
        if k not in ("title", "default", "description", "scope", "additionalProperties")
        or (k == "additionalProperties" and isinstance(v, bool))
    }
    extra = prop.get("additionalProperties")
    if isinstance(extra, dict):  # a map of any keys: what each value must be
        out["additionalProperties"] = _plain(extra, defs)
    if "items" in out:
        out["items"] = _plain(out["items"], defs)
    if "properties" in out:
        out["properties"] = {k: _plain(v, defs) for k, v in out["properties"].items()}
    return out


def _model_settings(model: type[BaseModel], prefix: tuple[str, ...]) -> list[Setting]:
    schema = model.model_json_schema()
    defs = schema.get("$defs", {})
    out: list[Setting] = []
    for name, field in model.model_fields.items():
        alias = field.alias or name
        if alias == "connectors":
            continue
        prop = schema["properties"].get(alias, {})
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            out += _model_settings(ann, (*prefix, name))
            continue
        default = field.get_default(call_default_factory=True)
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        plain = _plain(prop, defs)
        if "items" in extra:
            plain["items"] = extra["items"]
        out.append(
            Setting(
                (*prefix, name),
                plain,
                default,
                field.description or "",
                scope=str(extra["scope"]) if "scope" in extra else None,
            )
        )
    return out


def settings(manifests: Iterable[Manifest]) -> list[Setting]:
    """Every server setting, in the order the UIs list them."""
    general = _model_settings(Config, ())
    out = [s for s in general if s.path == ("log_level",)]
    for m in sorted(manifests, key=lambda m: (m.id != "github", m.id)):
        for d in describe(m):
            scope = "resource" if d["key"] in ("account", "accounts", "site") else None
            out.append(
                Setting(
                    ("connectors", m.id, d["key"]),
                    d["schema"],
                    d["default"],
                    d["description"] or "",
                    scope,
                )
            )
    out += [s for s in general if s.path != ("log_level",)]
    return out


def _nullable(schema: dict[str, Any], default: Any) -> dict[str, Any]:
    if default is None and "type" in schema and isinstance(schema["type"], str):
        return {**schema, "type": [schema["type"], "null"]}
    return schema


# -- VS Code ----------------------------------------------------------------------------------
def vscode_properties(manifests: Iterable[Manifest], existing: dict[str, Any]) -> dict[str, Any]:
    shell = {k: v for k, v in existing.items() if k.startswith(SHELL_PREFIXES)}
    out: dict[str, Any] = dict(shell)
    order = max((int(v.get("order", 0)) for v in shell.values()), default=0)
    for s in settings(manifests):
        entry: dict[str, Any] = {**_nullable(s.schema, s.default), "default": s.default}
        entry["markdownDescription"] = s.description
        if s.scope:
            entry["scope"] = s.scope
        if s.path == ("log_level",):
            entry["order"] = order + 1
        out[f"tieline.{s.camel}"] = entry
    return out


def render_vscode(manifests: Iterable[Manifest], text: str) -> str:
    data = json.loads(text)
    conf = data["contributes"]["configuration"]
    conf["properties"] = vscode_properties(manifests, conf["properties"])
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


# -- JetBrains (LSP4IJ template) --------------------------------------------------------------
def jetbrains_schema(manifests: Iterable[Manifest], text: str) -> str:
    data = json.loads(text)
    root: dict[str, Any] = {"type": "object", "additionalProperties": False, "properties": {}}
    for s in settings(manifests):
        node = root
        for part in s.path[:-1]:
            node = node["properties"].setdefault(
                _camel(part), {"type": "object", "additionalProperties": False, "properties": {}}
            )
        leaf: dict[str, Any] = dict(s.schema)
        if s.default is not None:
            leaf["default"] = s.default
        leaf["description"] = re.sub(r"[`*]", "", s.description)
        node["properties"][_camel(s.path[-1])] = leaf
    data["properties"]["tieline"] = root
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


# -- README -----------------------------------------------------------------------------------
def _default_text(value: Any) -> str:
    if value is None:
        return "none"
    if value == []:
        return "`[]`"
    if value == {}:
        return "`{}`"
    return f"`{json.dumps(value)}`"


def readme_table(manifests: Iterable[Manifest]) -> str:
    lines = ["| key | default | meaning |", "|---|---|---|"]
    for s in settings(manifests):
        meaning = s.description.replace("|", "\\|").replace("\n", " ")
        lines.append(f"| `{s.key}` | {_default_text(s.default)} | {meaning} |")
    return "\n".join(lines)


#: The editor-settings row that names every connector id (``tieline.connectors.<id>.*``).
IDS_ROW = re.compile(r"(ids as `tieline/connectors` lists them: )[^;|]*(;)")


def render_readme(manifests: Iterable[Manifest], text: str) -> str:
    manifests = list(manifests)
    ids = ", ".join(f"`{m.id}`" for m in sorted(manifests, key=lambda m: m.id))
    text = IDS_ROW.sub(lambda m: f"{m.group(1)}{ids}{m.group(2)}", text, count=1)
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    return text[:start] + "\n" + readme_table(manifests) + "\n" + text[end:]


# -- files ------------------------------------------------------------------------------------
def rendered(manifests: list[Manifest]) -> dict[Path, str]:
    """Each generated file's text as it should be committed."""
    return {
        VSCODE: render_vscode(manifests, VSCODE.read_text(encoding="utf-8")),
        JETBRAINS: jetbrains_schema(manifests, JETBRAINS.read_text(encoding="utf-8")),
        README: render_readme(manifests, README.read_text(encoding="utf-8")),
    }


def main(argv: list[str] | None = None) -> int:
    from connectors.sdk.registry import default_registry

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="write the files (else: check them)")
    ap.add_argument("--keys", action="store_true", help="print every setting's editor key")
    args = ap.parse_args(argv)
    if args.keys:
        for s in settings(default_registry().manifests()):
            print(s.camel)
        return 0
    stale = []
    for path, text in rendered(default_registry().manifests()).items():
        if path.read_text(encoding="utf-8") != text:
            stale.append(path)
            if args.write:
                path.write_text(text, encoding="utf-8")
    for path in stale:
        print(f"{'wrote' if args.write else 'stale'}: {path.relative_to(ROOT)}", file=sys.stderr)
    return 0 if args.write or not stale else 1


if __name__ == "__main__":
    raise SystemExit(main())
