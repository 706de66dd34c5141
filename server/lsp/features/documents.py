"""Open documents: scan on open and change so requests read cached references, and have
their diagrams checked (:mod:`.diagrams`), for a document's Markdown export, its comments
shown (:mod:`.doccomments`), and for a note of a vault its text indexed (:mod:`.wikilinks`)."""

from __future__ import annotations

from lsprotocol import types

from ..server import TielineServer
from . import citations, diagrams, doccomments, wikilinks


def _scan(ls: TielineServer, uri: str) -> None:
    doc = ls.document(uri)
    if doc is None or ls.hub is None:
        return
    ls.track_listening(doc, bool(ls.references(doc)))


def setup(server: TielineServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    async def did_open(ls: TielineServer, params: types.DidOpenTextDocumentParams) -> None:
        diagrams.feature(ls).changed(params.text_document.uri)
        await ls.wait_hub()
        _scan(ls, params.text_document.uri)
        doccomments.opened(ls, params.text_document.uri)
        wikilinks.opened(ls, params.text_document.uri)
        citations.opened(ls, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: TielineServer, params: types.DidChangeTextDocumentParams) -> None:
        _scan(ls, params.text_document.uri)
        diagrams.feature(ls).changed(params.text_document.uri)
        doccomments.changed(ls, params.text_document.uri)
        wikilinks.changed(ls, params.text_document.uri)
        citations.changed(ls, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    async def did_close(ls: TielineServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.release(params.text_document.uri)
        diagrams.feature(ls).closed(params.text_document.uri)
        doccomments.closed(ls, params.text_document.uri)
        if ls.hub is not None:
            ls.hub.scanner.forget(params.text_document.uri)
        await wikilinks.closed(ls, params.text_document.uri)
        citations.closed(ls, params.text_document.uri)
