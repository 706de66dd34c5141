"""Merge properties over generated notes: whatever annotations come and go and whatever the
user writes between entries, every line the user wrote survives in its order, each
annotation has exactly one entry, and merging the same annotations again changes nothing."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from server.hub.pdfnotes.merge import merge, parse
from server.hub.pdfnotes.render import Entry, digest

IDS = [f"nm:a{n}" for n in range(8)]
user_line = st.text(
    alphabet=st.characters(blacklist_categories=["Cs", "Cc"]), min_size=0, max_size=30
).filter(lambda s: "tieline-pdf" not in s)


def entries(ids: list[str], version: int) -> list[Entry]:
    out = []
    for i in sorted(ids, key=IDS.index):
        body = f"**{i}** v{version}\n\n> text of {i}"
        out.append(Entry(i, IDS.index(i) // 3 + 1, body, digest(body)))
    return out


def keys() -> dict[str, tuple[int, float, float, str]]:
    return {i: (n // 3 + 1, float(n), 0.0, i) for n, i in enumerate(IDS)}


@settings(max_examples=150, deadline=None)
@given(
    first=st.sets(st.sampled_from(IDS)),
    second=st.sets(st.sampled_from(IDS)),
    mine=st.lists(st.lists(user_line, max_size=3), min_size=1, max_size=9),
    bump=st.booleans(),
)
def test_user_text_survives_and_merging_is_idempotent(
    first: set[str], second: set[str], mine: list[list[str]], bump: bool
) -> None:
    note = merge("# Notes\n", entries(sorted(first), 1), keys(), "2024-01-01").text
    # the user's lines go between the entries (and before and after them)
    pieces = parse(note)
    lines: list[str] = []
    written: list[str] = []
    slot = 0
    for p in pieces:
        if isinstance(p, list):
            lines += p
        else:
            lines += [*_wrap_lines(p)]
        if slot < len(mine):
            lines += ["", *mine[slot], ""]
            written += mine[slot]
            slot += 1
    edited = "\n".join(lines) + "\n"
    fresh = entries(sorted(second), 2 if bump else 1)
    once = merge(edited, fresh, keys(), "2024-02-01")
    twice = merge(once.text, fresh, keys(), "2024-03-01")
    assert twice.text == once.text and not twice.changed
    ids = [p.id for p in parse(once.text) if not isinstance(p, list)]
    assert sorted(ids) == sorted(first | second) and len(ids) == len(set(ids))
    kept = [ln for p in parse(once.text) if isinstance(p, list) for ln in p]
    at = 0
    for line in written:  # in order, every one
        at = kept.index(line, at) + 1


def _wrap_lines(block: object) -> list[str]:
    return block.lines()  # type: ignore[attr-defined, no-any-return]
