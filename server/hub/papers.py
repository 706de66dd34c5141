"""Papers: scholarly ids found in text, looked up across the installed ``Papers`` connectors,
shown as cards and written as citations.

- :func:`find_ids` finds arXiv ids (``2106.01345v2``, ``arXiv:hep-th/9901001``, arxiv.org
  ``abs``/``pdf`` links), DOIs (``10.1145/3368089.3409741`` with trailing punctuation trimmed,
  ``doi:`` and doi.org links) and Semantic Scholar ids (semanticscholar.org/paper links,
  ``CorpusId:N``) in any text, with where each one is; :func:`id_at` the one under a cursor.
- :class:`PaperDesk` looks a :class:`PaperId` up, one per hub: the connectors that answer for
  its scheme, the specialist first (arXiv for arXiv ids, Crossref for DOIs) and Semantic
  Scholar after it, each a signed-in session when there is one, else an implicit anonymous
  one (none of these services needs an account; a Crossref Plus token or a Semantic Scholar
  key in the environment is used when set). Answers are kept in an LRU with a time to live,
  "not found" for less long, and two lookups of one id at once share one call.
  :func:`lookup` is the module-level entry for other features ("add to library from DOI").
- :func:`paper_card` (Markdown for a hover), :func:`paper_to_bibtex`, :func:`bibtex_key` and
  :func:`citation`: the service's titles and abstracts carry JATS XML, HTML and LaTeX, so
  every string is reduced to plain text and escaped before it is shown or written.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
import time
import unicodedata
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal
from urllib.parse import quote, unquote

import httpx
import nh3

from connectors.sdk.capabilities import Papers
from connectors.sdk.connector import Connector
from connectors.sdk.errors import NotFound, ServiceError, TielineError
from connectors.sdk.papers import Paper, PaperId, PaperScheme

from .sanitize import escape_inline, plain_text

if TYPE_CHECKING:
    from .hub import Hub

log = logging.getLogger("tieline.papers")

# -- ids in text ------------------------------------------------------------------------------

#: arXiv's archives of old-style ids (``hep-th/9901001``), with subject classes (``math.AG``).
OLD_ARCHIVES = (
    "acc-phys|adap-org|alg-geom|ao-sci|astro-ph|atom-ph|bayes-an|chao-dyn|chem-ph|cmp-lg|"
    "comp-gas|cond-mat|cs|dg-ga|funct-an|gr-qc|hep-ex|hep-lat|hep-ph|hep-th|math|math-ph|"
    "mtrl-th|nlin|nucl-ex|nucl-th|patt-sol|physics|plasm-ph|q-alg|q-bio|quant-ph|solv-int|"
    "supr-con"
)
_NEW = r"(?:0[7-9]|1\d|2\d)(?:0[1-9]|1[0-2])\.\d{4,5}"
_OLD = rf"(?:{OLD_ARCHIVES})(?:\.[A-Z]{{2}})?/\d{{2}}(?:0[1-9]|1[0-2])\d{{3}}"
_VERSION = r"(?:v\d{1,3})?"
ARXIV_URL = re.compile(
    rf"https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/(?P<id>(?:{_NEW}|{_OLD}){_VERSION})"
    rf"(?:\.pdf)?(?![\w/]|\.\w)",
    re.IGNORECASE,
)
ARXIV_PREFIXED = re.compile(
    rf"\barXiv:\s?(?P<id>(?:{_NEW}|{_OLD}){_VERSION})(?![\w/]|\.\d)", re.IGNORECASE
)
#: A bare id: new style only where nothing word-like or numeric touches it (``v1.2106.01345``,
#: ``12106.013450`` are not ids); old style with its archive name.
ARXIV_BARE = re.compile(rf"(?<![\w./-])(?P<id>(?:{_NEW}|{_OLD}){_VERSION})(?![\w/]|\.\d)")
DOI_URL = re.compile(r"https?://(?:dx\.)?doi\.org/(?P<id>10\.\d{4,9}/\S+)", re.IGNORECASE)
DOI_BARE = re.compile(r"(?<![\w./])(?:doi:\s?)?(?P<id>10\.\d{4,9}/\S+)", re.IGNORECASE)
S2_URL = re.compile(
    r"https?://(?:www\.)?semanticscholar\.org/paper/(?:[^/\s?#]+/)?(?P<id>[0-9a-f]{40})"
    r"(?![0-9a-z])",
    re.IGNORECASE,
)
S2_CORPUS = re.compile(r"(?<![\w:])(?P<id>CorpusId:\d{1,12})(?!\d)", re.IGNORECASE)
#: arXiv's own DOIs (DataCite): looked up as the arXiv id they name.
ARXIV_DOI = re.compile(rf"^10\.48550/arxiv\.(?P<id>{_NEW}|{_OLD}){_VERSION}$", re.IGNORECASE)

#: What ends a DOI in prose: trailing punctuation; a closing bracket only when unbalanced.
_TRAIL = ".,;:!?'\"*>"
_PAIRS = {")": "(", "]": "[", "}": "{"}
#: Characters that cannot be part of a DOI written in text (quotes, angle brackets).
_DOI_STOP = re.compile(r"[\"<>`]")


@dataclass(frozen=True)
class FoundId:
    """An id in text: ``start``/``end`` index the text; ``text`` is what was written."""

    ref: PaperId
    start: int
    end: int
    text: str


def trim_doi(doi: str) -> str:
    """A DOI as matched in prose, without what follows it: trailing punctuation, markup, and
    closing brackets it did not open (``(see 10.1/x)`` -> ``10.1/x``; ``10.1002/(SICI)1``
    keeps its own)."""
    stop = _DOI_STOP.search(doi)
    if stop:
        doi = doi[: stop.start()]
    while doi:
        last = doi[-1]
        if last in _TRAIL or (last in _PAIRS and doi.count(last) > doi.count(_PAIRS[last])):
            doi = doi[:-1]
        else:
            break
    return doi


def _doi_ref(doi: str) -> PaperId:
    m = ARXIV_DOI.match(doi)
    if m:
        return PaperId(scheme="arxiv", value=m.group("id"))
    return PaperId(scheme="doi", value=doi)


def _candidates(text: str) -> Iterator[FoundId]:
    for rx in (ARXIV_URL, ARXIV_PREFIXED, ARXIV_BARE):
        for m in rx.finditer(text):
            yield FoundId(PaperId(scheme="arxiv", value=m.group("id")), m.start(), m.end(), m[0])
    for rx in (DOI_URL, DOI_BARE):
        for m in rx.finditer(text):
            raw = m.group("id")
            doi = trim_doi(unquote(raw) if rx is DOI_URL else raw)
            if not re.fullmatch(r"10\.\d{4,9}/\S+", doi):
                continue
            cut = len(trim_doi(raw)) if rx is DOI_URL else len(doi)
            end = m.start("id") + cut
            yield FoundId(_doi_ref(doi), m.start(), end, text[m.start() : end])
    for rx in (S2_URL, S2_CORPUS):
        for m in rx.finditer(text):
            value = m.group("id")
            value = value.lower() if rx is S2_URL else "CorpusId:" + value.split(":", 1)[1]
            yield FoundId(PaperId(scheme="s2", value=value), m.start(), m.end(), m.group(0))


def find_ids(text: str) -> list[FoundId]:
    """Every paper id in ``text``, in order, none overlapping another (where two overlap,
    the one starting first wins, then the longer: a link over the id inside it)."""
    found = sorted(_candidates(text), key=lambda f: (f.start, -(f.end - f.start)))
    out: list[FoundId] = []
    for f in found:
        if out and f.start < out[-1].end:
            continue
        out.append(f)
    return out


def id_at(text: str, offset: int) -> FoundId | None:
    """The id whose text holds ``offset`` (a cursor just after it counts too)."""
    for f in find_ids(text):
        if f.start <= offset <= f.end:
            return f
    return None


def parse_id(text: str) -> PaperId | None:
    """``text`` as one id (what a person typed into a prompt), or ``None``."""
    text = text.strip()
    found = find_ids(text)
    if len(found) == 1 and found[0].start == 0 and found[0].end == len(text):
        return found[0].ref
    return None


def cache_key(ref: PaperId) -> str:
    """The id compared as its service compares it: DOIs and S2 shas case-insensitively."""
    value = ref.value.lower() if ref.scheme in ("doi", "s2") else ref.value
    if ref.scheme == "s2" and value.startswith("corpusid:"):
        value = "CorpusId:" + value.split(":", 1)[1]
    return f"{ref.scheme}:{value}"


# -- the cache --------------------------------------------------------------------------------

HIT_TTL = 24 * 3600.0  # metadata of a published work seldom changes
MISS_TTL = 600.0  # an id nobody knows may be registered soon (a fresh DOI)
CACHE_SIZE = 512


class PaperCache:
    """An LRU of answers with a time to live: a paper, or ``None`` for "not found"."""

    def __init__(
        self,
        size: int = CACHE_SIZE,
        *,
        ttl: float = HIT_TTL,
        miss_ttl: float = MISS_TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.size = size
        self.ttl = ttl
        self.miss_ttl = miss_ttl
        self.clock = clock
        self._items: OrderedDict[str, tuple[float, Paper | None]] = OrderedDict()

    def get(self, key: str) -> tuple[bool, Paper | None]:
        """``(True, paper_or_None)`` for a live entry, ``(False, None)`` otherwise."""
        hit = self._items.get(key)
        if hit is None:
            return False, None
        expires, paper = hit
        if expires <= self.clock():
            del self._items[key]
            return False, None
        self._items.move_to_end(key)
        return True, paper

    def put(self, key: str, paper: Paper | None) -> None:
        ttl = self.ttl if paper is not None else self.miss_ttl
        self._items[key] = (self.clock() + ttl, paper)
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


# -- lookup -----------------------------------------------------------------------------------


class NoAuth(httpx.Auth):
    """An anonymous session: requests go out without a credential."""


@dataclass(frozen=True)
class Source:
    """A connector answering paper lookups: its id and the connector itself."""

    connector_id: str
    papers: Papers

    def schemes(self) -> frozenset[PaperScheme]:
        return self.papers.paper_schemes()


SourceList = Callable[[], list[Source]]


def order_for(ref: PaperId, sources: list[Source]) -> list[Source]:
    """The sources that answer for ``ref``'s scheme, the most specialised first (arXiv before
    Semantic Scholar for an arXiv id), in the given order among equals."""
    able = [s for s in sources if ref.scheme in s.schemes()]
    return sorted(able, key=lambda s: len(s.schemes()))


class PaperDesk:
    """Paper lookups for one hub (or for any list of sources, in tests and tools)."""

    def __init__(
        self,
        sources: SourceList,
        *,
        cache: PaperCache | None = None,
        closer: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._sources = sources
        self.cache = cache if cache is not None else PaperCache()
        self._closer = closer
        self._inflight: dict[str, asyncio.Task[Paper]] = {}

    @classmethod
    def for_hub(cls, hub: Hub) -> PaperDesk:
        implicit = ImplicitSessions(hub)
        return cls(implicit.sources, closer=implicit.aclose)

    def cached(self, ref: PaperId) -> Paper | None:
        return self.cache.get(cache_key(ref))[1]

    async def lookup(self, ref: PaperId) -> Paper:
        """The paper ``ref`` names, from the cache or the first source that knows it.

        Raises :class:`NotFound` when every source said so, else the first other error a
        source gave (a rate limit, an outage) when none answered. A caller that gives up (a
        hover's time limit) does not stop the lookup: its answer is cached for the next."""
        key = cache_key(ref)
        known, paper = self.cache.get(key)
        if known:
            if paper is None:
                raise NotFound(f"no paper {ref}")
            return paper
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.create_task(self._fetch(key, ref), name=f"paper {ref}")
            task.add_done_callback(_retrieve)
            self._inflight[key] = task
        return await asyncio.shield(task)

    async def _fetch(self, key: str, ref: PaperId) -> Paper:
        try:
            paper = await self._ask(ref)
        except NotFound:
            self.cache.put(key, None)
            raise
        finally:
            self._inflight.pop(key, None)
        self.cache.put(key, paper)
        return paper

    async def _ask(self, ref: PaperId) -> Paper:
        sources = order_for(ref, self._sources())
        if not sources:
            raise NotFound(f"no installed connector looks up {ref.scheme} ids")
        failure: TielineError | None = None
        for s in sources:
            try:
                return await s.papers.paper(ref)
            except NotFound:
                continue
            except TielineError as exc:
                log.info("%s could not look up %s: %s", s.connector_id, ref, exc.message)
                failure = failure or exc
            except Exception as exc:  # a connector's bug: the next source may still answer
                log.exception("%s failed looking up %s", s.connector_id, ref)
                failure = failure or ServiceError(
                    f"{s.connector_id} failed looking up {ref}: {type(exc).__name__}",
                    service=s.connector_id,
                )
        if failure is not None:
            raise failure
        raise NotFound(f"no paper {ref}")

    async def aclose(self) -> None:
        if self._closer is not None:
            await self._closer()


def _retrieve(task: asyncio.Task[Paper]) -> None:
    """Mark a lookup's failure as seen: every caller may have given up waiting for it."""
    if not task.cancelled():
        task.exception()


class ImplicitSessions:
    """Every installed, enabled ``Papers`` connector of a hub as a lookup source: its
    signed-in session when the hub has one, else an anonymous connector built here once on
    the hub's HTTP stack (with the environment's key or token, when the manifest names one
    and it is set)."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self._built: dict[str, Source] = {}
        self._connectors: list[Connector] = []

    def sources(self) -> list[Source]:
        from connectors.sdk.capabilities import provides

        hub = self.hub
        signed_in: dict[str, Source] = {}
        for s in hub.sessions_with(Papers, ask=False):
            papers: Papers = s.connector.capability(Papers)
            signed_in.setdefault(s.connector_id, Source(s.connector_id, papers))
        out: list[Source] = []
        for m in hub.registry.manifests():
            if "Papers" not in m.capabilities or not hub.settings(m.id).enabled:
                continue
            if m.id in signed_in:
                out.append(signed_in[m.id])
                continue
            source = self._built.get(m.id)
            if source is None:
                try:
                    connector = self._build(m.id)
                except Exception as exc:  # a broken third-party connector: skip it
                    log.warning("could not build the %s connector: %s", m.id, exc)
                    continue
                if not provides(connector, Papers):
                    continue
                self._connectors.append(connector)
                source = self._built[m.id] = Source(m.id, connector.capability(Papers))
            out.append(source)
        return out

    def _build(self, connector_id: str) -> Connector:
        from . import endpoints

        hub = self.hub
        manifest = hub.registry.manifest(connector_id)
        settings = hub.settings(connector_id)
        host = endpoints.public_host(manifest, settings) or manifest.default_host
        found = hub.credentials.auth_for(
            manifest, host, public_host=endpoints.public_host(manifest, settings)
        )
        auth: httpx.Auth = found.auth if found is not None else NoAuth()
        method = found.method if found is not None else "api_key"
        login = (found.login if found is not None else "") or "anonymous"
        connector: Connector = hub.build_connector(
            connector_id, host, login, auth, method=method, cache=True
        )
        return connector

    async def aclose(self) -> None:
        for c in self._connectors:
            await c.ctx.http.aclose()
        self._connectors.clear()
        self._built.clear()


_desks: weakref.WeakKeyDictionary[Hub, PaperDesk] = weakref.WeakKeyDictionary()
_current: list[weakref.ref[Hub]] = []


def desk(hub: Hub) -> PaperDesk:
    """The hub's desk (made on first use); it becomes the one :func:`lookup` uses."""
    d = _desks.get(hub)
    if d is None:
        d = _desks[hub] = PaperDesk.for_hub(hub)
    _current[:] = [weakref.ref(hub)]
    return d


async def lookup(ref: PaperId, hub: Hub | None = None) -> Paper:
    """The paper ``ref`` names, across the installed ``Papers`` connectors of ``hub`` (by
    default the hub whose desk was used last: the server's). Raises :class:`NotFound`."""
    if hub is None:
        hub = _current[0]() if _current else None
        if hub is None:
            raise NotFound("no hub to look papers up with")
    return await desk(hub).lookup(ref)


# -- showing and citing -----------------------------------------------------------------------

_JATS_TITLE = re.compile(r"<(?:jats:)?title\b[^>]*>.*?</(?:jats:)?title\s*>", re.I | re.S)
_BLOCK_END = re.compile(r"</(?:jats:)?(?:p|sec|div|li)\s*>|<br\s*/?>", re.I)
ABSTRACT_CHARS = 600
MAX_AUTHORS = 6


def plain(text: str | None) -> str:
    """Markup (JATS, HTML) reduced to its text, entities decoded, whitespace collapsed.
    LaTeX is left as written: it is text to a reader who knows it, and inert once escaped."""
    if not text:
        return ""
    text = _JATS_TITLE.sub(" ", text)
    text = _BLOCK_END.sub(" ", text)
    text = nh3.clean(text, tags=set(), clean_content_tags={"script", "style"})
    return " ".join(html.unescape(text).split())


def _authors_line(authors: tuple[str, ...]) -> str:
    names = [escape_inline(a, 80) for a in authors[:MAX_AUTHORS]]
    more = len(authors) - MAX_AUTHORS
    if more > 0:
        names.append(f"and {more} more")
    return ", ".join(names)


def links(paper: Paper) -> list[tuple[str, str]]:
    """``(label, url)`` of the work's pages: its own, DOI, arXiv abstract and PDF."""
    out: list[tuple[str, str]] = []
    seen: set[str] = set()

    def add(label: str, url: str | None) -> None:
        if url and url.startswith(("https://", "http://")) and url not in seen:
            seen.add(url)
            out.append((label, url))

    add(paper.source or "Page", paper.url)
    if paper.doi:
        add("DOI", "https://doi.org/" + quote(paper.doi, safe="/:;,.()_-"))
    if paper.arxiv_id:
        add("arXiv", f"https://arxiv.org/abs/{paper.arxiv_id}")
        add("PDF", f"https://arxiv.org/pdf/{paper.arxiv_id}")
    return out


_URL_ESCAPES = {" ": "%20", "(": "%28", ")": "%29", "<": "%3C", ">": "%3E", "\\": "%5C"}


def _url(url: str) -> str:
    """A URL safe as a Markdown link destination (nothing in it can end the link)."""
    return "".join(_URL_ESCAPES.get(ch, ch) for ch in url if ch >= " ")


def _link(label: str, url: str, max_len: int = 40) -> str:
    return f"[{escape_inline(label, max_len)}]({_url(url)})"


def paper_card(paper: Paper) -> str:
    """A hover card: title, authors, year and venue, an abstract excerpt, links -- every
    string from the service plain text, escaped."""
    title = escape_inline(plain(paper.title) or str(paper.id), 300)
    lines = [f"**{title}**"]
    if paper.authors:
        lines.append(_authors_line(tuple(plain(a) for a in paper.authors)))
    meta = " · ".join(
        x for x in (str(paper.year) if paper.year else "", escape_inline(plain(paper.venue))) if x
    )
    if meta:
        lines.append(meta)
    card = "\n\n".join(lines)
    abstract = plain(paper.abstract)
    if abstract:
        card += "\n\n" + escape_inline(abstract, ABSTRACT_CHARS)
    refs = " · ".join(_link(label, url) for label, url in links(paper))
    if refs:
        card += "\n\n" + refs
    return card + f"\n\n`{escape_inline(str(paper.id), 120)}`"


_BIB_SPECIAL = re.compile(r"([&%$#_])")
_STOP = {"a", "an", "the", "on", "of", "in", "for", "and", "to", "with", "from", "is", "at"}


def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", folded.lower())


def _family(name: str) -> str:
    name = name.strip()
    if "," in name:
        return name.split(",", 1)[0]
    return name.split()[-1] if name.split() else ""


def bibtex_key(paper: Paper) -> str:
    """``vaswani2017attention``: first author's family name, year, first word of the title
    that is not a stop word; ASCII only, so any LaTeX toolchain takes it."""
    author = _ascii_word(_family(plain(paper.authors[0]))) if paper.authors else ""
    words = [_ascii_word(w) for w in plain(paper.title).split()]
    word = next((w for w in words if w and w not in _STOP), "")
    key = f"{author or 'anon'}{paper.year or ''}{word}"
    return key or "paper"


def bib_value(text: str) -> str:
    """A field value safe inside BibTeX braces: plain text, LaTeX specials escaped where
    they are not LaTeX already, braces balanced (an unbalanced one dropped)."""
    text = _BIB_SPECIAL.sub(lambda m: "\\" + m.group(1), plain(text))
    text = re.sub(r"\\\\([&%$#_])", r"\\\1", text)  # already escaped: once only
    text = re.sub(r"\\+(?=[{}]|$)", "", text)  # a backslash must not escape a brace
    out: list[str] = []
    depth = 0
    for ch in text:
        if ch == "{":
            depth += 1
        elif ch == "}":
            if depth == 0:
                continue
            depth -= 1
        out.append(ch)
    value = "".join(out)
    if depth:
        value = value.replace("{", "").replace("}", "")
    return value


def paper_to_bibtex(paper: Paper, key: str | None = None) -> str:
    """A BibTeX entry for ``paper`` (``@article``, ``@inproceedings``, ``@misc``...)."""
    fields: list[tuple[str, str]] = [("title", bib_value(paper.title))]
    if paper.authors:
        fields.append(("author", " and ".join(bib_value(a) for a in paper.authors)))
    if paper.year:
        fields.append(("year", str(paper.year)))
    venue = bib_value(paper.venue)
    kind = paper.entry_type if re.fullmatch(r"[a-z]+", paper.entry_type) else "misc"
    if venue and not (paper.arxiv_id and venue == "arXiv"):
        name = {"article": "journal", "inproceedings": "booktitle", "incollection": "booktitle"}
        fields.append((name.get(kind, "howpublished"), venue))
    if paper.doi:
        fields.append(("doi", bib_value(paper.doi)))
    if paper.arxiv_id:
        fields += [("eprint", bib_value(paper.arxiv_id)), ("archiveprefix", "arXiv")]
    if paper.url:
        fields.append(("url", paper.url.replace("{", "%7B").replace("}", "%7D")))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{kind}{{{key or bibtex_key(paper)},\n{body}\n}}\n"


CitationStyle = Literal["markdown", "latex", "plain"]


def _short_authors(authors: tuple[str, ...]) -> str:
    names = [plain(a) for a in authors]
    if not names:
        return ""
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        return f"{names[0]} and {names[1]}"
    return f"{names[0]} et al."


def citation(paper: Paper, style: CitationStyle = "markdown") -> str:
    """One citation of ``paper``: ``markdown`` (authors, year, linked title, venue),
    ``latex`` (``\\cite{key}``) or ``plain`` (the Markdown's words without markup)."""
    if style == "latex":
        return f"\\cite{{{bibtex_key(paper)}}}"
    who = _short_authors(paper.authors)
    year = f" ({paper.year})" if paper.year else ""
    venue = plain(paper.venue)
    title = plain(paper.title) or str(paper.id)
    url = next((u for _, u in links(paper)), None)
    if style == "plain":
        parts = [f"{who}{year}." if who else (f"{paper.year}." if paper.year else "")]
        parts += [f"{title}.", f"{venue}." if venue else "", url or ""]
        return plain_text(" ".join(p for p in parts if p), 1000)
    head = f"{escape_inline(who, 200)}{year}. " if who else (f"({paper.year}). " if year else "")
    linked = _link(title, url, 300) if url else escape_inline(title, 300)
    tail = f" *{escape_inline(venue, 200)}*." if venue else ""
    return f"{head}{linked}.{tail}"
