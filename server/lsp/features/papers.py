"""Papers in any document: a hover card on an arXiv id, a DOI or a Semantic Scholar id (or
link), and *Insert citation* for the id under the cursor.

``tieline.insertCitation`` takes ``[uri, {"line", "character"}, style?]`` (``style``:
``markdown`` or ``latex``; by default ``latex`` in TeX documents, else ``markdown``). It looks
the paper up (:mod:`server.hub.papers`) and replaces the id with a Markdown citation (authors,
year, linked title, venue) or with ``\\cite{key}``; it answers ``{"key", "bibtex",
"citation"}`` so a caller can add the BibTeX entry to a library. The code actions on an id
offer both styles.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from connectors.sdk.errors import AuthError, NotFound, RateLimited, TielineError

from ..common import arg
from ..guard import FeatureError, guarded
from ..server import TielineServer, markdown

if TYPE_CHECKING:
    from pygls.workspace import TextDocument

    from server.hub.papers import FoundId

INSERT = "tieline.insertCitation"
LOOKUP_WAIT = 10.0  # seconds a hover waits for a paper never seen before
TEX_LANGUAGES = frozenset({"latex", "tex", "plaintex", "context", "bibtex", "rnw", "rmd-latex"})
INVALID_PARAMS = -32602


def _utf16(text: str, offset: int) -> int:
    return len(text[:offset].encode("utf-16-le")) // 2


def _offset(text: str, character: int) -> int:
    """The Python index of LSP (UTF-16) column ``character`` in ``text``."""
    units = 0
    for i, ch in enumerate(text):
        if units >= character:
            return i
        units += 2 if ord(ch) > 0xFFFF else 1
    return len(text)


def _line(doc: TextDocument, line: int) -> str:
    lines = doc.lines
    return lines[line].rstrip("\r\n") if 0 <= line < len(lines) else ""


def paper_at(doc: TextDocument, position: types.Position) -> FoundId | None:
    """The paper id under ``position``, if any."""
    from server.hub.papers import id_at

    text = _line(doc, position.line)
    return id_at(text, _offset(text, position.character)) if text else None


def _range(doc: TextDocument, line: int, found: FoundId) -> types.Range:
    text = _line(doc, line)
    return types.Range(
        start=types.Position(line=line, character=_utf16(text, found.start)),
        end=types.Position(line=line, character=_utf16(text, found.end)),
    )


def bare(found: FoundId) -> bool:
    """A bare new-style arXiv id (``2106.01345``): a number to anyone but a reader of papers,
    so it counts only in prose (Markdown, comments, strings), and one arXiv does not know
    gets no card."""
    return found.ref.scheme == "arxiv" and found.text == found.ref.value and "/" not in found.text


def _counts(ls: TielineServer, doc: TextDocument, position: types.Position, f: FoundId) -> bool:
    hub = ls.hub
    if not bare(f):
        return True
    if style_for(doc) == "latex":  # TeX's text is prose, wherever it is
        return True
    if hub is None:
        return False
    return hub.scanner.in_prose(
        doc.source, position.line, position.character, language_id=doc.language_id, uri=doc.uri
    )


def style_for(doc: TextDocument) -> str:
    lang = (doc.language_id or "").lower()
    if lang in TEX_LANGUAGES or doc.uri.endswith((".tex", ".ltx", ".sty", ".Rnw")):
        return "latex"
    return "markdown"


async def hover(ls: TielineServer, params: types.HoverParams) -> types.Hover | None:
    """The card of the paper under the cursor, or ``None`` when there is no id there."""
    from server.hub import papers
    from server.hub.sanitize import escape_inline

    doc = ls.document(params.text_document.uri)
    if doc is None:
        return None
    found = paper_at(doc, params.position)
    if found is None or not _counts(ls, doc, params.position, found):
        return None
    hub = ls.hub
    if hub is None:
        return None
    rng = _range(doc, params.position.line, found)
    label = escape_inline(found.text)
    desk = papers.desk(hub)
    try:
        paper = await asyncio.wait_for(desk.lookup(found.ref), LOOKUP_WAIT)
    except NotFound:
        if bare(found):
            return None
        text = f"{label}: no such paper."
    except RateLimited:
        text = f"{label}: the paper services are busy; try again in a minute."
    except AuthError as exc:
        text = f"{label}: {escape_inline(exc.message)}"
    except TimeoutError:
        text = f"{label}: still loading…"
    except TielineError as exc:
        text = f"{label}: {escape_inline(exc.message)}"
    else:
        text = papers.paper_card(paper)
    return types.Hover(contents=markdown(text), range=rng)


def code_actions(ls: TielineServer, doc: TextDocument, rng: types.Range) -> list[types.CodeAction]:
    """On a paper id: insert a citation for it, in Markdown or as ``\\cite{key}``."""
    found = paper_at(doc, rng.start)
    if found is None or not _counts(ls, doc, rng.start, found):
        return []
    where = {"line": rng.start.line, "character": rng.start.character}
    preferred = style_for(doc)
    out = []
    for style, title in (
        ("markdown", "Insert citation (Markdown)"),
        ("latex", "Insert citation (\\cite{key})"),
    ):
        out.append(
            types.CodeAction(
                title=f"{title} for {found.text}"[:120],
                kind=types.CodeActionKind.Empty,
                is_preferred=style == preferred,
                command=types.Command(
                    title=title, command=INSERT, arguments=[doc.uri, where, style]
                ),
            )
        )
    return out


async def insert_citation(ls: TielineServer, args: list[Any]) -> dict[str, Any]:
    from server.hub import papers

    uri = arg(args, 0, str, "the document's URI")
    where = arg(args, 1, dict, "the position {line, character}")
    doc = ls.document(uri)
    if doc is None:
        raise FeatureError(code=INVALID_PARAMS, message=f"{uri} is not open")
    try:
        position = types.Position(line=int(where["line"]), character=int(where["character"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise FeatureError(
            code=INVALID_PARAMS, message="the position needs a line and a character"
        ) from exc
    style = args[2] if len(args) > 2 and args[2] in ("markdown", "latex") else style_for(doc)
    found = paper_at(doc, position)
    if found is None:
        raise FeatureError(
            code=INVALID_PARAMS, message="no arXiv id, DOI or Semantic Scholar id there"
        )
    hub = await ls.wait_hub()
    if hub is None:
        raise FeatureError(code=INVALID_PARAMS, message="Tieline is still starting")
    paper = await papers.desk(hub).lookup(found.ref)
    text = papers.citation(paper, "latex" if style == "latex" else "markdown")
    edit = types.WorkspaceEdit(
        changes={uri: [types.TextEdit(range=_range(doc, position.line, found), new_text=text)]}
    )
    await ls.workspace_apply_edit_async(
        types.ApplyWorkspaceEditParams(edit=edit, label=f"Cite {found.text}")
    )
    return {
        "key": papers.bibtex_key(paper),
        "bibtex": papers.paper_to_bibtex(paper),
        "citation": text,
        "id": str(paper.id),
    }


def setup(server: TielineServer) -> None:
    @server.command(INSERT)
    @guarded(INSERT)
    async def insert_command(ls: TielineServer, *args: Any) -> dict[str, Any]:
        return await insert_citation(ls, list(args))
