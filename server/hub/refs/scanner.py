"""Find references in a document, fast enough to run on every keystroke.

Three caches make the warm path cheap: the whole answer per ``(uri, version, context)``; the
lexer's comment/string spans per document, updated incrementally (:mod:`.lexing`); and the
candidates per line text (:class:`.rules.RuleSet`). A new version of a 5,000-line file with
an edit in one line re-lexes a few lines and re-matches one.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import unquote

from connectors.sdk.models import RepoRef

from .lexing import MAX_LINE, Lexed, is_prose, lex, lexer_for
from .model import CommitTarget, IssueTarget, LinkTarget, Reference, RefKind, Target, TextRange
from .positions import Encoding, column, index_of, split_lines
from .rules import Candidate, RuleSet

IssuePredicate = Callable[[int], bool]
_V = TypeVar("_V")


def up_to(highest: int) -> IssuePredicate:
    """An issue predicate from the highest issue/PR number known in the repository."""

    def known(number: int) -> bool:
        return 1 <= number <= highest

    return known


@dataclass(frozen=True)
class ScanContext:
    """What the scan needs to know about the document's place in the world."""

    #: The repository the document belongs to (from its git remote); bare ``#12`` means it.
    repo: RepoRef | None = None
    #: Whether a bare ``#N`` can be an issue here; ``None`` accepts every number.
    is_issue: IssuePredicate | None = None
    #: Column unit of the returned ranges: LSP's default is UTF-16.
    encoding: Encoding = "utf-16"
    #: Host for ``owner/repo#N`` when the document's repository is unknown.
    default_host: str = "github.com"


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


class ReferenceScanner:
    """Scans documents with one :class:`RuleSet`, remembering recent documents."""

    def __init__(self, rules: RuleSet, *, max_documents: int = 64) -> None:
        self.rules = rules
        self._max = max_documents
        self._results: OrderedDict[str, tuple[int, ScanContext, list[Reference]]] = OrderedDict()
        self._lexed: OrderedDict[str, Lexed] = OrderedDict()
        self._repos: dict[tuple[str, str, str], RepoRef] = {}

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
        incremental scans of the same document reuse earlier work.
        """
        ctx = context or ScanContext()
        if uri is not None and version is not None:
            hit = self._results.get(uri)
            if hit is not None and hit[0] == version and hit[1] == ctx:
                self._results.move_to_end(uri)
                return hit[2]
        lines = split_lines(text)
        rows: list[tuple[int, tuple[Candidate, ...]]] = []
        for i, line in enumerate(lines):
            if line and len(line) <= MAX_LINE:
                found = self.rules.match_line(line)
                if found:
                    rows.append((i, found))
        refs: list[Reference] = []
        if rows:
            filename = _filename(uri)
            lexer = None if is_prose(language_id, filename) else lexer_for(language_id, filename)
            spans = None
            if lexer is not None:
                previous = self._lexed.pop(uri, None) if uri else None
                lexed = lex(lexer, lines, previous)
                if uri:
                    self._remember(self._lexed, uri, lexed)
                spans = lexed.spans
            for i, found in rows:
                line = lines[i]
                for c in found:
                    if spans is not None and not _inside(spans[i], c.start, c.end):
                        continue
                    ref = self._build(line, i, c, ctx)
                    if ref is not None:
                        refs.append(ref)
        if uri is not None and version is not None:
            self._remember(self._results, uri, (version, ctx, refs))
        return refs

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

    def _repo(self, host: str, owner: str, name: str) -> RepoRef:
        key = (host, owner, name)
        repo = self._repos.get(key)
        if repo is None:
            repo = self._repos[key] = RepoRef(host=host, owner=owner, name=name)
        return repo

    def _build(self, line: str, i: int, c: Candidate, ctx: ScanContext) -> Reference | None:
        target: Target
        if c.kind is RefKind.AUTOLINK:
            assert c.url is not None
            target = LinkTarget(c.url, c.rule)
        else:
            if c.owner and c.name:
                host = c.host or (ctx.repo.host if ctx.repo else ctx.default_host)
                repo: RepoRef | None = self._repo(host, c.owner, c.name)
            else:
                repo = ctx.repo
            if c.sha:
                target = CommitTarget(repo, c.sha.lower())
            elif c.number:
                if c.bare and ctx.is_issue is not None and not ctx.is_issue(c.number):
                    return None
                target = IssueTarget(repo, c.number)
            else:
                return None
        enc = ctx.encoding
        return Reference(
            range=TextRange(i, column(line, c.start, enc), column(line, c.end, enc)),
            kind=c.kind,
            target=target,
            text=line[c.start : c.end],
            url=c.url or target.web_url(c.kind),
        )


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


__all__ = ["ReferenceScanner", "ScanContext", "index_of", "reference_at", "scan", "up_to"]
