"""A workspace task that prints a lot, streamed to the editor while it hovers.

Run: ``python -m bench.tasks_output [MB] [HOVERS]``. The checkout of :mod:`bench.ci_log`
(the synthetic service on 127.0.0.1 serving an issue ``WEB-1``, so a hover is a real card
from the index) with a Makefile whose ``flood`` target prints MB megabytes of coloured
lines, and ``python -m server serve`` driven by pygls' own client. The task is started with
``tieline.tasks.run``; while it runs, one loop follows its output document through
``tieline/log`` (as a shell pages a live document: ask from the last offset, again) and
another hovers ``WEB-1`` back to back. Figures (printed, never asserted):

* hover, quiet      -- HOVERS sequential hovers before the task, p50/p99;
* hover, streaming  -- the hovers answered while the task printed, p50/p99;
* task              -- from the run command to the output's last line in the editor's
                       hands, and that as MB/s of the task's raw output;
* follower          -- ``tieline/log`` reads it took, and how long after the panel said the
                       task ended the follower had every character.

Once with the follower asking for 64 KB a read, once for whole pages (512 KB).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient

from bench.ci_log import NOTES, _checkout, _hover, _launch, _request
from bench.client import percentiles, stop
from tests.standin.kit import serving
from tests.standin.synthetic import SyntheticStandIn

FLOOD = (
    'flood:\n\t@python3 -c "import sys; w = sys.stdout.write; '
    "[w(f'\\033[32m{i:09d}\\033[0m compiling module_{i} with -O2 and a long flag list\\n') "
    'for i in range(LINES)]"\n'
)
LINE_BYTES = 70  # about, with its escapes
#: Characters the follower asks for per read: a live follower's small reads, and the
#: default page (``ci.log_page_kb``). pygls writes each answer to stdout synchronously, so a
#: big one holds the server's loop while the editor reads it: both are measured.
LIMITS = (64 * 1024, None)


async def _task(client: LanguageClient, name: str) -> Any:
    got = await _request(
        client,
        types.WORKSPACE_EXECUTE_COMMAND,
        types.ExecuteCommandParams(command="tieline.tasks.list", arguments=[]),
    )
    tasks = got["tasks"] if isinstance(got, dict) else got.tasks
    found = next(t for t in tasks if _get(t, "name") == name)
    return found


def _get(obj: Any, key: str) -> Any:
    return obj[key] if isinstance(obj, dict) else getattr(obj, key)


async def _follow(client: LanguageClient, uri: str, limit: int | None) -> tuple[int, int, float]:
    """Read the output as it grows until it is complete: (characters, reads, when)."""
    offset = reads = 0
    size = 0
    while True:
        page = await _request(
            client,
            "tieline/log",
            {"uri": uri, "offset": offset} | ({"limit": limit} if limit else {}),
        )
        reads += 1
        size += len(page.text)
        offset = int(page.nextOffset)
        if page.complete:
            return size, reads, time.perf_counter()
        if not page.text:
            await asyncio.sleep(0.05)


async def run(mb: int, hovers: int, limit: int | None) -> None:
    standin = SyntheticStandIn()
    standin.state.add_issue("WEB", "The bug", author="bob", assignee="ada")
    lines = mb * 1_000_000 // LINE_BYTES
    with serving(standin) as s, tempfile.TemporaryDirectory() as tmp:
        root, env = _checkout(Path(tmp), s.url)
        (root / "Makefile").write_text(FLOOD.replace("LINES", str(lines)))
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
            async with asyncio.timeout(60):  # until the first sync has the card
                while True:
                    try:
                        await _hover(client, uri)
                        break
                    except AssertionError:
                        await asyncio.sleep(0.2)
            for _ in range(30):
                await _hover(client, uri)
            quiet = [await _hover(client, uri) for _ in range(hovers)]

            flood_id = _get(await _task(client, "flood"), "id")
            t0 = time.perf_counter()
            ran = await _request(
                client,
                types.WORKSPACE_EXECUTE_COMMAND,
                types.ExecuteCommandParams(command="tieline.tasks.run", arguments=[flood_id]),
            )
            follower = asyncio.ensure_future(_follow(client, str(_get(ran, "uri")), limit))
            busy: list[float] = []
            ended_at = None
            while not follower.done():
                busy.append(await _hover(client, uri))
                if ended_at is None and len(busy) % 20 == 0:
                    state = _get(await _task(client, "flood"), "state")
                    if state != "running":
                        ended_at = time.perf_counter()
            chars, reads, last = follower.result()
            total_s = last - t0
            state = _get(await _task(client, "flood"), "state")
        finally:
            await stop(client)

    q50, q99 = percentiles(quiet)
    b50, b99 = percentiles(busy) if busy else (float("nan"), float("nan"))
    raw_mb = lines * LINE_BYTES / 1e6
    print(f"-- follower reads of {f'{limit // 1024} KB' if limit else 'a page (512 KB)'}")
    print(f"task: {lines:,} lines (~{raw_mb:.0f} MB raw), {chars / 1e6:.1f} M characters "
          f"after stripping, ended {state}")  # fmt: skip
    print(f"{'':24} {'p50 ms':>8} {'p99 ms':>8} {'n':>6}")
    print(f"{'hover, quiet':24} {q50:8.2f} {q99:8.2f} {len(quiet):6}")
    print(f"{'hover, streaming':24} {b50:8.2f} {b99:8.2f} {len(busy):6}")
    print(f"run to the last line in the editor: {total_s * 1000:.0f} ms "
          f"({raw_mb / total_s:.1f} MB/s of raw output)")  # fmt: skip
    lag = f"{(last - ended_at) * 1000:.0f} ms" if ended_at is not None else "n/a"
    print(f"follower: {reads} tieline/log reads; all of it {lag} after the panel said it ended")


def main(argv: list[str]) -> None:
    mb = int(argv[0]) if argv else 10
    hovers = int(argv[1]) if len(argv) > 1 else 300
    for limit in LIMITS:
        asyncio.run(run(mb, hovers, limit))


if __name__ == "__main__":
    main(sys.argv[1:])
