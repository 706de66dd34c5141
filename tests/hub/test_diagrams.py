"""Diagrams: blocks found in documents, drawn by the real Debian PlantUML, the real Mermaid CLI
(in Debian's Chromium) and a Kroki stand-in (tests/standin/kroki.py, built from Kroki's
documented HTTP API: Kroki publishes no contract), with syntax errors mapped to the block's
lines and drawings cached by their source's hash."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from connectors.sdk.errors import ConfigError, ServiceUnavailable, TransportError
from server.hub.config import DiagramSettings
from server.hub.diagrams import Diagrams, DiagramSyntaxError, find_blocks
from server.hub.diagrams.render import LocalMermaid, LocalPlantUML
from server.hub.diagrams.service import prune
from server.hub.diagrams.syntax import kroki_problem, mermaid_problem, plantuml_input
from server.hub.sanitize import sanitize_svg
from tests.standin.kit import serving
from tests.standin.kroki import KrokiStandIn, chromium, encode, mmdc

IN_CI = bool(os.environ.get("CI"))
# In CI the peers are installed by scripts/test-peers.sh: a missing one fails there.
needs_plantuml = pytest.mark.skipif(
    not IN_CI and shutil.which("plantuml") is None, reason="Debian's plantuml is not installed"
)
needs_mermaid = pytest.mark.skipif(
    not IN_CI and (mmdc() is None or chromium() is None),
    reason="the Mermaid CLI (tests/peers) or Chromium is not installed",
)

GOOD_PUML = "@startuml\nAlice -> Bob: hello\nBob --> Alice: ok\n@enduml\n"
# Line 3 (0-based) of the block is the broken one.
BROKEN_PUML = "@startuml\nAlice -> Bob: hello\n\nthis is not ( plantuml\n@enduml\n"
GOOD_MMD = "graph TD\n  A[Start] --> B{Ok?}\n  B -->|yes| C[Done]\n"
BROKEN_MMD = "graph TD\n  A --> B\n  B -->>> \n"  # line 2 (0-based)

DOC = """# Design

Some text.

```mermaid
graph TD
  A --> B
```

- a list item with a diagram:

  ~~~plantuml
  @startuml
  A -> B
  @enduml
  ~~~

```python
print("not a diagram")
```

    ```mermaid
    an indented code block, not a fence
    ```

