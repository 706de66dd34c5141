"""Find references in a document, fast enough to run on every keystroke.

Three caches make the warm path cheap: the whole answer per ``(uri, version, context)``; the
lexer's comment/string spans per document, updated incrementally (:mod:`.lexing`); and the
candidates per line text (:class:`.rules.RuleSet`). A new version of a 5,000-line file with
an edit in one line re-lexes a few lines and re-matches one.
"""

from __future__ import annotations

import functools
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import unquote

from connectors.sdk.models import RepoRef

from .lexing import MAX_LINE, Lexed, Span, common_ends, is_prose, lex, lexer_for
from .model import CommitTarget, ItemTarget, LinkTarget, Reference, RefKind, Target, TextRange
from .positions import Encoding, column, index_of, split_lines
from .rules import Candidate, RuleSet

_V = TypeVar("_V")


@dataclass(frozen=True)
class ScanContext:
    """What the scan needs to know about the document's place in the world.

    Plain data (tuples), so two contexts compare equal when they mean the same thing: the
    scanner caches a document's answer per version *and* context.
    """

    #: The document's repositories by connector (``("github", octo/app)``), preferred first;
    #: a bare ``#12`` means an item of one of these.
    repos: tuple[tuple[str, RepoRef], ...] = ()
    #: Each connector's host for items whose scope is not written as a repository: a
    #: site's host (Jira), the account's host (Linear), the public host of a code host.
    hosts: tuple[tuple[str, str], ...] = ()
    #: Project/team keys each key-based tracker has (``PROJ-7`` counts, ``UTF-8`` not).
    known: tuple[tuple[str, frozenset[str]], ...] = ()
    #: The highest item number known per ``connector:scope``: a bare ``#N`` above it is
    #: no issue (a colour, an anchor). No bound: every number counts.
    bounds: tuple[tuple[str, int], ...] = ()
    #: Column unit of the returned ranges: LSP's default is UTF-16.
    encoding: Encoding = "utf-16"

    @classmethod
    def single(
        cls,
        repo: RepoRef | None,
        *,
        connector: str = "github",
        highest: int | None = None,
        default_host: str = "github.com",
        encoding: Encoding = "utf-16",
    ) -> ScanContext:
        """A context for one code host's repository (tests, scripts)."""
        return cls(
            repos=((connector, repo),) if repo else (),
            hosts=((connector, repo.host if repo else default_host),),
            bounds=((f"{connector}:{repo.full_name}", highest),) if repo and highest else (),
            encoding=encoding,
        )

    @functools.cached_property
    def _repos(self) -> dict[str, RepoRef]:
        return dict(self.repos)

    @functools.cached_property
    def _hosts(self) -> dict[str, str]:
        return dict(self.hosts)

    @functools.cached_property
    def _known(self) -> dict[str, frozenset[str]]:
        return dict(self.known)

    @functools.cached_property
    def _bounds(self) -> dict[str, int]:
        return dict(self.bounds)

    @functools.cached_property
    def _order(self) -> dict[str, int]:
        return {c: i for i, (c, _) in enumerate(self.repos)}

    def repo(self, connector: str) -> RepoRef | None:
        return self._repos.get(connector)

    def host(self, connector: str) -> str | None:
        return self._hosts.get(connector)

    def knows(self, connector: str, scope: str) -> bool:
        keys = self._known.get(connector)
        return keys is not None and scope in keys

    def within_bound(self, connector: str, scope: str, number: int) -> bool:
        highest = self._bounds.get(f"{connector}:{scope}")
        return highest is None or 1 <= number <= highest

    def preference(self, connector: str, rank: int) -> tuple[int, int]:
        """Which connector a shared reference (``#7``) means: the document's own code host
        first, then the registry's order."""
        return (self._order.get(connector, len(self._order)), rank)


def _filename(uri: str | None) -> str | None:
    if not uri:
        return None
    return unquote(uri.rsplit("/", 1)[-1].split("?", 1)[0])


