"""Finding paper ids in text: examples of each shape, and properties over generated ids and
prose (hypothesis): every written id is found whole, trailing punctuation is not taken, found
spans never overlap and always index the text."""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.sdk.papers import PaperId
from server.hub.papers import cache_key, find_ids, id_at, parse_id, trim_doi


def found(text: str) -> list[tuple[str, str]]:
    return [(f.ref.scheme, f.ref.value) for f in find_ids(text)]


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("see arXiv:2106.01345v2.", [("arxiv", "2106.01345v2")]),
        ("ARXIV: 1706.03762", [("arxiv", "1706.03762")]),
        ("bare 2106.01345 here", [("arxiv", "2106.01345")]),
        (
            "old hep-th/9901001v3, and math.AG/0309136",
            [("arxiv", "hep-th/9901001v3"), ("arxiv", "math.AG/0309136")],
        ),
        ("https://arxiv.org/abs/2106.01345v1", [("arxiv", "2106.01345v1")]),
        ("https://arxiv.org/pdf/2106.01345.pdf", [("arxiv", "2106.01345")]),
        ("https://export.arxiv.org/abs/astro-ph/0601001", [("arxiv", "astro-ph/0601001")]),
        ("10.1145/3368089.3409741.", [("doi", "10.1145/3368089.3409741")]),
        ("(see doi:10.1038/srep16696)", [("doi", "10.1038/srep16696")]),
        ("10.1002/(SICI)1097-4636(199911)47:2", [("doi", "10.1002/(SICI)1097-4636(199911)47:2")]),
        ("[x](https://doi.org/10.1000/abc%28x%29)", [("doi", "10.1000/abc(x)")]),
        (
            "https://dx.doi.org/10.1371/journal.pone.0033693;",
            [("doi", "10.1371/journal.pone.0033693")],
        ),
        ('"10.1371/journal.pone.0033693"', [("doi", "10.1371/journal.pone.0033693")]),
        ("10.48550/arXiv.1706.03762", [("arxiv", "1706.03762")]),
        (
            "https://www.semanticscholar.org/paper/Attention-Is-All-You-Need/"
            "204E3073870FAE3D05BCBC2F6A8E263D9B72E776",
            [("s2", "204e3073870fae3d05bcbc2f6a8e263d9b72e776")],
        ),
        ("corpusid:13756489", [("s2", "CorpusId:13756489")]),
    ],
)
def test_examples(text: str, want: list[tuple[str, str]]) -> None:
    assert found(text) == want


@pytest.mark.parametrize(
    "text",
    [
        "version 1.2106.01345",  # part of a dotted number
        "2113.01345",  # no 13th month
        "12106.013450",
        "10.1/x",  # registrant code too short
        "a/2106.01345",
        "file-hep-th/9901001",
        "nothing here",
    ],
)
def test_not_ids(text: str) -> None:
    assert found(text) == []


def test_id_at_and_parse() -> None:
    text = "Cite 10.1038/srep16696 or arXiv:1706.03762."
    doi = id_at(text, text.index("srep"))
    assert doi is not None and doi.ref == PaperId(scheme="doi", value="10.1038/srep16696")
    at_end = id_at(text, text.index(" or"))  # just after the id
    assert at_end == doi
    assert id_at(text, 2) is None
    assert parse_id(" arXiv:1706.03762 ") == PaperId(scheme="arxiv", value="1706.03762")
    assert parse_id("two 10.1038/a 10.1038/b") is None


def test_cache_keys_compare_as_services_do() -> None:
    assert cache_key(PaperId(scheme="doi", value="10.1038/SREP16696")) == cache_key(
        PaperId(scheme="doi", value="10.1038/srep16696")
    )
    assert cache_key(PaperId(scheme="s2", value="corpusid:1")) == "s2:CorpusId:1"


# -- properties -------------------------------------------------------------------------------

months = st.integers(1, 12).map(lambda m: f"{m:02d}")
new_ids = st.builds(
    lambda y, m, n, v: f"{y:02d}{m}.{n}{v}",
    st.integers(15, 29),
    months,
    st.integers(0, 99999).map(lambda n: f"{n:05d}"),
    st.one_of(st.just(""), st.integers(1, 30).map(lambda v: f"v{v}")),
)
old_ids = st.builds(
    lambda a, y, m, n: f"{a}/{y:02d}{m}{n:03d}",
    st.sampled_from(["hep-th", "astro-ph", "math", "quant-ph", "cond-mat", "cs"]),
    st.integers(0, 99),
    months,
    st.integers(0, 999),
)
suffix_chars = string.ascii_letters + string.digits + "-._;()/:"
dois = st.builds(
    lambda reg, suf, last: f"10.{reg}/{suf}{last}",
    st.integers(1000, 999999999),
    st.text(suffix_chars, max_size=30).map(lambda s: s.replace("(", "").replace(")", "")),
    st.sampled_from(string.ascii_letters + string.digits),
)
#: What may stand around an id in prose, and trail it.
before = st.sampled_from(["", " ", "see ", "(", "[", '"', "\n", "id: "])
after = st.sampled_from(["", " ", ".", ",", ";", ")", "]", '"', "!", "?", ". Next", ":\n"])


@given(new_ids | old_ids, before, after)
def test_arxiv_ids_are_found_whole(value: str, pre: str, post: str) -> None:
    for written in (value, f"arXiv:{value}", f"https://arxiv.org/abs/{value}"):
        assert found(f"{pre}{written}{post}") == [("arxiv", value)]


@given(dois, before, after)
def test_dois_are_found_without_trailing_punctuation(doi: str, pre: str, post: str) -> None:
    for written in (doi, f"doi:{doi}", f"https://doi.org/{doi}"):
        got = found(f"{pre}{written}{post}")
        assert got == [("doi", doi)] or doi.lower().startswith("10.48550/arxiv.")


@given(st.text(max_size=300))
@settings(max_examples=200)
def test_spans_index_the_text_and_never_overlap(text: str) -> None:
    spans = find_ids(text)
    end = -1
    for f in spans:
        assert f.start >= end
        assert text[f.start : f.end] == f.text
        end = f.end


@given(
    st.lists(new_ids | dois, min_size=1, max_size=5), st.sampled_from([" ", "; ", " and ", "\n"])
)
def test_many_ids_in_one_line(ids: list[str], sep: str) -> None:
    got = [v for _, v in found(sep.join(ids))]
    assert got == ids


@given(dois)
def test_trim_is_idempotent(doi: str) -> None:
    assert trim_doi(trim_doi(doi + ").")) == trim_doi(doi + ").") == doi
