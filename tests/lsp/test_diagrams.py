"""Diagrams end to end over stdio: the real server, a client declaring VS Code's (or a
lens-less editor's) capabilities, Markdown and ``.mmd`` files with Mermaid and PlantUML
blocks, drawn by Debian's PlantUML and -- through a Kroki stand-in built from Kroki's
documented HTTP API (tests/standin/kroki.py; Kroki publishes no contract) -- the Mermaid CLI.
A broken block gets a diagnostic on its broken line; fixing it clears it."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from server.lsp.diagnostics import DiagnosticsBoard
from tests.hub.test_diagrams import (
    BROKEN_MMD,
    GOOD_PUML,
    needs_mermaid,
    needs_plantuml,
)
from tests.lsp.conftest import Env, server_env
from tests.lsp.raw import raw_request
from tests.standin.kit import serving
from tests.standin.kroki import KrokiStandIn

README = """# Design

```plantuml
@startuml
Alice -> Bob: hello
@enduml
```

Then:

```plantuml
@startuml
Alice -> Bob: hello
this is not ( plantuml
@enduml
```
"""
BROKEN_LINE = 13  # "this is not ( plantuml" in README
FIXED = README.replace("this is not ( plantuml", "Bob --> Alice: ok")


def _env(root: Path, home: Path, **extra: str) -> dict[str, str]:
    return server_env(Env(root=root, github=None, home=home), TIELINE_GITHUB_TOKEN="", **extra)


async def _start(root: Path, env: dict[str, str], caps: types.ClientCapabilities) -> LanguageClient:
    config = ClientServerConfig(
        server_command=[sys.executable, "-m", "server", "serve"], server_env=env
    )
    c: LanguageClient = await config.start()  # type: ignore[assignment]

    @c.feature(types.WORKSPACE_CODE_LENS_REFRESH)
    def lens_refresh(params: Any) -> None:
        return None

    await c.initialize_session(
        types.InitializeParams(
            capabilities=caps,
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="app")],
        )
    )
    return c


def _open(client: LanguageClient, path: Path, language: str, text: str, version: int = 1) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id=language, version=version, text=text
            )
        )
    )
    return uri


async def _until(predicate: Any, timeout: float = 90.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.1)


async def _run(client: LanguageClient, command: str, *args: Any) -> Any:
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=command, arguments=list(args))
    )


@pytest.fixture
def root(tmp_path: Path) -> Path:
    r = tmp_path / "app"
    r.mkdir()
    (r / "README.md").write_text(README)
    (r / ".tieline.toml").write_text('[diagrams]\nrenderer = "local"\n')
    return r


@pytest.fixture
async def vscode(root: Path, tieline_home: Path) -> AsyncIterator[LanguageClient]:
    c = await _start(root, _env(root, tieline_home), client_capabilities("visual-studio-code"))
    yield c
    await c.shutdown_session()


@needs_plantuml
async def test_lenses_preview_export_and_a_diagnostic_on_the_broken_line(
    vscode: LanguageClient, root: Path, tieline_home: Path
) -> None:
    client = vscode
    uri = _open(client, root / "README.md", "markdown", README)
    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert lenses is not None
    got = [
        (lens.range.start.line, lens.command.title, list(lens.command.arguments or []))
        for lens in lenses
        if lens.command
    ]
    assert got == [
        (2, "Preview diagram", [uri, 0]),
        (2, "Export SVG", [uri, 0, "svg"]),
        (2, "Export PNG", [uri, 0, "png"]),
        (10, "Preview diagram", [uri, 1]),
        (10, "Export SVG", [uri, 1, "svg"]),
        (10, "Export PNG", [uri, 1, "png"]),
    ]

    await _until(lambda: bool(client.diagnostics.get(uri)))
    (diag,) = client.diagnostics[uri]
    assert diag.range.start.line == BROKEN_LINE
    assert (diag.range.start.character, diag.range.end.character) == (
        0,
        len("this is not ( plantuml"),
    )
    assert diag.severity == types.DiagnosticSeverity.Error
    assert diag.source == "Tieline diagrams"
    assert diag.message.startswith("PlantUML: ")
    assert diag.code_description is not None  # VS Code declares codeDescriptionSupport

    shown = await _run(client, "tieline.diagrams.preview", uri, 0)
    drawn = Path(shown["path"])
    assert drawn.is_relative_to(tieline_home / "cache") and drawn.suffix == ".svg"
    assert b"<svg" in await asyncio.to_thread(drawn.read_bytes)
    assert (shown["renderer"], shown["kind"], shown["title"]) == (
        "PlantUML",
        "plantuml",
        "README.md · diagram 1",
    )
    await _until(lambda: any(shown["path"] in m.message for m in client.messages))

    inline = await _run(client, "tieline.diagrams.draw", uri, 0)
    assert inline["path"] == shown["path"]  # from the cache
    assert inline["svg"].startswith("<svg") and "<?xml" not in inline["svg"]

    exported = await _run(client, "tieline.diagrams.export", uri, 0, "png")
    assert exported == {"path": str(root / "README-diagram-1.png")}
    png = await asyncio.to_thread((root / "README-diagram-1.png").read_bytes)
    assert png[:4] == b"\x89PNG"

    with pytest.raises(Exception, match=r"PlantUML: Syntax Error\? \(line 3\)"):
        await _run(client, "tieline.diagrams.preview", uri, 1)
    with pytest.raises(Exception, match=r"has 2 diagram\(s\), not one numbered 7"):
        await _run(client, "tieline.diagrams.preview", uri, 7)

    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=FIXED)],
        )
    )
    await _until(lambda: uri in client.diagnostics and not client.diagnostics[uri])


@needs_plantuml
async def test_a_client_without_code_lenses_gets_code_actions(
    root: Path, tieline_home: Path
) -> None:
    caps = client_capabilities("visual-studio-code")
    assert caps.text_document is not None
    caps.text_document.code_lens = None  # as Helix: no code lenses
    client = await _start(root, _env(root, tieline_home), caps)
    try:
        uri = _open(client, root / "README.md", "markdown", README)
        # Raw JSON: lsprotocol's client-side union (Command | CodeAction) misreads CodeActions.
        at = {"line": 12, "character": 0}
        actions = await raw_request(
            client,
            "textDocument/codeAction",
            {
                "textDocument": {"uri": uri},
                "range": {"start": at, "end": at},
                "context": {"diagnostics": []},
            },
        )
        titles = [(a["title"], a["command"]["arguments"]) for a in actions]
        assert titles == [
            ("Preview diagram", [uri, 1]),
            ("Export SVG", [uri, 1, "svg"]),
            ("Export PNG", [uri, 1, "png"]),
        ]
        puml = root / "flow.puml"
        puml_uri = _open(client, puml, "plantuml", GOOD_PUML)
        exported = await _run(client, "tieline.diagrams.export", puml_uri, 0, "svg")
        assert exported == {"path": str(root / "flow.svg")}  # beside it, named after it
    finally:
        await client.shutdown_session()


@needs_mermaid
async def test_mermaid_through_kroki_gets_its_diagnostic(root: Path, tieline_home: Path) -> None:
    with serving(KrokiStandIn()) as kroki:
        (root / ".tieline.toml").write_text(
            f'[diagrams]\nrenderer = "kroki"\nkroki_url = "{kroki.url}"\n'
        )
        client = await _start(root, _env(root, tieline_home), client_capabilities("neovim@v0.10.0"))
        try:
            path = root / "flow.mmd"
            uri = _open(client, path, "mermaid", BROKEN_MMD)
            await _until(lambda: bool(client.diagnostics.get(uri)))
            (diag,) = client.diagnostics[uri]
            assert diag.range.start.line == 2
            assert diag.message.startswith("Mermaid: Parse error")
            assert [p for p, _ in kroki.drawn] == [] and any(
                e.path == "/mermaid/svg" for e in kroki.log
            )
        finally:
            await client.shutdown_session()


def test_the_board_merges_owners_and_publishes_only_changes() -> None:
    sent: list[types.PublishDiagnosticsParams] = []

    class Server:
        def text_document_publish_diagnostics(self, p: types.PublishDiagnosticsParams) -> None:
            sent.append(p)

    def diag(msg: str) -> types.Diagnostic:
        return types.Diagnostic(
            range=types.Range(start=types.Position(0, 0), end=types.Position(0, 1)), message=msg
        )

    board = DiagnosticsBoard(Server())  # type: ignore[arg-type]
    board.set("diagrams", "file:///a.md", [diag("broken diagram")])
    board.set("ci", "file:///a.md", [diag("failed test")])
    board.set("ci", "file:///a.md", [diag("failed test")])  # unchanged: not sent again
    board.set("diagrams", "file:///a.md", [])
    assert [[d.message for d in p.diagnostics] for p in sent] == [
        ["broken diagram"],
        ["failed test", "broken diagram"],
        ["failed test"],
    ]
    assert board.uris("ci") == {"file:///a.md"} and board.uris("diagrams") == set()
