"""A Markdown document's YAML front matter: what a post takes from it, and the record of
where the document was published, written back into it.

The front matter is the YAML mapping between a first line ``---`` and the next ``---`` (or
``...``) line. The keys read, with the names static-site generators use for them:

- ``title``; ``tags`` (a list, or one comma-separated string; ``categories`` too);
- ``description`` (or ``excerpt``, ``summary``); ``canonical_url`` (or ``canonical``);
- ``cover_image`` (or ``cover``, ``image``, ``feature_image``);
- ``status: draft|published``, or ``published: true|false``, or ``draft: true|false``.

What publishing records is kept under ``tieline.publish.<connector>``: ``id``, ``url``,
``updated_at`` (the version an update names), ``status`` and ``images`` (each local image's
uploaded URL and SHA-256), so publishing again updates the same post and uploads only the
images that changed.
Writing the record re-serialises the front matter (its keys in their order; comments in it
are not kept).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import yaml

from connectors.sdk.publishing import PostStatus

_OPEN = re.compile(r"\A(?:\ufeff)?---[ \t]*\r?\n")
_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.MULTILINE)


class FrontMatterError(ValueError):
    """The front matter is not a YAML mapping."""


@dataclass
class Split:
    """A document cut in two: its front matter (parsed) and the Markdown after it.

    ``end`` is the offset where the body starts (0 without front matter); ``lines`` the
    number of lines the front matter and its fences take."""

    data: dict[str, Any]
    body: str
    end: int
    lines: int
    present: bool


def split(text: str) -> Split:
    opened = _OPEN.match(text)
    if opened is None:
        return Split({}, text, 0, 0, False)
    closed = _CLOSE.search(text, opened.end())
    if closed is None:
        return Split({}, text, 0, 0, False)
    raw = text[opened.end() : closed.start()]
    try:
        data = yaml.safe_load(raw) if raw.strip() else {}
    except yaml.YAMLError as exc:
        raise FrontMatterError(f"the front matter is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise FrontMatterError("the front matter is not a YAML mapping")
    end = closed.end()
    return Split(data, text[end:], end, text[:end].count("\n"), True)


def _first(data: dict[str, Any], *names: str) -> Any:
    for n in names:
        if data.get(n) not in (None, ""):
            return data[n]
    return None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip() or None


def _tags(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else list(value)
    out: list[str] = []
    for t in items:
        s = str(t).strip()
        if s and s not in out:
            out.append(s)
    return tuple(out)


@dataclass(frozen=True)
class UploadedImage:
    """A local image as uploaded: its URL on the service and the SHA-256 of its bytes."""

    url: str
    sha256: str


@dataclass
class PostRecord:
    """Where a document was published on one service."""

    id: str
    url: str | None = None
    updated_at: str | None = None
    #: The post's status when it was last published from here.
    status: str | None = None
    #: Local image source (as the document names it) -> the image uploaded for it.
    images: dict[str, UploadedImage] = field(default_factory=dict)

    def as_yaml(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id}
        if self.url:
            out["url"] = self.url
        if self.updated_at:
            out["updated_at"] = self.updated_at
        if self.status:
            out["status"] = self.status
        if self.images:
            out["images"] = {
                src: {"url": i.url, "sha256": i.sha256} for src, i in self.images.items()
            }
        return out


def _images(value: Any) -> dict[str, UploadedImage]:
    out: dict[str, UploadedImage] = {}
    if isinstance(value, dict):
        for src, i in value.items():
            if isinstance(i, dict) and isinstance(i.get("url"), str):
                out[str(src)] = UploadedImage(i["url"], str(i.get("sha256") or ""))
    return out


@dataclass
class Meta:
    """What a post takes from the front matter."""

    title: str | None = None
    tags: tuple[str, ...] = ()
    description: str = ""
    canonical_url: str | None = None
    cover_image: str | None = None
    status: PostStatus | None = None
    records: dict[str, PostRecord] = field(default_factory=dict)


def meta(data: dict[str, Any]) -> Meta:
    status: PostStatus | None = None
    said = _text(data.get("status"))
    if said is not None and said.lower() in ("draft", "published"):
        status = "published" if said.lower() == "published" else "draft"
    elif isinstance(data.get("published"), bool):
        status = "published" if data["published"] else "draft"
    elif isinstance(data.get("draft"), bool):
        status = "draft" if data["draft"] else "published"
    records: dict[str, PostRecord] = {}
    tl = data.get("tieline")
    pub = tl.get("publish") if isinstance(tl, dict) else None
    if isinstance(pub, dict):
        for service, rec in pub.items():
            if isinstance(rec, dict) and rec.get("id") not in (None, ""):
                records[str(service)] = PostRecord(
                    str(rec["id"]),
                    _text(rec.get("url")),
                    _text(rec.get("updated_at")),
                    _text(rec.get("status")),
                    _images(rec.get("images")),
                )
    tags = _tags(_first(data, "tags", "categories"))
    return Meta(
        title=_text(data.get("title")),
        tags=tags,
        description=_text(_first(data, "description", "excerpt", "summary")) or "",
        canonical_url=_text(_first(data, "canonical_url", "canonical")),
        cover_image=_text(_first(data, "cover_image", "cover", "image", "feature_image")),
        status=status,
        records=records,
    )


def with_record(data: dict[str, Any], service: str, record: PostRecord) -> dict[str, Any]:
    """``data`` with ``tieline.publish.<service>`` set to ``record`` (a new mapping)."""
    out = dict(data)
    tl = dict(out.get("tieline") or {}) if isinstance(out.get("tieline"), dict) else {}
    pub = dict(tl.get("publish") or {}) if isinstance(tl.get("publish"), dict) else {}
    pub[service] = record.as_yaml()
    tl["publish"] = pub
    out["tieline"] = tl
    return out


def render(data: dict[str, Any]) -> str:
    """Front matter with its fences, ending in a newline."""
    dumped = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False)
    return f"---\n{dumped}---\n"


__all__ = [
    "FrontMatterError",
    "Meta",
    "PostRecord",
    "Split",
    "UploadedImage",
    "meta",
    "render",
    "split",
    "with_record",
]
