"""A re-import merged into the note it wrote before, keeping everything the user wrote.

The note is read as text and entries: an entry is what lies between a
``<!-- tieline-pdf id=... -->`` line and the next ``<!-- /tieline-pdf -->`` line; everything
else is the user's and is written back byte for byte. For each entry of the note:

* its annotation is still in the PDF: an entry the user left as it was written (its body's
  digest is the one in its mark) is rewritten in place if the annotation changed. An entry
  the user edited is left alone while the annotation is unchanged; when both changed, the
  fresh entry is written and the user's edited version is kept right after it, outside the
  marks, under a line that says so -- nothing the user typed is lost;
* its annotation is gone: the entry is *marked*, not dropped -- its mark gains
  ``removed=<date>`` and a line under it says "Removed from the PDF"; the body stays, as does
  anything the user wrote about it. If the annotation comes back (an undo in the viewer, the
  same ``/NM``), the line goes and the entry is updated again.

A new annotation is put after the last entry that comes before it in reading order (page,
then top to bottom, as the page is shown), after the text the user wrote under that entry
(taken to be about it) up to the first heading there (a section of the user's own, such as a
closing "## Questions", stays after the entries); before the first entry if it comes first;
at the end of a note with no entries yet. An entry
whose mark has no closing line, or whose id was seen earlier in the note, is left as text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from .render import Entry, digest, wrap

_START = re.compile(
    r"^<!-- tieline-pdf id=(\S+) page=(\d+) digest=([0-9a-f]{12})"
    r"(?: removed=(\d{4}-\d{2}-\d{2}))? -->[ \t]*$"
)
_END = re.compile(r"^<!-- /tieline-pdf -->[ \t]*$")
REMOVED = "*Removed from the PDF (not found by the import of {date}).*"
_REMOVED = re.compile(r"^\*Removed from the PDF \(not found by the import of [\d-]+\)\.\*$")
KEPT = "*Your edit of the entry above, kept when its annotation changed in the PDF:*"
_INF = float("inf")
_Key = tuple[int, float, float, str]


@dataclass
class _Block:
    id: str
    page: int
    digest: str
    removed: str | None
    body: str

    def lines(self) -> list[str]:
        text = wrap(Entry(self.id, self.page, self.body, self.digest), self.removed)
        lines = text.split("\n")
        if self.removed:
            lines[1:1] = [REMOVED.format(date=self.removed), ""]
        return lines


#: The note as pieces: the user's lines (a list of str), or an entry.
_Piece = list[str] | _Block


@dataclass
class Merged:
    text: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # marked removed by this import
    restored: list[str] = field(default_factory=list)
    kept_edits: list[str] = field(default_factory=list)  # the user's edit left in place
    both_changed: list[str] = field(default_factory=list)  # fresh entry + the edit below it

    @property
    def changed(self) -> bool:
        return bool(
            self.added or self.updated or self.removed or self.restored or self.both_changed
        )


def parse(text: str) -> list[_Piece]:
    lines = text.replace("\r\n", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    pieces: list[_Piece] = []
    seen: set[str] = set()

    def user(line: str) -> None:
        if pieces and isinstance(pieces[-1], list):
            pieces[-1].append(line)
        else:
            pieces.append([line])

    i = 0
    while i < len(lines):
        m = _START.match(lines[i])
        end = None
        if m is not None and m.group(1) not in seen:
            for j in range(i + 1, len(lines)):
                if _END.match(lines[j]):
                    end = j
                    break
                if _START.match(lines[j]):
                    break
        if m is None or end is None:
            user(lines[i])
            i += 1
            continue
        body = lines[i + 1 : end]
        removed = m.group(4)
        if removed and body and _REMOVED.match(body[0]):
            body = body[2:] if len(body) > 1 and not body[1].strip() else body[1:]
        seen.add(m.group(1))
        pieces.append(_Block(m.group(1), int(m.group(2)), m.group(3), removed, "\n".join(body)))
        i = end + 1
    return pieces


def _spaced(pieces: list[_Piece], at: int, block: _Block) -> None:
    """Insert ``block`` at ``at`` with a blank line either side of it."""
    before = pieces[at - 1] if at else None
    if isinstance(before, list):
        if before and before[-1].strip():
            before.append("")
    elif isinstance(before, _Block):
        pieces.insert(at, [""])
        at += 1
    pieces.insert(at, block)
    after = pieces[at + 1] if at + 1 < len(pieces) else None
    if isinstance(after, list):
        if not after or after[0].strip():
            after.insert(0, "")
    elif isinstance(after, _Block):
        pieces.insert(at + 1, [""])


_HEADING = re.compile(r"^ {0,3}#{1,6}(?:[ \t]|$)")


def _place(pieces: list[_Piece], keys: dict[str, _Key], key: _Key) -> int:
    """Where an entry with ``key`` goes: after the last entry before it in reading order and
    the user's text under that entry up to its first heading (a heading starts a section of
    the user's own, not a remark on the entry); before the first entry if it comes first;
    at the end of a note without entries."""
    blocks = [i for i, p in enumerate(pieces) if isinstance(p, _Block)]
    if not blocks:
        return len(pieces)
    after = None
    for i in blocks:
        b = pieces[i]
        assert isinstance(b, _Block)
        if keys.get(b.id, (b.page, _INF, _INF, "")) <= key:
            after = i
    if after is None:
        return blocks[0]
    nxt = after + 1
    text = pieces[nxt] if nxt < len(pieces) else None
    if not isinstance(text, list):
        return nxt
    for n, line in enumerate(text):
        if _HEADING.match(line):
            pieces[nxt : nxt + 1] = [text[:n], text[n:]] if n else [text]
            return nxt + 1 if n else nxt
    return nxt + 1


def merge(
    old: str,
    entries: Sequence[Entry],
    keys: dict[str, _Key],
    today: str,
) -> Merged:
    """``old`` (the note, or its header for a new one) with ``entries`` (in reading order,
    ``keys`` their sort keys) merged in; ``today`` (``YYYY-MM-DD``) dates removals."""
    pieces = parse(old)
    fresh = {e.id: e for e in entries}
    out = Merged(text="")
    n = 0
    while n < len(pieces):
        b = pieces[n]
        n += 1
        if not isinstance(b, _Block):
            continue
        e = fresh.get(b.id)
        if e is None:
            if b.removed:
                out.unchanged.append(b.id)
            else:
                b.removed = today
                out.removed.append(b.id)
            continue
        edited = digest(b.body) != b.digest
        was_removed = b.removed is not None
        b.removed, b.page = None, e.page
        if not edited:
            if e.digest == b.digest:
                (out.restored if was_removed else out.unchanged).append(b.id)
            else:
                b.body, b.digest = e.body, e.digest
                (out.restored if was_removed else out.updated).append(b.id)
        elif e.digest == b.digest:
            (out.restored if was_removed else out.kept_edits).append(b.id)
        else:
            mine = b.body.split("\n")
            b.body, b.digest = e.body, e.digest
            pieces.insert(n, ["", KEPT, "", *mine])
            n += 1
            out.both_changed.append(b.id)

    known = {b.id for b in pieces if isinstance(b, _Block)}
    for e in entries:
        if e.id in known:
            continue
        _spaced(
            pieces,
            _place(pieces, keys, keys.get(e.id, (e.page, _INF, _INF, e.id))),
            _Block(e.id, e.page, e.digest, None, e.body),
        )
        known.add(e.id)
        out.added.append(e.id)

    lines: list[str] = []
    for p in pieces:
        lines += p.lines() if isinstance(p, _Block) else p
    out.text = "\n".join(lines) + "\n"  # the user's last lines as they were, blank or not
    if "\r\n" in old:  # a note kept with Windows line ends keeps them
        out.text = out.text.replace("\n", "\r\n")
    return out
