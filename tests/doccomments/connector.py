"""The document comments tests' connector, written only against ``connectors.sdk``: the
folder sync tests' file-backed drive (``$DRIVEFAKE_FILE``) plus comment threads kept in
``$DOCSFAKE_COMMENTS`` (a :class:`CommentBook`), read at every call and written after
every change, so the server process and the test share one "service"."""

from __future__ import annotations

import os
from pathlib import Path

from connectors.sdk.doccomments import DocComment
from connectors.sdk.models import Comment
from tests.docsync.connector import FileDrive

from .book import CommentBook


def _book() -> CommentBook:
    return CommentBook.load(Path(os.environ["DOCSFAKE_COMMENTS"]))


class DocsFake(FileDrive):
    manifest_path = Path(__file__).with_name("docsfake.toml")

    async def doc_comments(self, file_id: str, *, resolved: bool = True) -> list[DocComment]:
        return await _book().doc_comments(file_id, resolved=resolved)

    async def reply_doc_comment(
        self, file_id: str, comment_id: str, text: str = "", *, resolve: bool = False
    ) -> Comment:
        return await _book().reply_doc_comment(file_id, comment_id, text, resolve=resolve)