def _inside(spans: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    for s, e in spans:
        if s <= start and end <= e:
            return True
        if s >= end:
            return False
    return False


_UNSET: Any = object()  # a document's lexer, not looked up yet (it had no candidates)


@dataclass(slots=True)
class _Scanned:
    """One version's scan of a document, kept so that the next version reuses every line an
    edit did not touch: its candidates, and -- when its comment/string spans and the context
    are the same -- its very :class:`Reference` objects (moved to the new line number when
    lines were inserted or deleted above it)."""

    version: int | None
    ctx: ScanContext
    lexer: Any  # what the spans came from: a grammar, a Pygments lexer, None (prose), _UNSET
    lines: list[str]
    #: Lines with candidates, in order: line number -> its candidates (never empty).
    cands: dict[int, tuple[Candidate, ...]]
    spans: tuple[tuple[Span, ...], ...] | None
    #: Lines with references, in order: line number -> its references (never empty).
    rows: dict[int, tuple[Reference, ...]]
    refs: list[Reference]


def _moved(refs: tuple[Reference, ...], line: int) -> tuple[Reference, ...]:
    return tuple(
        Reference(TextRange(line, r.range.start, r.range.end), r.kind, r.target, r.text, r.url)
        for r in refs
    )


class ReferenceScanner:
    """Scans documents with one :class:`RuleSet`, remembering recent documents."""

    def __init__(self, rules: RuleSet, *, max_documents: int = 64) -> None:
        self.rules = rules
        remote = [
            rules.rank[cid]
            for cid, site in rules.sites.items()
            if site.manifest.attach.kind == "remote"
        ]
        self._first_remote = min(remote, default=0)
        self._max = max_documents
        self._results: OrderedDict[str, _Scanned] = OrderedDict()
        self._lexed: OrderedDict[str, Lexed] = OrderedDict()

    def scan(
        self,
        text: str,
        *,
        language_id: str | None = None,
        uri: str | None = None,
        version: int | None = None,
        context: ScanContext | None = None,
    ) -> list[Reference]:
        """Every reference in ``text``, sorted by position.

        In Markdown, plain text and commit messages references count everywhere; in source
        code only inside comments and strings. Pass ``uri`` (and ``version``) so repeated and
        incremental scans of the same document reuse earlier work: the same version and
        context answer the very list of before, and a new version whose references are all
        the same as the previous one's (an edit that touched none) answers it too.
        """
        ctx = context or ScanContext()
        prev = self._results.get(uri) if uri is not None else None
        if prev is not None and version is not None and prev.version == version and prev.ctx == ctx:
            self._results.move_to_end(uri)  # type: ignore[arg-type]
            return prev.refs
        lines = split_lines(text)
        n = len(lines)
        first = suffix = shift = 0
        if prev is None:
            cands = self._candidates(lines, 0, n)
        else:
            m = len(prev.lines)
            first, suffix = common_ends(lines, prev.lines)
            shift = n - m
            cands = {}
            tail = m - suffix
            for i, found in prev.cands.items():
                if i >= first:
                    break
                cands[i] = found
            cands.update(self._candidates(lines, first, n - suffix))
            if suffix:
                for i, found in prev.cands.items():
                    if i >= tail:
                        cands[i + shift] = found
        lexer: Any = _UNSET
        spans: tuple[tuple[Span, ...], ...] | None = None
        if cands:
            filename = _filename(uri)
            lexer = None if is_prose(language_id, filename) else lexer_for(language_id, filename)
            if lexer is not None:
                previous = self._lexed.pop(uri, None) if uri else None
                lexed = lex(lexer, lines, previous)
                if uri:
                    self._remember(self._lexed, uri, lexed)
                spans = lexed.spans
        rows: dict[int, tuple[Reference, ...]] = {}
        refs: list[Reference] = []
        # References of a line are a function of its text, its spans and the context: a
        # line outside the edit keeps its references when its spans and the context did.
        reuse = prev is not None and prev.lexer is lexer and prev.ctx == ctx
        old_rows = prev.rows if prev is not None else {}
        old_spans = prev.spans if prev is not None else None
        kept = 0  # rows that are the previous version's very tuples, on the same line
        stable = n - suffix
        for i, found in cands.items():
            oi = i if i < first else i - shift if i >= stable else -1
            got: tuple[Reference, ...] | None = None
            if (
                reuse
                and oi >= 0
                and (
                    spans is None
                    or old_spans is None
                    or spans[i] is old_spans[oi]
                    or spans[i] == old_spans[oi]
                )
            ):
                got = old_rows.get(oi)
                if got is not None and oi != i:
                    got = _moved(got, i)
            else:
                if spans is not None:
                    row = spans[i]
                    found = tuple(c for c in found if _inside(row, c.start, c.end))
                got = tuple(self._choose(lines[i], i, found, ctx)) or None
            if got is None:
                continue
            before = old_rows.get(i)
            if before is not None and (before is got or before == got):
                # The same references as before on this line: keep the old objects, so that
                # what was built from them (lenses, links) is reused too.
                got = before
                kept += 1
            rows[i] = got
            refs.extend(got)
        if prev is not None and kept == len(rows) == len(prev.rows):
            refs = prev.refs  # nothing moved or changed: the very list of before
        if uri is not None:
            scanned = _Scanned(version, ctx, lexer, lines, cands, spans, rows, refs)
            self._remember(self._results, uri, scanned)
        return refs

    def _candidates(self, lines: list[str], lo: int, hi: int) -> dict[int, tuple[Candidate, ...]]:
        """Candidates of lines ``lo..hi-1`` that have any, by line."""
        out: dict[int, tuple[Candidate, ...]] = {}
        match = self.rules.match_line
        for i in range(lo, hi):
            line = lines[i]
            if line and len(line) <= MAX_LINE:
                found = match(line)
                if found:
                    out[i] = found
        return out

    def forget(self, uri: str) -> None:
        """Drop what is cached for a closed document."""
        self._results.pop(uri, None)
        self._lexed.pop(uri, None)

    def in_prose(
        self,
        text: str,
        line: int,
        character: int,
        *,
        language_id: str | None = None,
        uri: str | None = None,
        encoding: Encoding = "utf-16",
    ) -> bool:
        """Is the position in prose: anywhere in Markdown/plain text/commit messages, inside a
        comment or string in source code? Completion of ``#``/``@`` is offered only there."""
        filename = _filename(uri)
        if is_prose(language_id, filename):
            return True
        lexer = lexer_for(language_id, filename)
        if lexer is None:
            return True
        lines = split_lines(text)
        if not 0 <= line < len(lines) or len(lines[line]) > MAX_LINE:
            return False
        previous = self._lexed.pop(uri, None) if uri else None
        lexed = lex(lexer, lines, previous)
        if uri:
            self._remember(self._lexed, uri, lexed)
        index = index_of(lines[line], character, encoding)
        # The character just typed sits before the cursor: look one to the left.
        probe = max(0, index - 1)
        return _inside(lexed.spans[line], probe, probe + 1)

    def _remember(self, cache: OrderedDict[str, _V], uri: str, value: _V) -> None:
        cache[uri] = value
        cache.move_to_end(uri)
        while len(cache) > self._max:
            cache.popitem(last=False)

    def _host(self, connector: str, ctx: ScanContext) -> str:
        """The host a reference of ``connector`` means when the text does not say."""
        return ctx.host(connector) or self.rules.sites[connector].manifest.default_host

    def _choose(
        self, line: str, i: int, found: Sequence[Candidate], ctx: ScanContext
    ) -> list[Reference]:
        """Non-overlapping references, left to right: at each position the first candidate
        that applies to this document, with candidates of one span ordered by which
        connector the document prefers."""
        out: list[Reference] = []
        last_end = -1
        k = 0
        n = len(found)
        while k < n:
            c = found[k]
            j = k + 1
            while j < n and found[j].start == c.start and found[j].end == c.end:
                j += 1
            group = found[k:j]
            k = j
            if c.start < last_end:
                continue
            if len(group) > 1:
                group = sorted(
                    group, key=lambda g: (g.priority, *ctx.preference(g.connector, g.rank))
                )
            for cand in group:
                ref = self._build(line, i, cand, ctx)
                if ref is not None:
                    out.append(ref)
                    last_end = cand.end
                    break
        return out

    def _build(self, line: str, i: int, c: Candidate, ctx: ScanContext) -> Reference | None:
        target: Target
        url = c.url
        if c.kind is RefKind.AUTOLINK:
            assert c.url is not None
            target = LinkTarget(c.url, c.rule)
        else:
            located = self._locate(c, ctx)
            if located is None:
                return None
            host, scope = located
            if c.sha:
                target = CommitTarget(c.connector, host, scope, c.sha.lower())
            elif c.key:
                target = ItemTarget(c.connector, host, scope, c.key, c.number, c.kind)
            else:
                return None
            if url is None:
                url = self.rules.web_url(
                    c.connector,
                    host,
                    c.kind,
                    scope=scope,
                    number=c.number,
                    key=c.key,
                    sha=c.sha.lower() if c.sha else None,
                )
        enc = ctx.encoding
        return Reference(
            range=TextRange(i, column(line, c.start, enc), column(line, c.end, enc)),
            kind=c.kind,
            target=target,
            text=line[c.start : c.end],
            url=url,
        )

    def _locate(self, c: Candidate, ctx: ScanContext) -> tuple[str, str | None] | None:
        """``(host, scope)`` of a candidate in this document, or ``None`` when it does not
        apply here (a bare ``#N`` of a host the document is not on, ``UTF-8``...)."""
        if c.host is not None:  # a pasted URL names everything
            return c.host, c.scope
        if c.scope_mode == "repo":
            repo = ctx.repo(c.connector)
            if c.scope is not None:  # owner/repo#N: on the document's host of this connector
                return (repo.host if repo else self._host(c.connector, ctx)), c.scope
            if repo is not None:
                if (
                    c.bare
                    and c.number
                    and not ctx.within_bound(c.connector, repo.full_name, c.number)
                ):
                    return None
                return repo.host, repo.full_name
            # No repository for this connector: a bare number only means something when the
            # document is in no clone at all, and then only for the first code host (the
            # hover says the folder is not a clone rather than staying silent).
            if ctx.repos or c.rank != self._first_remote:
                return None
            return self._host(c.connector, ctx), None
        site = self.rules.sites[c.connector].manifest.attach.kind == "site"
        host = ctx.host(c.connector) if site else self._host(c.connector, ctx)
        if host is None or c.scope is None:
            return None
        if c.known_scopes and not ctx.knows(c.connector, c.scope):
            return None
        return host, c.scope


def reference_at(refs: Sequence[Reference], line: int, character: int) -> Reference | None:
    """The reference under an LSP position, by binary search over ``refs`` (which must be
    sorted by position, as :meth:`ReferenceScanner.scan` returns them)."""
    i = bisect_right(refs, (line, character), key=lambda r: (r.range.line, r.range.start))
    if i and refs[i - 1].range.contains(line, character):
        return refs[i - 1]
    return None


def scan(
    text: str,
    rules: RuleSet,
    *,
    language_id: str | None = None,
    uri: str | None = None,
    context: ScanContext | None = None,
) -> list[Reference]:
    """One-off scan without caching across calls (tests, scripts)."""
    return ReferenceScanner(rules).scan(text, language_id=language_id, uri=uri, context=context)


__all__ = ["ReferenceScanner", "ScanContext", "index_of", "reference_at", "scan"]
