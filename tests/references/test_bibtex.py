"""BibTeX indexing: entries by key, prefix search, re-reading on change, broken entries as
problems with their lines, and the files a document names."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from server.hub.references.bibtex import (
    BibIndex,
    bibliographies_in,
    parse_bib,
    workspace_bibs,
)

BIB = r"""@article{knuth1984,
  author = {Knuth, Donald E.},
  title = {Literate {P}rogramming},
  journal = {The Computer Journal},
  year = 1984,
  doi = {10.1093/comjnl/27.2.97}
}

@inproceedings{mueller2020,
  author = {M{\"u}ller, Hans and van der Berg, Anna},
  title = {On Things},
  booktitle = {Proc. Things},
  date = {2020-05-01},
}
"""


def test_entries_are_decoded_and_named() -> None:
    entries, problems = parse_bib(BIB, Path("/x.bib"))
    assert problems == []
    k = entries["knuth1984"]
    assert k.title == "Literate Programming"
    assert k.authors == ("Knuth, Donald E.",)
    assert (k.year, k.venue, k.doi, k.line) == (1984, "The Computer Journal", k.doi, 0)
    m = entries["mueller2020"]
    assert m.authors == ("Müller, Hans", "van der Berg, Anna")
    assert (m.year, m.venue, m.entry_type, m.line) == (2020, "Proc. Things", "inproceedings", 8)


def test_a_broken_entry_is_a_problem_with_its_line_and_the_rest_is_read() -> None:
    text = BIB + "\n@book{broken, title = {unclosed\n\n@misc{after, title = {Fine}}\n"
    text += "@misc{knuth1984, title = {again}}\n"
    entries, problems = parse_bib(text, Path("/x.bib"))
    assert set(entries) == {"knuth1984", "mueller2020", "after"}
    assert entries["knuth1984"].title == "Literate Programming"
    lines = sorted(p.line for p in problems)
    assert lines[0] == 15  # the @book line, 0-based
    assert any("duplicate key 'knuth1984'" in p.message for p in problems)


def test_garbage_never_raises() -> None:
    for text in ("", "@", "@@{", "@article{", "@string{x = }", "\x00\xff{}}}", "@comment{"):
        parse_bib(text, Path("/g.bib"))


def test_the_index_rereads_only_what_changed(tmp_path: Path) -> None:
    a = tmp_path / "a.bib"
    b = tmp_path / "b.bib"
    a.write_text(BIB)
    b.write_text("@misc{knuth1984, title={Shadowed}}\n@misc{zeta, title={Z}}\n")
    index = BibIndex()
    assert index.refresh([a, b]) == {a.resolve(), b.resolve()}
    entry = index.get("knuth1984")
    assert entry is not None and entry.title == "Literate Programming"  # first file wins
    assert [e.key for e in index.search("M")] == ["mueller2020"]
    assert [e.key for e in index.search("")] == ["knuth1984", "mueller2020", "zeta"]
    assert index.refresh([a, b]) == set()
    st = a.stat()
    os.utime(a, ns=(st.st_atime_ns, st.st_mtime_ns + 10_000_000))  # touched, same bytes
    assert index.refresh([a, b]) == set()
    b.write_text("@misc{omega, title={O}}\n")
    os.utime(b, ns=(st.st_atime_ns, st.st_mtime_ns + 20_000_000))
    assert index.refresh([a, b]) == {b.resolve()}
    assert index.get("zeta") is None and index.get("omega") is not None
    assert index.refresh([a]) == {b.resolve()}
    assert index.get("omega") is None
    b.unlink()
    assert index.refresh([a, b]) == set()  # a missing file is nothing, not an error


def test_problems_are_kept_per_file(tmp_path: Path) -> None:
    a = tmp_path / "a.bib"
    a.write_text("@misc{ok, title={x}}\n\n@article{bad, title={\n")
    index = BibIndex()
    index.refresh([a])
    assert [p.line for p in index.problems(a)] == [2]


def test_documents_name_their_bibliographies(tmp_path: Path) -> None:
    md = "---\ntitle: T\nbibliography: [refs.bib, /abs/other.bib]\n---\nText [@a].\n"
    assert bibliographies_in(md, "markdown", tmp_path) == [
        tmp_path / "refs.bib",
        Path("/abs/other.bib"),
    ]
    assert bibliographies_in("---\nbibliography: one.bib\n---\n", "markdown", tmp_path) == [
        tmp_path / "one.bib"
    ]
    assert bibliographies_in("---\n: [\n---\n", "markdown", tmp_path) == []
    tex = r"\addbibresource[label=x]{lit.bib}\bibliography{a, sub/b}"
    assert bibliographies_in(tex, "latex", tmp_path) == [
        tmp_path / "lit.bib",
        tmp_path / "a.bib",
        tmp_path / "sub/b.bib",
    ]


def test_workspace_bibs_walk_and_patterns(tmp_path: Path) -> None:
    (tmp_path / "refs").mkdir()
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "refs" / "x.bib").write_text("")
    (tmp_path / "node_modules" / "no.bib").write_text("")
    (tmp_path / "lib.bib").write_text("")
    outside = tmp_path.parent / f"{tmp_path.name}-outside.bib"
    outside.write_text("")
    try:
        found = workspace_bibs([tmp_path], [str(outside), "refs/*.bib"])
        assert found == [
            outside.resolve(),
            (tmp_path / "refs" / "x.bib").resolve(),
            (tmp_path / "lib.bib").resolve(),
        ]
        assert workspace_bibs([tmp_path], walk=False) == []
    finally:
        outside.unlink()


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="@{}=,\"\\%# \nabcAB019_-$~'`^", max_size=300))
def test_any_text_is_entries_and_problems_never_an_exception(text: str) -> None:
    entries, problems = parse_bib(text, Path("/f.bib"))
    for e in entries.values():
        assert 0 <= e.line <= text.count("\n")
    for p in problems:
        assert 0 <= p.line <= text.count("\n") and p.message
