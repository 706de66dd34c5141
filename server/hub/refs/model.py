"""What the reference scanner finds: a :class:`Reference` with an LSP range and a target.

These are plain frozen dataclasses, not lsprotocol types, so the hub stays free of the LSP
layer; a handler turns :class:`TextRange` into ``lsprotocol.types.Range`` in one line.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from connectors.sdk.models import RepoRef


class RefKind(enum.StrEnum):
    """What a reference names. ``ANY`` is an issue-or-PR number (``#12``): GitHub shares one
    number space between both and only the service can tell which it is."""

    ISSUE = "issue"
    PR = "pr"
    ANY = "any"
    COMMIT = "commit"
    AUTOLINK = "autolink"


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
class IssueTarget:
    """An issue or pull request. ``repo`` is ``None`` when the document's repository is
    unknown (a bare ``#12`` outside any configured repository)."""

    repo: RepoRef | None
    number: int

    def web_url(self, kind: RefKind) -> str | None:
        if self.repo is None:
            return None
        segment = "pull" if kind is RefKind.PR else "issues"  # GitHub redirects issues/N to a PR
        return (
            f"https://{self.repo.host}/{self.repo.owner}/{self.repo.name}/{segment}/{self.number}"
        )


@dataclass(frozen=True, slots=True)
class CommitTarget:
    repo: RepoRef | None
    sha: str

    def web_url(self, kind: RefKind) -> str | None:
        if self.repo is None:
            return None
        return f"https://{self.repo.host}/{self.repo.owner}/{self.repo.name}/commit/{self.sha}"


@dataclass(frozen=True, slots=True)
class LinkTarget:
    """A reference resolved by an autolink rule: just a URL (no connector needed)."""

    url: str
    rule: str

    def web_url(self, kind: RefKind) -> str | None:
        return self.url


Target = IssueTarget | CommitTarget | LinkTarget


@dataclass(frozen=True, slots=True)
class Reference:
    """One reference found in a document."""

    range: TextRange
    kind: RefKind
    target: Target
    text: str
    #: The web page of the target when it can be known without asking the service: the URL
    #: as written, an autolink's URL, or the repository's issue/PR/commit page.
    url: str | None = None
