"""What references look like: every enabled connector's patterns, web URLs and autolinks.

:class:`RuleSet` is compiled from the manifests (each pattern remembers its connector) and
finds every candidate in one line of text, caching the answer by the line's text so an edit
re-matches only the lines it touched. Candidates are not yet references: several connectors
may claim the same text (``#7`` is an issue on GitHub and on GitLab, ``ABC-1`` may be a Jira
key or a team's autolink), and which one applies depends on the document (its repository's
host, the project keys the trackers know). The scanner decides that per document; the
candidates here are context-free so that they can be cached.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from connectors.sdk.manifest import Manifest

from ..autolinks import AutolinkRule
from .model import KINDS, RefKind

#: Any URL: references inside one (``https://x.test/a?b=#12``) are not references, except
#: the whole URL when it is an item page on a connector's web host.
_ANY_URL = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]{1,15}://[^\s<>\"'`]+")
_TRAILING = ".,;:!?'\")]>*_~"
_FIELD = re.compile(r"\{(number|key|scope|sha)\}")

_CACHE_LIMIT = 50_000


@dataclass(frozen=True, slots=True)
class Candidate:
    """A match in one line; ``start``/``end`` are code-point indexes."""

    start: int
    end: int
    kind: RefKind
    priority: int  # lower wins when candidates overlap
    connector: str = ""
    rank: int = 0  # the connector's place in the registry: breaks ties between connectors
    number: int | None = None
    key: str = ""
    scope: str | None = None  # as written in the text (a URL's path, ``owner/repo#``, ``PROJ-``)
    #: Where an item without a written scope belongs: the document's ``repo``, the
    #: connector's ``site``, or its ``account``.
    scope_mode: str = "repo"
    known_scopes: bool = False
    sha: str | None = None
    host: str | None = None  # from a URL
    url: str | None = None
    rule: str = ""
    #: A bare ``#N``: counted only if N can be an issue of the document's repository.
    bare: bool = False


@dataclass(frozen=True)
class _Pattern:
    connector: str
    rank: int
    kind: RefKind
    regex: re.Pattern[str]
    priority: int
    key: str
    scope_mode: str
    known_scopes: bool
    has_scope: bool


@dataclass(frozen=True)
class _UrlPattern:
    connector: str
    rank: int
    kind: RefKind
    path: re.Pattern[str]
    key: str


@dataclass(frozen=True)
class Site:
    """One connector as the rules see it: its manifest and the web hosts whose item pages
    count as references, each with its web base URL (``ghe.corp`` → ``https://ghe.corp``)."""

    manifest: Manifest
    web_hosts: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, manifest: Manifest, extra_hosts: Iterable[str] = ()) -> Site:
        """The manifest's public web host plus ``extra_hosts`` (self-managed, a site)."""
        hosts: dict[str, str] = {}
        if manifest.web_url:
            host = re.sub(r"^https?://", "", manifest.web_url).rstrip("/").lower()
            hosts[host] = manifest.web_url.rstrip("/")
        for h in extra_hosts:
            h = re.sub(r"^https?://", "", h).rstrip("/").lower()
            hosts.setdefault(h, f"https://{h}")
        return cls(manifest, hosts)


def _trim(line: str, start: int, end: int) -> int:
    """Drop trailing punctuation from a URL, keeping a ``)`` that closes one inside it."""
    while end > start and line[end - 1] in _TRAILING:
        if line[end - 1] == ")" and line.count("(", start, end) >= line.count(")", start, end):
            break
        end -= 1
    return end


def _render(template: str, groups: Mapping[str, str | None]) -> str:
    return _FIELD.sub(lambda m: groups.get(m.group(1)) or "", template)


def _default_key(regex: re.Pattern[str]) -> str:
    return "{key}" if "key" in regex.groupindex else "#{number}"


