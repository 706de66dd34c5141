"""Papers end to end: the real server over stdio, with the arXiv, Crossref and Semantic
Scholar connectors installed through entry points and pointed at their stand-ins by
settings, nobody signed in (each lookup goes through an implicit anonymous session).

Hover cards on an arXiv id, a DOI (Crossref's JATS abstract made plain), a Semantic Scholar
link and a DOI only Semantic Scholar knows (the fallback); the code actions on an id; and
``tieline.insertCitation`` in a LaTeX and a Markdown document."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.conftest import (
    Env,
    installed_connectors,
    open_doc,
    run_command,
    server_env,
    start_prompted,
)
from tests.lsp.raw import raw_request
from tests.semanticscholar.conftest import ATTENTION, seed
from tests.standin.arxiv import ArxivStandIn
from tests.standin.crossref import CrossrefStandIn
from tests.standin.semanticscholar import S2StandIn

NOTES = f"""# Reading

Heat-bath walks: arXiv:1605.08386 and the old hep-th/9901001 one.
Alpha-synuclein: https://doi.org/10.1038/srep16696.
Transformers: https://www.semanticscholar.org/paper/Attention/{ATTENTION}
BERT (10.18653/v1/N19-1423) and a bad one 10.1371/notarealdoi
"""
CODE = """ratio = 1605.08386  # from arXiv:1706.03762
"""
TEX = r"""\section{Related}
Random walks on fibres 1605.08386 are mixing.
"""


@pytest.fixture
async def client(
    tmp_path: Path,
    tieline_home: Path,
    arxiv: ArxivStandIn,
    crossref: CrossrefStandIn,
    s2: S2StandIn,
) -> AsyncIterator[LanguageClient]:
    seed(s2)
    root = tmp_path / "ws"
    root.mkdir()
    (root / "reading.md").write_text(NOTES)
    (root / "related.tex").write_text(TEX)
    (root / "model.py").write_text(CODE)
    site = installed_connectors(
        tmp_path / "site",
        "tieline-papers",
        {
            "arxiv": "connectors.arxiv.connector:ArxivConnector",
            "crossref": "connectors.crossref.connector:CrossrefConnector",
            "semanticscholar": "connectors.semanticscholar.connector:SemanticScholarConnector",
        },
    )
    env = server_env(
        Env(root=root, github=None, home=tieline_home),
        PYTHONPATH=f"{site}:{Path.cwd()}",
        TIELINE_CONNECTORS__ARXIV__API_URL=f"{arxiv.url}/api",
        TIELINE_CONNECTORS__ARXIV__REQUEST_INTERVAL="0",
        TIELINE_CONNECTORS__CROSSREF__API_URL=crossref.url,
        TIELINE_CONNECTORS__CROSSREF__MAILTO="ada@example.org",
        TIELINE_CONNECTORS__SEMANTICSCHOLAR__API_URL=f"{s2.url}/graph/v1",
    )
    del env["TIELINE_GITHUB_TOKEN"]
    c = await start_prompted(env, root, folder="ws")
    c.applied_edits: list[types.ApplyWorkspaceEditParams] = []  # type: ignore[misc]

    @c.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        c.applied_edits.append(params)  # type: ignore[attr-defined]
        return types.ApplyWorkspaceEditResult(applied=True)

    c.root = root  # type: ignore[attr-defined]
    yield c
    await c.shutdown_session()


def at(text: str, needle: str, offset: int = 1) -> types.Position:
    """The position ``offset`` characters into the first ``needle`` of ``text``."""
    i = text.index(needle) + offset
    line = text.count("\n", 0, i)
    return types.Position(line=line, character=i - (text.rfind("\n", 0, i) + 1))


async def hover(c: LanguageClient, uri: str, position: types.Position) -> Any:
    got = await c.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=position)
    )
    assert got is not None
    assert isinstance(got.contents, types.MarkupContent)
    return got


async def test_hover_cards(
    client: LanguageClient, arxiv: ArxivStandIn, crossref: CrossrefStandIn, s2: S2StandIn
) -> None:
    c = client
    uri = open_doc(c, c.root / "reading.md", "markdown")  # type: ignore[attr-defined]

    got = await hover(c, uri, at(NOTES, "1605.08386"))
    card = got.contents.value
    assert card.startswith("**Heat\\-bath random walks with Markov bases**")
    assert "Caprice Stanley" in card and "2016 · arXiv" in card
    assert "[arXiv](https://arxiv.org/abs/1605.08386v1)" in card
    line = NOTES.splitlines()[2]
    start = line.index("arXiv:1605.08386")
    assert got.range == types.Range(
        start=types.Position(line=2, character=start),
        end=types.Position(line=2, character=start + len("arXiv:1605.08386")),
    )

    doi = (await hover(c, uri, at(NOTES, "srep16696"))).contents.value
    assert "Single\\-molecule FRET studies" in doi and "Scientific Reports" in doi
    assert "jats" not in doi and "<" not in doi.replace("\\<", "")
    assert "Oligomers of alpha\\-synuclein" in doi
    assert ("mailto", "ada@example.org") in crossref.log[-1].query

    s2_card = (await hover(c, uri, at(NOTES, ATTENTION, 3))).contents.value
    assert "Attention is All you Need" in s2_card and "Ashish Vaswani" in s2_card
    assert "<b>" not in s2_card

    # Crossref has no record of this DOI: Semantic Scholar answers.
    bert = (await hover(c, uri, at(NOTES, "N19-1423"))).contents.value
    assert "BERT: Pre\\-training" in bert and "[Semantic Scholar]" in bert
    assert any("/works/10.18653/v1/N19-1423" in r.path for r in crossref.log)

    nobody = (await hover(c, uri, at(NOTES, "notarealdoi"))).contents.value
    assert nobody.endswith("no such paper.")

    # A second hover is answered from the cache.
    sent = len(arxiv.log)
    await hover(c, uri, at(NOTES, "1605.08386", 4))
    assert len(arxiv.log) == sent


async def test_code_actions_and_insert_citation_in_latex(client: LanguageClient) -> None:
    c = client
    uri = open_doc(c, c.root / "related.tex", "latex")  # type: ignore[attr-defined]
    pos = at(TEX, "1605.08386", 2)
    # Raw JSON: lsprotocol's client-side union (Command | CodeAction) misreads CodeActions.
    actions = await raw_request(
        c,
        "textDocument/codeAction",
        {
            "textDocument": {"uri": uri},
            "range": {
                "start": {"line": pos.line, "character": pos.character},
                "end": {"line": pos.line, "character": pos.character},
            },
            "context": {"diagnostics": []},
        },
    )
    cites = [a for a in actions if a["command"]["command"] == "tieline.insertCitation"]
    assert [a["title"] for a in cites] == [
        "Insert citation (Markdown) for 1605.08386",
        "Insert citation (\\cite{key}) for 1605.08386",
    ]
    assert cites[1]["isPreferred"] and not cites[0].get("isPreferred")  # a TeX document
    got = await run_command(c, "tieline.insertCitation", *cites[1]["command"]["arguments"])
    assert got["key"] == "stanley2016heatbath"
    assert got["bibtex"].startswith("@misc{stanley2016heatbath,")
    (applied,) = c.applied_edits  # type: ignore[attr-defined]
    assert applied.edit.changes is not None
    (edit,) = applied.edit.changes[uri]
    assert edit.new_text == "\\cite{stanley2016heatbath}"
    start = TEX.splitlines()[1].index("1605.08386")
    assert edit.range.start == types.Position(line=1, character=start)
    assert edit.range.end == types.Position(line=1, character=start + len("1605.08386"))


async def test_insert_markdown_citation(client: LanguageClient) -> None:
    c = client
    uri = open_doc(c, c.root / "reading.md", "markdown")  # type: ignore[attr-defined]
    pos = at(NOTES, "srep16696")
    got = await run_command(
        c, "tieline.insertCitation", uri, {"line": pos.line, "character": pos.character}
    )
    assert got["citation"].startswith("Laura Tosatto et al. (2015). [Single\\-molecule FRET")
    assert got["citation"].endswith("*Scientific Reports*.")
    (applied,) = c.applied_edits  # type: ignore[attr-defined]
    assert applied.edit.changes is not None
    (edit,) = applied.edit.changes[uri]
    assert edit.new_text == got["citation"]

    with pytest.raises(Exception, match="no arXiv id, DOI or Semantic Scholar id"):
        await run_command(c, "tieline.insertCitation", uri, {"line": 0, "character": 2})


async def test_a_bare_number_in_code_is_no_paper(
    client: LanguageClient, arxiv: ArxivStandIn
) -> None:
    """``1605.08386`` in code is a number, not a paper; ``arXiv:1706.03762`` in its comment is
    one (arXiv's recordings lack it: Semantic Scholar answers)."""
    c = client
    uri = open_doc(c, c.root / "model.py", "python")  # type: ignore[attr-defined]
    number = await c.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=at(CODE, "1605", 2)
        )
    )
    assert number is None or "Heat" not in str(number.contents)
    assert not any(("id_list", "1605.08386") in r.query for r in arxiv.log)
    card = (await hover(c, uri, at(CODE, "1706.03762", 2))).contents.value
    assert "Attention is All you Need" in card