```uml
Bob -> Alice
"""


def settings(**kw: object) -> DiagramSettings:
    return DiagramSettings.model_validate(kw)


@pytest.fixture
def kroki() -> Iterator[KrokiStandIn]:
    with serving(KrokiStandIn()) as k:
        yield k


async def service(tmp_path: Path, **kw: object) -> Diagrams:
    return Diagrams(settings(**kw), tmp_path / "cache")


# -- blocks ------------------------------------------------------------------------------------


def test_markdown_fences_are_found_as_commonmark_reads_them() -> None:
    blocks = find_blocks(DOC, path="/w/README.md")
    assert [(b.kind, b.start, b.first) for b in blocks] == [
        ("mermaid", 4, 5),
        ("plantuml", 11, 12),
        ("plantuml", 25, 26),  # unclosed: to the end of the document
    ]
    assert blocks[0].source == "graph TD\n  A --> B\n"
    assert blocks[1].source == "@startuml\nA -> B\n@enduml\n"  # the list's indent removed
    assert blocks[2].source == "Bob -> Alice\n"
    assert blocks[0].document_line(1) == 6
    assert blocks[0].document_line(None) == 4
    assert blocks[0].document_line(99) == blocks[0].end - 1  # never past the block


def test_markdown_is_known_by_language_id_too() -> None:
    assert len(find_blocks(DOC, path=None, language_id="markdown")) == 3
    assert find_blocks(DOC, path="/w/notes.txt") == []


def test_diagram_files() -> None:
    (mmd,) = find_blocks(GOOD_MMD, path="/w/flow.mmd")
    assert (mmd.kind, mmd.start, mmd.source) == ("mermaid", 0, GOOD_MMD)
    two = "' header\n@startuml\nA -> B\n@enduml\n\n@startuml\nC -> D\n@enduml\n"
    blocks = find_blocks(two, path="/w/seq.puml")
    assert [(b.start, b.end) for b in blocks] == [(1, 4), (5, 8)]
    (bare,) = find_blocks("A -> B\n", path="/w/seq.plantuml")
    assert bare.source == "A -> B\n"
    assert find_blocks("   \n", path="/w/empty.mmd") == []


def test_same_source_same_digest() -> None:
    a, b = find_blocks("```mermaid\ngraph TD\n```\n\n```mermaid\ngraph TD\n```\n", path="x.md")
    assert a.digest == b.digest and a.start != b.start


# -- syntax errors, line by line ---------------------------------------------------------------


def test_plantuml_input_always_starts_with_its_start_line() -> None:
    plain = plantuml_input("A -> B\nfoo (\n")
    assert plain.text.startswith("@startuml\n") and plain.wrapped
    assert plain.block_line(2) == 1  # PlantUML counts the @startuml it was given
    led = plantuml_input("\n\n@startuml\nA -> B\n@enduml\n")
    assert led.text.startswith("@startuml") and led.skipped == 2 and not led.wrapped
    assert led.block_line(1) == 3


def test_kroki_and_mermaid_messages() -> None:
    prepared = plantuml_input(BROKEN_PUML)
    p = kroki_problem("plantuml", "Error 400: Syntax Error? (line: 3)", prepared)
    assert (p.message, p.line) == ("Syntax Error?", 3)
    m = mermaid_problem(
        "Error 400: SyntaxError: Parse error on line 3:\n...A --> B  B -->>>\n---^\n"
        "Expecting 'AMP', 'COLON', got 'TAGEND'\n    at Parser.parseError (x.js:1:2)"
    )
    assert m.line == 2
    assert m.message.startswith("Parse error: Expecting 'AMP'")
    unknown = kroki_problem("plantuml", "Error 400: Empty diagram, missing delimiters?", None)
    assert (unknown.message, unknown.line) == ("Empty diagram, missing delimiters?", None)


# -- the real PlantUML --------------------------------------------------------------------------


@needs_plantuml
async def test_local_plantuml_draws_and_caches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = await service(tmp_path, renderer="local")
    drawing = await d.draw("plantuml", GOOD_PUML, "svg")
    assert drawing.renderer == "PlantUML"
    assert drawing.path.is_relative_to(tmp_path / "cache")
    svg = drawing.read().decode()
    assert "<svg" in svg and "Alice" in svg
    png = await d.draw("plantuml", GOOD_PUML, "png")
    assert png.read()[:8] == b"\x89PNG\r\n\x1a\n"

    def refuse(*a: object) -> object:
        raise AssertionError("drawn again instead of read from the cache")

    monkeypatch.setattr(LocalPlantUML, "render", refuse)
    again = await Diagrams(settings(renderer="local"), tmp_path / "cache").draw(
        "plantuml", GOOD_PUML
    )
    assert again.path == drawing.path  # a new service (a restart) finds the file


@needs_plantuml
@pytest.mark.parametrize(
    ("source", "line"),
    [
        (BROKEN_PUML, 3),
        ("\n\n" + BROKEN_PUML, 5),  # blank lines before @startuml
        ("Alice -> Bob: hi\nnot ( valid\n", 1),  # no @startuml at all
        ("@startuml\nclass A {\n@enduml\n", 1),
    ],
)
async def test_local_plantuml_syntax_error_has_the_block_line(
    tmp_path: Path, source: str, line: int
) -> None:
    d = await service(tmp_path, renderer="local")
    with pytest.raises(DiagramSyntaxError) as got:
        await d.draw("plantuml", source)
    assert got.value.problem.line == line
    assert got.value.problem.message  # PlantUML's cause ("Syntax Error?")
    assert d.known_problem("plantuml", source) == got.value.problem
    assert not list((tmp_path / "cache").rglob("*.svg"))  # no picture of a broken diagram


@needs_plantuml
async def test_concurrent_draws_of_one_source_run_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = 0
    real = LocalPlantUML.render

    async def counted(self: LocalPlantUML, kind: str, source: str, fmt: str) -> bytes:
        nonlocal calls
        calls += 1
        return await real(self, kind, source, fmt)  # type: ignore[arg-type]

    monkeypatch.setattr(LocalPlantUML, "render", counted)
    d = await service(tmp_path, renderer="local")
    a, b = await asyncio.gather(d.draw("plantuml", GOOD_PUML), d.draw("plantuml", GOOD_PUML))
    assert a.path == b.path and calls == 1


async def test_nothing_to_draw_with_says_what_to_do(tmp_path: Path) -> None:
    d = await service(tmp_path, plantuml_command=["no-such-plantuml"], mermaid_command=["no-mmdc"])
    with pytest.raises(ConfigError, match=r"install PlantUML.*tieline\.diagrams\.kroki_url"):
        await d.draw("plantuml", GOOD_PUML)
    assert not d.can_draw("mermaid")
    local = await service(tmp_path, renderer="local", plantuml_command=["no-such-plantuml"])
    with pytest.raises(ConfigError, match="No local renderer"):
        await local.draw("plantuml", GOOD_PUML)
    only_kroki = await service(tmp_path, renderer="kroki")
    with pytest.raises(ConfigError, match=r"Set tieline\.diagrams\.kroki_url"):
        await only_kroki.draw("mermaid", GOOD_MMD)


def test_prune_drops_drawings_unused_for_a_month(tmp_path: Path) -> None:
    old, fresh = tmp_path / "ab" / "abc.svg", tmp_path / "cd" / "cde.png"
    for p in (old, fresh):
        p.parent.mkdir()
        p.write_bytes(b"<svg/>")
    os.utime(old, (1_000_000, 1_000_000))
    assert prune(tmp_path) == 1
    assert not old.exists() and fresh.exists()


def test_kroki_url_must_be_http() -> None:
    with pytest.raises(ValueError):
        settings(kroki_url="file:///etc/passwd")


# -- the real Mermaid CLI -------------------------------------------------------------------


@needs_mermaid
async def test_local_mermaid_draws_and_reports_the_line(tmp_path: Path) -> None:
    d = Diagrams(settings(renderer="local", mermaid_command=[str(mmdc())]), tmp_path / "cache")
    assert isinstance(d.renderer_for("mermaid"), LocalMermaid)
    drawing = await d.draw("mermaid", GOOD_MMD)
    assert drawing.renderer == "Mermaid CLI" and b"<svg" in drawing.read()
    with pytest.raises(DiagramSyntaxError) as got:
        await d.draw("mermaid", BROKEN_MMD)
    assert got.value.problem.line == 2
    assert "Parse error" in got.value.problem.message


# -- Kroki ----------------------------------------------------------------------------------


def test_the_standin_speaks_krokis_get_form_too(kroki: KrokiStandIn) -> None:
    if kroki.plantuml is None:
        pytest.skip("Debian's plantuml is not installed")
    r = httpx.get(f"{kroki.url}/plantuml/svg/{encode(GOOD_PUML)}", timeout=60)
    assert r.status_code == 200 and r.headers["content-type"] == "image/svg+xml"
    bad = httpx.get(f"{kroki.url}/plantuml/svg/{encode(BROKEN_PUML)}", timeout=60)
    assert (bad.status_code, bad.text) == (400, "Error 400: Syntax Error? (line: 3)")


@needs_plantuml
async def test_kroki_draws_plantuml_and_maps_its_errors(
    tmp_path: Path, kroki: KrokiStandIn
) -> None:
    d = await service(tmp_path, renderer="kroki", kroki_url=kroki.url + "/")
    drawing = await d.draw("plantuml", GOOD_PUML)
    assert drawing.renderer == "Kroki" and b"<svg" in drawing.read()
    sent = [e for e in kroki.log if e.method == "POST"]
    assert [(e.path, e.headers["content-type"]) for e in sent] == [
        ("/plantuml/svg", "text/plain; charset=utf-8")
    ]
    with pytest.raises(DiagramSyntaxError) as got:
        await d.draw("plantuml", "\n" + BROKEN_PUML)
    assert got.value.problem.line == 4  # the same line the local PlantUML reports
    await d.aclose()


async def test_kroki_without_a_renderer_or_a_server(tmp_path: Path, kroki: KrokiStandIn) -> None:
    kroki.mmdc = None  # a Kroki whose Mermaid companion is not running
    d = await service(tmp_path, renderer="kroki", kroki_url=kroki.url)
    with pytest.raises(ServiceUnavailable, match="Kroki: 503"):
        await d.draw("mermaid", GOOD_MMD)
    await d.aclose()
    gone = await service(tmp_path, renderer="kroki", kroki_url="http://127.0.0.1:9")
    with pytest.raises(TransportError, match="Kroki: no answer"):
        await gone.draw("plantuml", GOOD_PUML)
    await gone.aclose()


@needs_mermaid
async def test_kroki_mermaid_syntax_error_has_the_line(tmp_path: Path, kroki: KrokiStandIn) -> None:
    d = await service(tmp_path, renderer="kroki", kroki_url=kroki.url)
    with pytest.raises(DiagramSyntaxError) as got:
        await d.draw("mermaid", BROKEN_MMD)
    assert got.value.problem.line == 2
    await d.aclose()


# -- showing a drawing safely -----------------------------------------------------------------


def test_sanitize_svg_keeps_the_drawing_and_drops_what_could_act() -> None:
    svg = (
        '<?xml version="1.0"?><!-- c --><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 9 9">'
        "<style>@import url(https://evil.example/x.css); .n{fill:url(#g);"
        " background:url(https://evil.example/t.png)}</style>"
        '<defs><marker id="m"><path d="M0 0"/></marker></defs>'
        '<a href="javascript:alert(1)">'
        '<rect onclick="alert(1)" class="n" marker-end="url(#m)"/></a>'
        '<a href="#m"><text x="1">Alice &lt;b&gt;</text></a>'
        "<script>alert(1)</script><image href='https://evil.example/i.png'/>"
        '<foreignObject><div xmlns="http://www.w3.org/1999/xhtml"><span>label</span>'
        "<img src=x onerror=alert(1)><iframe src='https://evil.example'></iframe></div></foreignObject></svg>"
    )
    out = sanitize_svg(svg)
    for gone in (
        "script",
        "alert",
        "onclick",
        "onerror",
        "evil.example",
        "@import",
        "iframe",
        "<img",
        "<image",
        "<!--",
    ):
        assert gone not in out
    for kept in (
        'viewBox="0 0 9 9"',
        'marker-end="url(#m)"',
        'href="#m"',
        "<span>label</span>",
        "Alice &lt;b&gt;",
        "fill:url(#g)",
    ):
        assert kept in out
    assert out.startswith("<svg")


@needs_plantuml
@pytest.mark.parametrize(
    ("line", "reach"),
    [
        (2, "!include {secret}"),
        (2, "!includeurl http://127.0.0.1:9/x.puml"),
        (2, 'Bob -> Alice: %getenv("TIELINE_DIAGRAM_CANARY")'),
        (2, "Bob : <img:{secret}>"),
    ],
)
async def test_a_local_plantuml_reads_no_file_url_or_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, line: int, reach: str
) -> None:
    """Diagrams of any opened repository are drawn unasked; Debian's PlantUML has no
    security profile, so what would read a file, a URL or the environment is refused with
    the line, and nothing of it reaches the picture."""
    secret = tmp_path / "id_rsa"
    secret.write_text("Alice -> Bob: SECRET-KEY-CANARY\n")
    monkeypatch.setenv("TIELINE_DIAGRAM_CANARY", "SECRET-ENV-CANARY")
    source = "@startuml\nAlice -> Bob: hi\n" + reach.format(secret=secret) + "\n@enduml\n"
    with pytest.raises(DiagramSyntaxError) as err:
        await LocalPlantUML(["plantuml"]).render("plantuml", source, "svg")
    assert err.value.problem.line == line and "not followed" in err.value.message


@needs_plantuml
async def test_without_the_guard_plantuml_would_follow_an_include(tmp_path: Path) -> None:
    """The control: Debian's PlantUML does follow ``!include`` (what the guard stops)."""
    secret = tmp_path / "part.puml"
    secret.write_text("Alice -> Bob: SECRET-KEY-CANARY\n")
    proc = await asyncio.create_subprocess_exec(
        "plantuml", "-pipe", "-tsvg", stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    out, _ = await proc.communicate(f"@startuml\n!include {secret}\n@enduml\n".encode())
    assert b"SECRET-KEY-CANARY" in out
