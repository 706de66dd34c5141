"""Open documents are found by the URI the editor sends, quoted as editors quote it: pygls
keys its documents by the unquoted URI, so a note called ``My note.md`` (sent as
``My%20note.md``) must be as open to every feature as ``note.md``."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types
from pygls.workspace import Workspace

from server.lsp.server import TielineServer


def _open(ls: TielineServer, uri: str, text: str) -> None:
    ls.workspace.put_text_document(
        types.TextDocumentItem(uri=uri, language_id="markdown", version=1, text=text)
    )


def test_a_quoted_uri_finds_its_document(tmp_path: Path) -> None:
    ls = TielineServer()
    ls.protocol._workspace = Workspace(tmp_path.as_uri())  # what initialize sets up
    spaced = (tmp_path / "My note #1 (draft).md").as_uri()
    plain = (tmp_path / "plain.md").as_uri()
    assert "%20" in spaced and "%23" in spaced
    _open(ls, spaced, "spaced")
    _open(ls, plain, "plain")
    doc = ls.document(spaced)
    assert doc is not None and doc.source == "spaced"
    assert ls.document(plain) is not None
    assert ls.document((tmp_path / "closed.md").as_uri()) is None
    # Each open document names itself with the editor's spelling, to answer with.
    assert sorted(d.uri for d in ls.open_documents()) == sorted([spaced, plain])


class _ClosedStdout:
    """A writer whose stream is gone, as stdout is once the editor has left."""

    def __init__(self) -> None:
        self.tries: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.tries.append(data)
        raise ValueError("I/O operation on closed file")

    def close(self) -> None:
        return None


def test_a_failed_send_is_reported_once_without_internals(tmp_path: Path) -> None:
    """Sending to a closed stdout fails; the failure is reported to the editor once (that
    send fails too, and is not reported again), naming no internals."""
    ls = TielineServer()
    out = _ClosedStdout()
    ls.protocol.set_writer(out)
    ls.window_log_message(types.LogMessageParams(type=types.MessageType.Info, message="hi"))
    assert len(out.tries) == 2
    report = out.tries[1].decode()
    assert "window/showMessage" in report and "closed file" not in report
    assert "ValueError" in report


def test_nothing_is_reported_after_shutdown(tmp_path: Path) -> None:
    ls = TielineServer()
    out = _ClosedStdout()
    ls.protocol.set_writer(out)
    ls.protocol._shutdown = True
    ls.window_log_message(types.LogMessageParams(type=types.MessageType.Info, message="hi"))
    assert len(out.tries) == 1
