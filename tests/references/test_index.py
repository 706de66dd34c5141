"""The citation index (BibTeX and library items merged, generated keys), where documents
cite, and adding a work by its DOI (appended BibTeX, or a library item)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.sdk.errors import InvalidRequest, NotFound
from connectors.sdk.papers import Paper, PaperId
from connectors.sdk.references import LibraryItem, LibrarySync, NewLibraryItem
from server.hub.references.add import (
    add_paper,
    append_entry,
    clean_doi,
    paper_to_bibtex,
)
from server.hub.references.bibtex import parse_bib
from server.hub.references.cites import citations_in, cite_at, completion_context, kind_of
from server.hub.references.index import CitationIndex, make_citekey
from server.hub.refs.positions import split_lines

PAPER = Paper(
    id=PaperId(scheme="doi", value="10.1145/3368089.3409741"),
    title="Deep Learning & {Things}: 100% of_it",
    authors=("Müller, Hans", "Google Research"),
    year=2020,
    venue="ESEC/FSE",
    doi="10.1145/3368089.3409741",
    url="https://doi.org/10.1145/3368089.3409741",
    entry_type="inproceedings",
    source="Crossref",
)


def test_generated_keys() -> None:
    assert make_citekey(("Knuth, Donald",), 1984, "The Art of Programming") == "knuth1984art"
    assert make_citekey(("Ådne Øst",), None, "On a") == "ost"
    assert make_citekey((), 2001, "") == "anon2001"
    assert make_citekey(("Knuth, D",), 1984, "Art", {"knuth1984art"}) == "knuth1984arta"


def test_bibtex_wins_and_library_items_fill_in(tmp_path: Path) -> None:
    bib = tmp_path / "refs.bib"
    bib.write_text("@article{knuth1984, title={Literate Programming}, doi={10.1/LP}, year=1984}\n")
    index = CitationIndex()
    index.refresh_bib([bib])
    items = [
        LibraryItem(key="AAAA1111", citekey="knuth1984", title="Other"),
        LibraryItem(key="BBBB2222", title="Literate Programming", doi="10.1/lp"),
        LibraryItem(
            key="CCCC3333", title="Attention Is All You Need", authors=("Vaswani, A",), year=2017
        ),
        LibraryItem(key="DDDD4444", citekey="smith2020", title="S"),
    ]
    index.put_library("zotero:a", items, 7, full=True)
    assert index.get("knuth1984").title == "Literate Programming"  # type: ignore[union-attr]
    assert index.get("vaswani2017attention").library_key == "CCCC3333"  # type: ignore[union-attr]
    assert set(index.keys()) == {"knuth1984", "vaswani2017attention", "smith2020"}
    assert [c.citekey for c in index.search("va")] == ["vaswani2017attention"]
    assert [c.citekey for c in index.search("attention")] == ["vaswani2017attention"]
    index.put_library("zotero:a", [LibraryItem(key="DDDD4444", citekey="smith2021")], 8, full=False)
    assert index.get("smith2020") is None and index.get("smith2021") is not None
    assert index.get("vaswani2017attention") is not None
    index.put_library("zotero:a", [], 9, full=False, deleted=["CCCC3333"])
    assert index.get("vaswani2017attention") is None
    index.drop_library("zotero:a")
    assert index.keys() == {"knuth1984"}


def test_markdown_citations() -> None:
    text = (
        "As [see @knuth1984, p. 3; -@smith2020] show, and @bare says.\n"
        "Mail me at ada@example.com or [@{odd key}].\n"
        "```\n@decorator [@inside]\n```\n"
        "`[@code]` and [@last]\n"
    )
    cites = citations_in(text, "markdown")
    assert [(c.key, c.line, c.sure) for c in cites] == [
        ("knuth1984", 0, True),
        ("smith2020", 0, True),
        ("bare", 0, False),
        ("odd key", 1, True),
        ("last", 5, True),
    ]
    first = cites[0]
    assert text.splitlines()[0][first.start : first.end] == "knuth1984"
    at = cite_at(text, "markdown", 0, first.start + 2)
    assert at is not None and at.key == "knuth1984"
    assert cite_at(text, "markdown", 1, 15) is None


def test_latex_citations() -> None:
    text = (
        "\\citep[p.~3][]{knuth1984, smith2020} and \\parencite*{x}\n% \\cite{commented}\n"
        "50\\% of \\cite{y} % not \\cite{z}\n"
    )
    cites = citations_in(text, "latex")
    assert [(c.key, c.line) for c in cites] == [
        ("knuth1984", 0),
        ("smith2020", 0),
        ("x", 0),
        ("y", 2),
    ]
    line = text.splitlines()[0]
    assert [line[c.start : c.end] for c in cites[:3]] == ["knuth1984", "smith2020", "x"]
    at = cite_at(text, "latex", 0, cites[1].start)
    assert at is not None and at.key == "smith2020"


def test_completion_contexts() -> None:
    assert completion_context("see [@kn", "markdown") == ("kn", 6, True)
    assert completion_context("said @", "markdown") == ("", 6, False)
    assert completion_context("ada@exa", "markdown") is None
    assert completion_context("[@a; @b", "markdown") == ("b", 6, True)
    assert completion_context("\\cite{a, kn", "latex") == ("kn", 9, True)
    assert completion_context("\\autocite[see][]{", "latex") == ("", 17, True)
    assert completion_context("\\cite{a} x", "latex") is None
    assert kind_of("latex") == "latex" and kind_of("plaintext", "/a/b.md") == "markdown"
    assert kind_of("python") is None


def test_paper_to_bibtex_reads_back() -> None:
    text = paper_to_bibtex(PAPER, "muller2020deep")
    entries, problems = parse_bib(text, Path("/x.bib"))
    assert problems == []
    e = entries["muller2020deep"]
    assert e.entry_type == "inproceedings" and e.year == 2020 and e.venue == "ESEC/FSE"
    assert e.authors == ("Müller, Hans", "Google Research")
    assert "Deep Learning" in e.title and e.doi == PAPER.doi


def test_append_never_rewrites(tmp_path: Path) -> None:
    bib = tmp_path / "r.bib"
    original = "% my comments\n@misc{ a ,title = {A}}"
    bib.write_text(original)
    line = append_entry(bib, "@misc{b, title={B}}\n")
    text = bib.read_text()
    assert text.startswith(original) and line == 3
    assert text.splitlines()[line] == "@misc{b, title={B}}"
    assert append_entry(tmp_path / "new.bib", "@misc{c}\n") == 0


def test_clean_doi() -> None:
    assert clean_doi(" https://doi.org/10.1000/XYZ.1 ") == "10.1000/XYZ.1"
    assert clean_doi("doi:10.1000/a") == "10.1000/a"
    with pytest.raises(InvalidRequest):
        clean_doi("not a doi")


async def test_add_to_a_bib_file(tmp_path: Path) -> None:
    bib = tmp_path / "refs.bib"
    bib.write_text("@misc{muller2020deep, title={Taken}}\n")
    index = CitationIndex()
    index.refresh_bib([bib])
    made = await add_paper(index, PAPER, bib=bib)
    assert made.citekey == "muller2020deepa" and made.path == bib.resolve()
    assert bib.read_text().startswith("@misc{muller2020deep, title={Taken}}\n\n@inproceedings")


class FakeLibrary:
    def __init__(self) -> None:
        self.made: list[NewLibraryItem] = []

    async def library_items(self, *, since: int | None = None) -> LibrarySync:
        return LibrarySync()

    async def library_export(self, keys: Sequence[str] = (), *, fmt: str = "biblatex") -> str:
        return ""

    async def add_library_item(self, item: NewLibraryItem) -> LibraryItem:
        self.made.append(item)
        return LibraryItem(key="NEW12345", citekey=item.citekey, title=item.title, doi=item.doi)


async def test_add_to_a_library() -> None:
    index = CitationIndex()
    lib = FakeLibrary()
    made = await add_paper(index, PAPER, library=("zotero:x", lib))  # type: ignore[arg-type]
    assert made.citekey == "muller2020deep" and made.library_key == "NEW12345"
    assert lib.made[0].item_type == "conferencePaper" and lib.made[0].venue == "ESEC/FSE"


async def test_look_up_tries_each_session() -> None:
    from server.hub.references.add import look_up_doi

    class S:
        def __init__(self, paper: Paper | None) -> None:
            self.connector = self
            self._paper = paper

        def capability(self, proto: object) -> S:
            return self

        async def paper(self, ref: PaperId) -> Paper:
            if self._paper is None:
                raise NotFound("no")
            return self._paper

    assert await look_up_doi([S(None), S(PAPER)], PAPER.doi or "") is PAPER  # type: ignore[list-item]
    with pytest.raises(NotFound):
        await look_up_doi([S(None)], "10.1/x")  # type: ignore[list-item]


async def test_add_from_doi_asks_a_doi_session_once(tmp_path: Path) -> None:
    from server.hub.references.add import add_from_doi

    asked: list[PaperId] = []

    class Crossref:
        connector: Crossref

        def __init__(self) -> None:
            self.connector = self

        def capability(self, proto: object) -> Crossref:
            return self

        def paper_schemes(self) -> frozenset[str]:
            return frozenset({"doi"})

        async def paper(self, ref: PaperId) -> Paper:
            asked.append(ref)
            return PAPER

    class Arxiv(Crossref):
        def paper_schemes(self) -> frozenset[str]:
            return frozenset({"arxiv"})

    class FakeHub:
        def sessions_with(self, proto: object) -> list[Crossref]:
            return [Arxiv(), Crossref()]

    bib = tmp_path / "refs.bib"
    index = CitationIndex()
    made, added = await add_from_doi(FakeHub(), index, "doi:10.1145/3368089.3409741", bib=bib)  # type: ignore[arg-type]
    assert added and made.citekey == "muller2020deep"
    assert asked == [PaperId(scheme="doi", value="10.1145/3368089.3409741")]
    again, added = await add_from_doi(FakeHub(), index, "10.1145/3368089.3409741", bib=bib)  # type: ignore[arg-type]
    assert not added and again.citekey == made.citekey and len(asked) == 1


@settings(max_examples=100, deadline=None)
@given(
    st.text(alphabet="@[];-{}\\,%`~ \n\r\u2028abc019_:.citep", max_size=200),
    st.sampled_from(["markdown", "latex"]),
)
def test_citations_are_where_they_say(text: str, kind: str) -> None:
    lines = split_lines(text)
    for c in citations_in(text, kind):
        assert lines[c.line][c.start : c.end] == c.key
        assert c.key
    for line in lines:
        for cut in range(len(line) + 1):
            got = completion_context(line[:cut], kind)
            if got is not None:
                prefix, start, _ = got
                assert line[:cut][start:] == prefix
