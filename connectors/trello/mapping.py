"""Which part of a workflow a Trello list stands for, from its name.

Trello has no statuses: a card's "status" is the list it sits in, and a list is just a name
("To Do", "Doing 🚧", "Done ✅"). The category is guessed from words in the name, from two
settings with defaults that fit the common boards:

- ``done_lists``: a card in a list whose name contains one of these words is *done* (and
  closed in the editor); checked first, so "Done (in review)" is done.
- ``started_lists``: a card in such a list is *in progress* ("start work" moves cards to
  the first of these lists, left to right).
- any other list is *to do*.

Words match whole words, in any case, ignoring punctuation and emoji ("in progress" matches
"In-Progress 🚧", "done" does not match "Undone"). An entry ``BOARD:Name``, where BOARD is a
board's 8-character short link or 24-character id, counts on that board only, and a board
with entries of its own ignores the shared ones for that category.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from connectors.sdk import StatusCategory

DEFAULT_STARTED = ("doing", "in progress", "started", "wip", "in review", "review", "testing")
DEFAULT_DONE = ("done", "complete", "completed", "finished", "shipped", "released", "closed")
_BOARD_ENTRY = re.compile(r"^(?P<board>[A-Za-z0-9]{8}|[0-9a-f]{24}):(?P<name>.+)$")
_WORD = re.compile(r"[^\w]+", re.UNICODE)


def words(text: str) -> str:
    """``text`` as lower-case words separated by single spaces, with a space at each end."""
    return " " + " ".join(w for w in _WORD.split(text.casefold().replace("_", " ")) if w) + " "


@dataclass(frozen=True)
class Phrases:
    """One category's settings entries: shared ones and per-board ones."""

    shared: tuple[str, ...]
    by_board: dict[str, tuple[str, ...]]

    @classmethod
    def parse(cls, entries: Iterable[str]) -> Phrases:
        shared: list[str] = []
        by_board: dict[str, list[str]] = {}
        for raw in entries:
            entry = str(raw).strip()
            if not entry:
                continue
            m = _BOARD_ENTRY.match(entry)
            if m:
                by_board.setdefault(m["board"], []).append(words(m["name"]))
            else:
                shared.append(words(entry))
        return cls(tuple(shared), {k: tuple(v) for k, v in by_board.items()})

    def for_board(self, board_keys: Sequence[str]) -> tuple[str, ...]:
        for key in board_keys:
            if key in self.by_board:
                return self.by_board[key]
        return self.shared

    def matches(self, name: str, board_keys: Sequence[str]) -> bool:
        text = words(name)
        return any(p.strip() and p in text for p in self.for_board(board_keys))


@dataclass(frozen=True)
class ListCategories:
    """The category of each list name, on a given board (its id and short link)."""

    started: Phrases
    done: Phrases

    @classmethod
    def from_settings(
        cls, started: Iterable[str] | None, done: Iterable[str] | None
    ) -> ListCategories:
        return cls(
            Phrases.parse(DEFAULT_STARTED if started is None else started),
            Phrases.parse(DEFAULT_DONE if done is None else done),
        )

    def category(self, list_name: str, board_keys: Sequence[str] = ()) -> StatusCategory:
        if self.done.matches(list_name, board_keys):
            return StatusCategory.DONE
        if self.started.matches(list_name, board_keys):
            return StatusCategory.IN_PROGRESS
        return StatusCategory.TODO
