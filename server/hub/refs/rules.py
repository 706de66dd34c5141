"""What a reference looks like: the connector's patterns, web URLs and autolink rules.

:class:`RuleSet` finds every candidate in one line of text and caches the answer by the
line's text, so an edit re-matches only the lines it touched. Candidates are not yet
references: the scanner still checks that a source line's match lies inside a comment or
string, binds ``#12`` to the document's repository and applies the issue-number bound.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from connectors.sdk.manifest import Manifest, ReferencePattern

from ..autolinks import AutolinkRule
from .model import RefKind

_KIND = {
    "issue": RefKind.ISSUE,
    "pull_request": RefKind.PR,
    "commit": RefKind.COMMIT,
    "any": RefKind.ANY,
}
_URL_KIND = {"issues": RefKind.ISSUE, "pull": RefKind.PR, "commit": RefKind.COMMIT}

#: Any URL: references inside one (``https://x.test/a?b=#12``) are not references, except
#: the whole URL when it is an issue/PR/commit page on a configured host.
_ANY_URL = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]{1,15}://[^\s<>\"'`]+")
_TRAILING = ".,;:!?'\")]>*_~"

_CACHE_LIMIT = 50_000


@dataclass(frozen=True, slots=True)
class Candidate:
    """A match in one line; ``start``/``end`` are code-point indexes."""

    start: int
    end: int
    kind: RefKind
    priority: int  # lower wins when candidates overlap
    number: int | None = None
    sha: str | None = None
    owner: str | None = None
    name: str | None = None
    host: str | None = None
    url: str | None = None
    rule: str = ""
    #: A bare ``#N``: counted only if N can be an issue of the document's repository.
    bare: bool = False


@dataclass(frozen=True)
class _Pattern:
    kind: RefKind
    regex: re.Pattern[str]
    priority: int
    has_repo: bool


def _trim(line: str, start: int, end: int) -> int:
    """Drop trailing punctuation from a URL, keeping a ``)`` that closes one inside it."""
    while end > start and line[end - 1] in _TRAILING:
        if line[end - 1] == ")" and line.count("(", start, end) >= line.count(")", start, end):
            break
        end -= 1
    return end


class RuleSet:
    """Compiled reference rules for one connector (plus autolinks). Immutable once built."""

    def __init__(
        self,
        patterns: Iterable[ReferencePattern] = (),
        *,
        web_hosts: Sequence[str] = (),
        autolinks: Sequence[AutolinkRule] = (),
    ) -> None:
        self._patterns: list[_Pattern] = []
        for p in patterns:
            regex = re.compile(p.regex)
            groups = regex.groupindex
            has_repo = "owner" in groups and "repo" in groups
            self._patterns.append(_Pattern(_KIND[p.kind], regex, 1 if has_repo else 3, has_repo))
        self.web_hosts = tuple(h.lower() for h in web_hosts)
        self._url: re.Pattern[str] | None = None
        if self.web_hosts:
            hosts = "|".join(re.escape(h) for h in sorted(self.web_hosts, key=len, reverse=True))
            self._url = re.compile(
                rf"\bhttps?://(?P<host>(?i:{hosts}))/"
                r"(?P<owner>[A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))/(?P<repo>[A-Za-z0-9._-]{1,100})/"
                r"(?:(?P<seg>issues|pull)/(?P<number>\d{1,9})|(?P<commit>commit)/(?P<sha>[0-9a-fA-F]{7,40}))"
                r"(?![\w-])[^\s<>\"'`]*"
            )
        self.autolinks = tuple(autolinks)
        self._cache: dict[str, tuple[Candidate, ...]] = {}

    @classmethod
    def from_manifest(
        cls,
        manifest: Manifest,
        *,
        enterprise_hosts: Sequence[str] = (),
        autolinks: Sequence[AutolinkRule] = (),
    ) -> RuleSet:
        """Rules for a connector: its reference patterns, and issue/PR/commit URLs on its web
        host and on any GitHub Enterprise hosts from config."""
        hosts: list[str] = []
        if manifest.web_url:
            hosts.append(re.sub(r"^https?://", "", manifest.web_url).rstrip("/"))
        hosts.extend(enterprise_hosts)
        return cls(manifest.references, web_hosts=hosts, autolinks=autolinks)

    def match_line(self, line: str) -> tuple[Candidate, ...]:
        """Non-overlapping candidates in ``line``, left to right (cached by line text)."""
        hit = self._cache.get(line)
        if hit is None:
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            hit = self._cache[line] = self._match(line)
        return hit

    def _match(self, line: str) -> tuple[Candidate, ...]:
        found: list[Candidate] = []
        urls: list[tuple[int, int]] = []
        if "://" in line:
            for m in _ANY_URL.finditer(line):
                urls.append((m.start(), _trim(line, m.start(), m.end())))
            if self._url is not None:
                for m in self._url.finditer(line):
                    end = _trim(line, m.start(), m.end())
                    kind = _URL_KIND[m.group("seg") or m.group("commit")]
                    num = m.group("number")
                    found.append(
                        Candidate(
                            m.start(),
                            end,
                            kind,
                            0,
                            number=int(num) if num else None,
                            sha=m.group("sha"),
                            owner=m.group("owner"),
                            name=m.group("repo"),
                            host=m.group("host").lower(),
                            url=line[m.start() : end],
                        )
                    )

        def in_url(s: int, e: int) -> bool:
            return any(us < e and s < ue for us, ue in urls)

        for p in self._patterns:
            for m in p.regex.finditer(line):
                s, e = m.span()
                if e == s or in_url(s, e):
                    continue
                # A bare "#N" names the document's own repository; "&#N" is an HTML entity.
                bare = not p.has_repo and line[s] == "#"
                if bare and s > 0 and line[s - 1] == "&":
                    continue
                groups = m.groupdict()
                num = groups.get("number")
                found.append(
                    Candidate(
                        s,
                        e,
                        p.kind,
                        p.priority,
                        number=int(num) if num else None,
                        sha=groups.get("sha"),
                        owner=groups.get("owner"),
                        name=groups.get("repo"),
                        bare=bare,
                    )
                )
        for rule in self.autolinks:
            for m in rule.finditer(line):
                s, e = m.span()
                if in_url(s, e):
                    continue
                found.append(
                    Candidate(s, e, RefKind.AUTOLINK, 2, url=rule.url_for(m), rule=rule.name)
                )
        if not found:
            return ()
        found.sort(key=lambda c: (c.start, c.start - c.end, c.priority))
        kept: list[Candidate] = []
        last_end = -1
        for c in found:
            if c.start >= last_end:
                kept.append(c)
                last_end = c.end
        return tuple(kept)
