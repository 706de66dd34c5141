"""Cards, BibTeX and citations: the services' JATS/HTML/LaTeX made plain and inert, BibTeX
that bibtexparser reads back as written (hypothesis over hostile titles and names)."""

from __future__ import annotations

import bibtexparser
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.sdk.papers import Paper, PaperId
from server.hub.papers import bibtex_key, citation, paper_card, paper_to_bibtex, plain

ATTENTION = Paper(
    id=PaperId(scheme="arxiv", value="1706.03762"),
    title="Attention Is All You Need",
    authors=("Ashish Vaswani", "Noam Shazeer", "Niki Parmar"),
    year=2017,
    abstract="The dominant sequence transduction models... $O(n^2)$",
    venue="arXiv",
    url="https://arxiv.org/abs/1706.03762v5",
    arxiv_id="1706.03762v5",
    entry_type="misc",
    source="arXiv",
)
HOSTILE = Paper(
    id=PaperId(scheme="doi", value="10.1/x"),
    title='<i>Bold</i> claims <script>alert("t")</script> [x](javascript:alert(1))',
    authors=("Ada <img src=x onerror=alert(1)> Lovelace", "Ünal Çelik"),
    year=2020,
    abstract="<jats:title>Abstract</jats:title><jats:p>Results &amp; <b>more</b>"
    "<script>evil()</script></jats:p><jats:p>Second.</jats:p>",
    venue="J. <b>Things</b> & Stuff",
    url="https://example.org/a)b",
    doi="10.1/x",
    source="Crossref",
)


def test_plain_strips_jats_and_html() -> None:
    assert plain(HOSTILE.abstract) == "Results & more Second."
    assert plain("a <sub>2</sub>\n  b") == "a 2 b"


def test_card_has_the_facts_and_nothing_live() -> None:
    card = paper_card(ATTENTION)
    assert card.startswith("**Attention Is All You Need**")
    assert "Ashish Vaswani, Noam Shazeer, Niki Parmar" in card
    assert "2017 · arXiv" in card
    assert "[arXiv](https://arxiv.org/abs/1706.03762v5)" in card
    assert "[PDF](https://arxiv.org/pdf/1706.03762v5)" in card
    assert r"\$O\(n^2\)\$" in card  # LaTeX shown as written, escaped
    bad = paper_card(HOSTILE)
    for live in ("<script", "<img", "<i>", "<b>", "](javascript:", "onerror=alert"):
        assert live not in bad
    assert "Results & more Second." in bad.replace("\\&", "&")
    assert "(https://example.org/a%29b)" in bad  # a URL cannot end its link early


def test_bibtex_of_an_arxiv_preprint() -> None:
    bib = paper_to_bibtex(ATTENTION)
    assert bib.startswith("@misc{vaswani2017attention,\n")
    lib = bibtexparser.parse_string(bib)
    (entry,) = lib.entries
    f = entry.fields_dict
    assert f["author"].value == "Ashish Vaswani and Noam Shazeer and Niki Parmar"
    assert f["eprint"].value == "1706.03762v5" and f["archiveprefix"].value == "arXiv"
    assert "howpublished" not in f  # "arXiv" is said by archiveprefix


def test_bibtex_of_an_article_escapes_specials() -> None:
    bib = paper_to_bibtex(HOSTILE.model_copy(update={"entry_type": "article"}))
    lib = bibtexparser.parse_string(bib)
    (entry,) = lib.entries
    assert entry.entry_type == "article" and entry.key == "lovelace2020bold"
    assert entry.fields_dict["journal"].value == r"J. Things \& Stuff"
    assert "<" not in bib


def test_citations() -> None:
    md = citation(ATTENTION)
    assert md == (
        "Ashish Vaswani et al. (2017). "
        "[Attention Is All You Need](https://arxiv.org/abs/1706.03762v5). *arXiv*."
    )
    assert citation(ATTENTION, "latex") == r"\cite{vaswani2017attention}"
    assert citation(ATTENTION, "plain").startswith("Ashish Vaswani et al. (2017). Attention")
    two = ATTENTION.model_copy(update={"authors": ("A B", "C D")})
    assert citation(two).startswith("A B and C D (2017).")
    assert "<script" not in citation(HOSTILE)


def test_key_is_ascii_and_falls_back() -> None:
    assert bibtex_key(HOSTILE.model_copy(update={"authors": ("Ünal Çelik",)})) == "celik2020bold"
    nobody = Paper(id=PaperId(scheme="s2", value="CorpusId:1"), title="")
    assert bibtex_key(nobody) == "anon"


@given(
    title=st.text(min_size=1, max_size=80),
    authors=st.lists(st.text(min_size=1, max_size=30), max_size=4),
    venue=st.text(max_size=40),
)
@settings(max_examples=150, deadline=None)
def test_any_bibtex_parses_back(title: str, authors: list[str], venue: str) -> None:
    p = Paper(
        id=PaperId(scheme="doi", value="10.1/x"),
        title=title,
        authors=tuple(authors),
        year=1999,
        venue=venue,
        doi="10.1/x",
        entry_type="article",
    )
    bib = paper_to_bibtex(p)
    lib = bibtexparser.parse_string(bib)
    assert not lib.failed_blocks, bib
    (entry,) = lib.entries
    assert entry.key == bibtex_key(p)
    assert entry.key.isascii()
    assert entry.fields_dict["year"].value == "1999"
    assert entry.fields_dict["doi"].value == "10.1/x"


def test_a_doi_link_is_escaped() -> None:
    odd = HOSTILE.model_copy(update={"doi": "10.1000/a#b?c<d>", "url": None})
    card = paper_card(odd)
    assert "[DOI](https://doi.org/10.1000/a%23b%3Fc%3Cd%3E)" in card
