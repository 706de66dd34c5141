"""Comment threads in memory (optionally kept in a JSON file), answering as
:class:`~connectors.sdk.capabilities.DocComments` asks, written against ``connectors.sdk``
only: threads oldest first, a reply appended to its thread, ``resolve`` closing it (words
then optional), an unknown document or thread :class:`NotFound`, a reply without words
:class:`InvalidRequest` -- as the Google connector does over Drive's comments API."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from connectors.sdk.doccomments import DocComment
from connectors.sdk.errors import InvalidRequest, NotFound
from connectors.sdk.models import Comment, User

WHEN = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


@dataclass
class CommentBook:
    path: Path | None = None
    #: file id -> threads, as JSON-able dicts.
    docs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> CommentBook:
        data = json.loads(path.read_text()) if path.exists() else {}
        return cls(path=path, docs=data.get("docs", {}), calls=data.get("calls", []))

    def save(self) -> None:
        if self.path is not None:
            self.path.write_text(json.dumps({"docs": self.docs, "calls": self.calls}))

    def add(self, file_id: str, body: str, *, by: str, quoted: str | None = None) -> str:
        threads = self.docs.setdefault(file_id, [])
        cid = f"c{sum(len(t) for t in self.docs.values())}"
        threads.append(
            {"id": cid, "body": body, "by": by, "quoted": quoted, "resolved": False, "replies": []}
        )
        self.save()
        return cid

    def thread(self, file_id: str, comment_id: str) -> dict[str, Any]:
        for t in self.docs.get(file_id, []):
            if t["id"] == comment_id:
                return t
        raise NotFound(f"no comment {comment_id}", status=404)

    async def doc_comments(self, file_id: str, *, resolved: bool = True) -> list[DocComment]:
        self.calls.append("list")
        self.save()
        if file_id not in self.docs:
            raise NotFound(f"no file {file_id}", status=404)
        return [_shape(t) for t in self.docs[file_id] if resolved or not t["resolved"]]

    async def reply_doc_comment(
        self, file_id: str, comment_id: str, text: str = "", *, resolve: bool = False
    ) -> Comment:
        if not text.strip() and not resolve:
            raise InvalidRequest("a reply needs words", status=400)
        t = self.thread(file_id, comment_id)
        rid = f"{comment_id}r{len(t['replies'])}"
        t["replies"].append({"id": rid, "body": text, "action": "resolve" if resolve else None})
        t["resolved"] = t["resolved"] or resolve
        self.calls.append("reply")
        self.save()
        return Comment(id=rid, body=text, author=User(login="ada@example.com"), created_at=WHEN)


def _shape(t: dict[str, Any]) -> DocComment:
    return DocComment(
        id=t["id"],
        body=t["body"],
        author=User(login=t["by"], name=t["by"].split("@")[0].title()),
        created_at=WHEN,
        modified_at=WHEN,
        resolved=t["resolved"],
        quoted=t["quoted"],
        replies=tuple(Comment(id=r["id"], body=r["body"], created_at=WHEN) for r in t["replies"]),
    )