class RuleSet:
    """Compiled reference rules of every enabled connector (plus autolinks). Immutable."""

    def __init__(self, sites: Sequence[Site] = (), *, autolinks: Sequence[AutolinkRule] = ()):
        self.sites = {s.manifest.id: s for s in sites}
        self.rank = {s.manifest.id: i for i, s in enumerate(sites)}
        self._patterns: list[_Pattern] = []
        self._urls: list[_UrlPattern] = []
        self._host_owner: dict[str, str] = {}
        for rank, site in enumerate(sites):
            m = site.manifest
            for p in m.references:
                regex = re.compile(p.regex)
                has_scope = "scope" in regex.groupindex
                # A scope written in the text (owner/repo#N, PROJ-7) is explicit: it wins
                # over a bare #N that happens to overlap.
                priority = 1 if has_scope else 3
                self._patterns.append(
                    _Pattern(
                        m.id,
                        rank,
                        KINDS[p.kind],
                        regex,
                        priority,
                        p.key or _default_key(regex),
                        p.scope,
                        p.known_scopes,
                        has_scope,
                    )
                )
            for u in m.urls:
                path = re.compile(u.path + r"(?![\w-])")
                self._urls.append(
                    _UrlPattern(m.id, rank, KINDS[u.kind], path, u.key or _default_key(path))
                )
            for host in site.web_hosts:
                self._host_owner.setdefault(host, m.id)
        self._url: re.Pattern[str] | None = None
        if self._host_owner:
            hosts = "|".join(re.escape(h) for h in sorted(self._host_owner, key=len, reverse=True))
            self._url = re.compile(rf"\bhttps?://(?P<host>(?i:{hosts}))(?P<path>/[^\s<>\"'`]*)")
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
        """Rules of one connector: its patterns, and item URLs on its public web host and
        on ``enterprise_hosts``."""
        return cls([Site.of(manifest, enterprise_hosts)], autolinks=autolinks)

    @property
    def connectors(self) -> list[str]:
        return list(self.sites)

    # -- web pages ----------------------------------------------------------------------------
    def web_base(self, connector: str, host: str) -> str:
        site = self.sites.get(connector)
        base = site.web_hosts.get(host) if site else None
        return base or f"https://{host}"

    def web_url(
        self,
        connector: str,
        host: str,
        kind: RefKind,
        *,
        scope: str | None,
        number: int | None = None,
        key: str = "",
        sha: str | None = None,
    ) -> str | None:
        """The item's web page from the connector's template, when every field is known."""
        site = self.sites.get(connector)
        if site is None or scope is None:
            return None
        name = {RefKind.PR: "pull_request", RefKind.COMMIT: "commit"}.get(kind, kind.value)
        template = site.manifest.web_urls.for_kind(name)
        if not template:
            return None
        values = {
            "web": self.web_base(connector, host),
            "scope": scope,
            "number": "" if number is None else str(number),
            "key": key,
            "sha": sha or "",
        }
        needed = re.findall(r"\{(\w+)\}", template)
        if any(not values.get(n) for n in needed):
            return None
        return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], template)

    # -- matching -----------------------------------------------------------------------------
    def match_line(self, line: str) -> tuple[Candidate, ...]:
        """Every candidate in ``line``, by position (overlaps included; cached by text)."""
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
                    found.extend(self._url_candidates(line, m))

        def in_url(s: int, e: int) -> bool:
            return any(us < e and s < ue for us, ue in urls)

        for p in self._patterns:
            for m in p.regex.finditer(line):
                s, e = m.span()
                if e == s or in_url(s, e):
                    continue
                # A bare "#N" names the document's own repository; "&#N" is an HTML entity.
                bare = not p.has_scope and line[s] in "#!"
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
                        connector=p.connector,
                        rank=p.rank,
                        number=int(num) if num else None,
                        key=_render(p.key, groups),
                        scope=groups.get("scope"),
                        scope_mode=p.scope_mode,
                        known_scopes=p.known_scopes,
                        sha=groups.get("sha"),
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
        found.sort(key=lambda c: (c.start, c.start - c.end, c.priority, c.rank))
        return tuple(found)

    def _url_candidates(self, line: str, m: re.Match[str]) -> list[Candidate]:
        host = m.group("host").lower()
        owner = self._host_owner[host]
        start = m.start()
        end = _trim(line, start, m.end())
        path = line[m.start("path") : end]
        out: list[Candidate] = []
        for u in self._urls:
            if u.connector != owner:
                continue
            pm = u.path.match(path)
            if pm is None:
                continue
            groups = pm.groupdict()
            num = groups.get("number")
            out.append(
                Candidate(
                    start,
                    end,
                    u.kind,
                    0,
                    connector=u.connector,
                    rank=u.rank,
                    number=int(num) if num else None,
                    key=_render(u.key, groups),
                    scope=groups.get("scope"),
                    sha=groups.get("sha"),
                    host=host,
                    url=line[start:end],
                )
            )
            break
        return out
