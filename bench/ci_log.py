"""Opening a 10 MB job log through the server while the editor hovers.

Run: ``python -m bench.ci_log [MB] [HOVERS]``. A temporary checkout (remote
github.com/octo/app, with the synthetic CI's marker file), the synthetic service on 127.0.0.1
(``tests/standin/synthetic.py``: an issue ``WEB-1`` and a failed job with a log of MB
megabytes, colours on every line, served 1 MB a read like a progressive log), and
``python -m server serve`` driven by pygls' own client. Figures (printed, never asserted):

* hover, no log   -- HOVERS sequential hovers on ``WEB-1`` (answered from the index), p50/p99;
* first page      -- from ``tieline/log`` {offset 0} sent to its answer: the whole log read,
                     stripped and laid out (the failing step first) in the background;
* hover, loading  -- hovers sent back to back while that request is in flight, p50/p99;
* all pages       -- reading the rest of the log page by page (512 KB a page).

``workspace/textDocumentContent`` serves its pages from the same background reader, so its
first page costs the same.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient

from bench.client import percentiles, start, stop
from tests.standin.kit import serving
from tests.standin.synthetic import SyntheticStandIn

ROOT = Path(__file__).resolve().parents[1]
REPO = "octo/app"
NOTES = "The bug is WEB-1.\n"
HOVER_AT = types.Position(line=0, character=13)


def _log(mb: int) -> str:
    line = "\x1b[32m{n:09d}\x1b[0m compiling module_{n} with -O2 and a long flag list\n"
    body = []
    size, n = 0, 0
    while size < mb * 1_000_000:
        text = line.format(n=n)
        body.append(text)
        size += len(text)
        n += 1
    return "##[group]Run build\n" + "".join(body) + "##[group]Run tests\nE  boom\n##[error]exit 1\n"


def _checkout(folder: Path, url: str) -> tuple[Path, dict[str, str]]:
    import git

    root = folder / "app"
    git.Repo.init(root, initial_branch="feature").create_remote(
        "origin", f"https://github.com/{REPO}.git"
    )
    (root / ".synthetic-ci.yml").write_text("jobs: [build]\n")
    (root / "NOTES.md").write_text(NOTES)
    site = folder / "site" / "tieline_synthetic_ci-1.0.dist-info"
    site.mkdir(parents=True)
    (site / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: tieline-synthetic-ci\nVersion: 1\n"
    )
    (site / "entry_points.txt").write_text(
        "[tieline.connectors]\nsynthetic = tests.synthetic.connector:SyntheticConnector\n"
    )
    home = folder / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIELINE_")}
    env.update(
        PYTHONPATH=f"{site.parent}:{ROOT}",
        TIELINE_HOME=str(home),
        TIELINE_GITHUB_TOKEN="",
        TIELINE_SYNTHETIC_TOKEN="tok-ada",
        TIELINE_CONNECTORS__SYNTHETIC__API_URL=url,
        TIELINE_LOG_LEVEL="info",
        TIELINE_VAULT_BACKEND="file",
        TIELINE_VAULT_PASSPHRASE="bench-passphrase",
    )
    return root, env


async def _launch(root: Path, env: dict[str, str]) -> LanguageClient:
    def hook(client: LanguageClient) -> None:
        for method in ("tieline/panel/changed", "tieline/log/changed"):
            client.feature(method)(lambda params: None)
        client.feature(types.WORKSPACE_CODE_LENS_REFRESH)(lambda params: None)
        client.feature(types.WORKSPACE_TEXT_DOCUMENT_CONTENT_REFRESH)(lambda params: None)
        client.feature(types.WINDOW_SHOW_MESSAGE)(lambda params: None)
        client.feature(types.PROGRESS)(lambda params: None)

    client, _ = await start(
        [sys.executable, "-m", "server", "serve"], cwd=ROOT, env=env, root=root, configure=hook
    )
    return client


async def _request(client: LanguageClient, method: str, params: Any) -> Any:
    return await client.protocol.send_request_async(method, params)


async def _job_uri(client: LanguageClient) -> str:
    async with asyncio.timeout(60):
        while True:
            top = (await _request(client, "tieline/panel/items", {"panelId": "ci"})).items
            if top and getattr(top[0], "hasChildren", False):
                break
            await asyncio.sleep(0.2)
    (pipe,) = await _children(client, top[0].id)
    (job,) = await _children(client, pipe.id)
    return str(job.logUri)


async def _children(client: LanguageClient, parent: str) -> list[Any]:
    got = await _request(client, "tieline/panel/items", {"panelId": "ci", "parentId": parent})
    return list(got.items)


async def _hover(client: LanguageClient, uri: str) -> float:
    t = time.perf_counter()
    got = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=HOVER_AT)
    )
    assert got is not None, "WEB-1 has no card"
    return time.perf_counter() - t


async def run(mb: int, hovers: int) -> None:
    standin = SyntheticStandIn()
    standin.state.add_issue("WEB", "The bug", author="bob", assignee="ada")
    p = standin.ci.add_pipeline(REPO, "build", "feature")
    standin.ci.add_job(p["id"], "compile", None, "failed", log=_log(mb))
    standin.ci.settle(p["id"])
    with serving(standin) as s, tempfile.TemporaryDirectory() as tmp:
        root, env = _checkout(Path(tmp), s.url)
        client = await _launch(root, env)
        try:
            uri = (root / "NOTES.md").as_uri()
            client.text_document_did_open(
                types.DidOpenTextDocumentParams(
                    text_document=types.TextDocumentItem(
                        uri=uri, language_id="markdown", version=1, text=NOTES
                    )
                )
            )
            log_uri = await _job_uri(client)
            for _ in range(30):
                await _hover(client, uri)
            quiet = [await _hover(client, uri) for _ in range(hovers)]

            t0 = time.perf_counter()
            first = asyncio.ensure_future(
                _request(client, "tieline/log", {"uri": log_uri, "offset": 0})
            )
            busy: list[float] = []
            while not first.done():
                busy.append(await _hover(client, uri))
            page = first.result()
            first_s = time.perf_counter() - t0
            total = int(page.total or 0)
            pages, offset = 1, int(page.nextOffset)
            t1 = time.perf_counter()
            while not page.complete:
                page = await _request(client, "tieline/log", {"uri": log_uri, "offset": offset})
                offset = int(page.nextOffset)
                pages += 1
            rest_s = time.perf_counter() - t1
        finally:
            await stop(client)

    q50, q99 = percentiles(quiet)
    b50, b99 = percentiles(busy) if busy else (float("nan"), float("nan"))
    print(f"log: {mb} MB raw, {total / 1e6:.1f} M characters after stripping, {pages} pages")
    print(f"{'':24} {'p50 ms':>8} {'p99 ms':>8} {'n':>6}")
    print(f"{'hover, no log':24} {q50:8.2f} {q99:8.2f} {len(quiet):6}")
    print(f"{'hover, log loading':24} {b50:8.2f} {b99:8.2f} {len(busy):6}")
    print(f"first page (tieline/log): {first_s * 1000:.0f} ms")
    print(f"the other {pages - 1} pages: {rest_s * 1000:.0f} ms")


def main(argv: list[str]) -> None:
    mb = int(argv[0]) if argv else 10
    hovers = int(argv[1]) if len(argv) > 1 else 300
    asyncio.run(run(mb, hovers))


if __name__ == "__main__":
    main(sys.argv[1:])
