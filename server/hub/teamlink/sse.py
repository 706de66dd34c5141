"""Server-Sent Events, parsed as the WHATWG HTML standard says (section 9.2, "Server-sent
events"), incrementally from text chunks as they arrive.

Kept apart from any HTTP client so the parsing rules are tested on their own: lines end in
CRLF, LF or CR (a CR at a chunk's end may be the first half of a CRLF); a line starting with
``:`` is a comment; ``field: value`` loses one space after the colon; ``data`` lines join
with ``\\n``; an empty line dispatches; ``id`` sets the last event id even for an event with
no data (and an id holding NUL is ignored); ``retry`` takes only ASCII digits; a leading BOM
is dropped; an event not ended by an empty line when the stream ends is discarded.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterator
from dataclasses import dataclass

DEFAULT_EVENT = "message"


@dataclass(frozen=True, slots=True)
class SSEvent:
    """One dispatched event: its type, data, and the stream's last event id then."""

    event: str
    data: str
    id: str
    #: Whether this event had an ``id`` field of its own (else ``id`` is the one before).
    has_id: bool = False


@dataclass(frozen=True, slots=True)
class Retry:
    """A ``retry:`` field: the reconnection time the server asks for, in milliseconds."""

    ms: int


@dataclass(frozen=True, slots=True)
class Comment:
    """A comment line (``: keep-alive``): proof of life, nothing to dispatch."""

    text: str


Item = SSEvent | Retry | Comment


class SSEParser:
    """Feed text chunks; get events, retry changes and comments in order.

    ``last_id`` is the stream's last event id string, which a reconnect sends as
    ``Last-Event-ID``; it starts as the id the caller resumed from.
    """

    def __init__(self, last_id: str = "") -> None:
        self.last_id = last_id
        self._buf = ""
        self._cr = False  # the previous chunk ended in CR: a leading LF here is its pair
        self._started = False
        self._data: list[str] = []
        self._type = ""
        self._id = last_id
        self._seen_id = False

    def feed(self, chunk: str) -> Iterator[Item]:
        if not self._started and chunk:
            self._started = True
            chunk = chunk.removeprefix("\ufeff")
        if self._cr and chunk.startswith("\n"):
            chunk = chunk[1:]
        self._cr = False
        self._buf += chunk
        while True:
            cut = _line_end(self._buf)
            if cut is None:
                return
            end, size = cut
            if size == 1 and self._buf[end] == "\r" and end + 1 == len(self._buf):
                self._cr = True  # maybe CRLF split over two chunks
            line, self._buf = self._buf[:end], self._buf[end + size :]
            item = self._line(line)
            if item is not None:
                yield item

    def _line(self, line: str) -> Item | None:
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return Comment(line[1:].removeprefix(" "))
        name, colon, value = line.partition(":")
        if colon:
            value = value.removeprefix(" ")
        if name == "event":
            self._type = value
        elif name == "data":
            self._data.append(value)
        elif name == "id":
            if "\0" not in value:
                self._id = value
                self._seen_id = True
        elif name == "retry" and value and value.isascii() and value.isdigit():
            return Retry(int(value))
        return None

    def _dispatch(self) -> SSEvent | None:
        self.last_id = self._id
        data, kind, seen = self._data, self._type, self._seen_id
        self._data, self._type, self._seen_id = [], "", False
        if not data:
            return None
        return SSEvent(kind or DEFAULT_EVENT, "\n".join(data), self.last_id, seen)


def _line_end(buf: str) -> tuple[int, int] | None:
    """Where the first line of ``buf`` ends and how long its terminator is."""
    lf = buf.find("\n")
    cr = buf.find("\r")
    if cr == -1 and lf == -1:
        return None
    if cr == -1 or (lf != -1 and lf < cr):
        return lf, 1
    if cr + 1 < len(buf) and buf[cr + 1] == "\n":
        return cr, 2
    return cr, 1


async def parse(chunks: AsyncIterable[str], last_id: str = "") -> AsyncIterator[Item]:
    """Every item of a stream of text chunks (one :class:`SSEParser` over all of them)."""
    parser = SSEParser(last_id)
    async for chunk in chunks:
        for item in parser.feed(chunk):
            yield item


__all__ = ["DEFAULT_EVENT", "Comment", "Item", "Retry", "SSEParser", "SSEvent", "parse"]
