"""What a documentation set holds: entries (a name, its kind, where its page is) and the set's
own description. Entries are named tuples, not pydantic models: a large docset has a few
hundred thousand of them and they are built once, at load, where pydantic's validation would
cost seconds for data a trusted reader just parsed. Results leave the hub as
:class:`DocResult` (pydantic), the shape the CLI and the LSP layer use."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

SetKind = Literal["inventory", "dash", "devdocs", "stdlib"]


class DocEntry(NamedTuple):
    """One documented thing. ``url`` is absolute (``https://``, or ``file://`` for a local
    HTML docset); ``summary`` is empty where the index carries none (intersphinx inventories
    and Dash indexes name things; they do not describe them). A named tuple: built ~5x
    faster than a frozen dataclass, which matters at a few hundred thousand per docset."""

    name: str
    kind: str
    url: str
    set_id: str
    summary: str = ""
    #: A local HTML page for this entry (Dash docsets), opened in an editor's preview.
    local: str | None = None
    #: Lower priority sorts first; Sphinx's ``-1`` (hidden in its own search) sorts last.
    priority: int = 1


@dataclass
class DocSet:
    """A set as a reader returns it (its entries, written to the set's index, then dropped)
    and as the library describes it afterwards (no entries: what the panel says)."""

    id: str
    kind: SetKind
    title: str
    languages: tuple[str, ...]
    entries: list[DocEntry] = field(default_factory=list)
    source: str = ""  # where the index came from: a URL, a path, "this interpreter"
    version: str = ""


class DocResult(BaseModel):
    """A search or lookup result as the hub's callers (CLI, LSP) see it; camelCase on the
    wire (``model_dump(by_alias=True)``), like LSP's own fields."""

    model_config = ConfigDict(frozen=True, alias_generator=to_camel, populate_by_name=True)

    name: str
    kind: str
    url: str
    set_id: str
    set_title: str
    summary: str = ""
    local: str | None = None

    @classmethod
    def of(cls, entry: DocEntry, title: str) -> DocResult:
        return cls(
            name=entry.name,
            kind=entry.kind,
            url=entry.url,
            set_id=entry.set_id,
            set_title=title,
            summary=entry.summary,
            local=entry.local,
        )


class SetInfo(BaseModel):
    """An installed (configured) set and its state, for the Docs panel and ``doctor``."""

    model_config = ConfigDict(frozen=True, alias_generator=to_camel, populate_by_name=True)

    id: str
    kind: SetKind
    title: str
    languages: tuple[str, ...]
    entries: int
    source: str
    version: str = ""
    error: str | None = None
