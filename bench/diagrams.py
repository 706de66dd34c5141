"""Diagrams drawn while the editor keeps asking: what a Markdown file of PlantUML blocks costs.

Run: ``python -m bench.diagrams [BLOCKS]``. A temporary folder with ``DESIGN.md`` holding
BLOCKS distinct PlantUML blocks (one of them broken), ``python -m server serve`` driven by
pygls' own client, and Debian's ``plantuml`` drawing. Figures (printed, never asserted):

* first check     -- from ``didOpen`` to the broken block's diagnostic: every block drawn
                     cold in the background (a JVM start each, two at a time);
* lens, drawing   -- code-lens requests sent back to back while that check runs, p50/p99:
                     answered from the text, never waiting on a drawing;
* second check    -- the document closed and opened again: every block from the cache;
* preview, warm   -- ``tieline.diagrams.draw`` of a block already drawn (cache, sanitizer).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient

from bench.client import percentiles, start, stop

ROOT = Path(__file__).resolve().parents[1]


def _document(blocks: int) -> str:
    parts = ["# Design\n"]
    for n in range(blocks):
        body = f"Alice -> Bob{n}: step {n}\nBob{n} --> Alice: done" if n else "this is ( broken"
        parts.append(f"\n```plantuml\n@startuml\n{body}\n@enduml\n```\n")
    return "".join(parts)


async def _launch(root: Path, home: Path) -> tuple[LanguageClient, list[Any], asyncio.Event]:
    published: list[Any] = []
    arrived = asyncio.Event()

    def got(params: Any) -> None:
        published.append(params)
        arrived.set()

    def hook(client: LanguageClient) -> None:
        client.feature("tieline/panel/changed")(lambda params: None)
        client.feature(types.WORKSPACE_CODE_LENS_REFRESH)(lambda params: None)
        client.feature(types.WINDOW_SHOW_MESSAGE)(lambda params: None)
        client.feature(types.PROGRESS)(lambda params: None)
        client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)(got)

    env = {k: v for k, v in os.environ.items() if not k.startswith("TIELINE_")}
    env.update(
        TIELINE_HOME=str(home),
        TIELINE_LOG_LEVEL="info",
        TIELINE_VAULT_BACKEND="file",
        TIELINE_VAULT_PASSPHRASE="bench-passphrase",
        TIELINE_DIAGRAMS__RENDERER="local",
    )
    client, _ = await start(
        [sys.executable, "-m", "server", "serve"], cwd=ROOT, env=env, root=root, configure=hook
    )
    return client, published, arrived


def _open(client: LanguageClient, uri: str, text: str) -> None:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="markdown", version=1, text=text
            )
        )
    )


async def _checked(published: list[Any], arrived: asyncio.Event, uri: str, since: int) -> None:
    async with asyncio.timeout(600):
        while not any(p.uri == uri and p.diagnostics for p in published[since:]):
            arrived.clear()
            await arrived.wait()


async def run(blocks: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root, home = Path(tmp) / "docs", Path(tmp) / "home"
        root.mkdir()
        home.mkdir()
        text = _document(blocks)
        (root / "DESIGN.md").write_text(text)
        uri = (root / "DESIGN.md").as_uri()
        client, published, arrived = await _launch(root, home)
        try:
            lens = types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
            t0 = time.perf_counter()
            _open(client, uri, text)
            check = asyncio.ensure_future(_checked(published, arrived, uri, 0))
            samples: list[float] = []
            while not check.done():
                t = time.perf_counter()
                await client.text_document_code_lens_async(lens)
                samples.append(time.perf_counter() - t)
            await check
            first = time.perf_counter() - t0
            p50, p99 = percentiles(samples)
            print(f"first check    {first:8.2f} s    ({blocks} blocks drawn cold)")
            print(f"lens, drawing  {p50:8.2f} ms p50  {p99:8.2f} ms p99  ({len(samples)} requests)")

            client.text_document_did_close(
                types.DidCloseTextDocumentParams(
                    text_document=types.TextDocumentIdentifier(uri=uri)
                )
            )
            since = len(published)
            t0 = time.perf_counter()
            _open(client, uri, text)
            await _checked(published, arrived, uri, since)
            print(f"second check   {time.perf_counter() - t0:8.2f} s    (from the cache)")

            warm: list[float] = []
            for _ in range(20):
                t = time.perf_counter()
                await client.workspace_execute_command_async(
                    types.ExecuteCommandParams(command="tieline.diagrams.draw", arguments=[uri, 1])
                )
                warm.append(time.perf_counter() - t)
            p50, p99 = percentiles(warm)
            print(f"preview, warm  {p50:8.2f} ms p50  {p99:8.2f} ms p99")
        finally:
            await stop(client)


def main(argv: list[str]) -> None:
    if shutil.which("plantuml") is None:
        print("skipped: Debian's plantuml is not installed (scripts/test-peers.sh installs it)")
        return
    blocks = int(argv[0]) if argv else 6
    asyncio.run(run(blocks))


if __name__ == "__main__":
    main(sys.argv[1:])
