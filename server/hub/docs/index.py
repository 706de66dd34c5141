"""Finding entries by name, fast enough for hover.

Hover asks for a few exact names (``os.path.join``, then ``join``...): dict look-ups, so the
cost does not grow with the number or size of installed sets. Search (the panel, the CLI)
ranks by how a name matches -- whole name, last dotted part, prefix, anywhere -- and scans
linearly only for the "anywhere" tier, and only while the better tiers leave room.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator

from .model import DocEntry


def _tail(name: str) -> str:
    for sep in ("::", "."):
        if sep in name:
            return name.rsplit(sep, 1)[-1]
    return name


class DocIndex:
    """One set's entries, indexed by lower-cased name and by last name part."""

    def __init__(self, entries: Iterable[DocEntry]) -> None:
        self.lower: dict[str, list[DocEntry]] = {}
        self.tail: dict[str, list[DocEntry]] = {}
        items = list(entries)
        if any(e.priority != 1 for e in items):
            items.sort(key=lambda e: e.priority)
        lower, tail = self.lower, self.tail
        for e in items:
            low = e.name.lower()
            hits = lower.get(low)
            if hits is None:
                lower[low] = [e]
            else:
                hits.append(e)
            last = _tail(low)
            if last != low:
                more = tail.get(last)
                if more is None:
                    tail[last] = [e]
                else:
                    more.append(e)
        for more in tail.values():
            if len(more) > 1:
                more.sort(key=lambda e: (e.priority, len(e.name)))
        self.count = len(items)
        self._sorted = sorted(lower)

    def get(self, name: str) -> DocEntry | None:
        """The best entry named ``name``: spelled exactly so first, then in any case."""
        hits = self.lower.get(name.lower())
        if not hits:
            return None
        return next((e for e in hits if e.name == name), hits[0])

    def matches(self, query: str) -> Iterator[tuple[int, DocEntry]]:
        """``(tier, entry)`` for every entry ``query`` matches, best tiers first: 0 the whole
        name, 1 its last part, 2 a prefix of the name, 3 anywhere in it."""
        q = query.lower().strip()
        if not q:
            return
        seen: set[int] = set()
        for e in self.lower.get(q, ()):
            seen.add(id(e))
            yield 0, e
        for e in self.tail.get(q, ()):
            if id(e) not in seen:
                seen.add(id(e))
                yield 1, e
        i = bisect.bisect_left(self._sorted, q)
        prefixed: list[str] = []
        while i < len(self._sorted) and self._sorted[i].startswith(q):
            prefixed.append(self._sorted[i])
            i += 1
        for name in sorted(prefixed, key=len):
            for e in self.lower[name]:
                if id(e) not in seen:
                    seen.add(id(e))
                    yield 2, e
        for name in self._sorted:
            if q in name and not name.startswith(q):
                for e in self.lower[name]:
                    if id(e) not in seen:
                        seen.add(id(e))
                        yield 3, e
