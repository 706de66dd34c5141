"""What the reference scanner finds: a :class:`Reference` with an LSP range and a target.

These are plain frozen dataclasses, not lsprotocol types, so the hub stays free of the LSP
layer; a handler turns :class:`TextRange` into ``lsprotocol.types.Range`` in one line.

Every item target names its connector, the host, the scope and the key (``github
github.com octo/app #7``, ``gitlab gitlab.com group/sub/project !3``, ``jira
acme.atlassian.net PROJ PROJ-7``), so a Jira key never resolves to a GitHub issue.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from connectors.sdk.models import ItemKind, ItemRef


class RefKind(enum.StrEnum):
    """What a reference names. ``ANY`` is an issue-or-PR number (``#12``): GitHub shares one
    number space between both and only the service can tell which it is."""

    ISSUE = "issue"
    PR = "pr"
    ANY = "any"
    COMMIT = "commit"
    AUTOLINK = "autolink"


#: Manifest kind names → reference kinds, and reference kinds → item kinds.
KINDS = {
    "issue": RefKind.ISSUE,
    "pull_request": RefKind.PR,
    "commit": RefKind.COMMIT,
    "any": RefKind.ANY,
}
ITEM_KINDS = {
    RefKind.ISSUE: ItemKind.ISSUE,
    RefKind.PR: ItemKind.PULL_REQUEST,
    RefKind.ANY: ItemKind.ANY,
    RefKind.COMMIT: ItemKind.COMMIT,
}


@dataclass(frozen=True, slots=True)
class TextRange:
    """A single-line range; ``start``/``end`` are columns in the scan's position encoding
    (UTF-16 code units unless negotiated otherwise). References never span lines."""

    line: int
    start: int
    end: int

    def contains(self, line: int, character: int) -> bool:
        """True when the position is on the reference, its end included (a cursor just
        after ``#12`` still means ``#12``)."""
        return line == self.line and self.start <= character <= self.end


@dataclass(frozen=True, slots=True)
class ItemTarget:
    """An issue, pull/merge request or work item of one connector. ``scope`` is ``None``
    when the document's repository is unknown (a bare ``#12`` outside any clone)."""

    connector: str
    host: str
    scope: str | None
    key: str
    number: int | None = None
    kind: RefKind = RefKind.ANY

    @property
    def ref(self) -> ItemRef | None:
        """The item's identity, once its scope is known."""
        if self.scope is None:
            return None
        return ItemRef(
            connector=self.connector,
            host=self.host,
            scope=self.scope,
            key=self.key,
            number=self.number,
            kind=ITEM_KINDS.get(self.kind, ItemKind.ANY),
        )

    @property
    def label(self) -> str:
        if self.scope is not None and self.key and not self.key[0].isalnum():
            return f"{self.scope}{self.key}"
        return self.key

    @property
    def item_id(self) -> str | None:
        """``self.ref.id`` without building the ref: the key of the item in an index
        (``github:github.com:octo/app#7``), once the scope is known."""
        if self.scope is None:
            return None
        return f"{self.connector}:{self.host}:{self.label}"


@dataclass(frozen=True, slots=True)
class CommitTarget:
    connector: str
    host: str
    scope: str | None
    sha: str


@dataclass(frozen=True, slots=True)
class LinkTarget:
    """A reference resolved by an autolink rule: just a URL (no connector needed)."""

    url: str
    rule: str


Target = ItemTarget | CommitTarget | LinkTarget


@dataclass(frozen=True, slots=True)
class Reference:
    """One reference found in a document."""

    range: TextRange
    kind: RefKind
    target: Target
    text: str
    #: The web page of the target when it can be known without asking the service: the URL
    #: as written, an autolink's URL, or the page the connector's web-URL template gives.
    url: str | None = None
