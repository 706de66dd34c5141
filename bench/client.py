"""Drive a server over stdio with pygls' own LSP client, as an editor would, and time it."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.protocol import LanguageServerProtocol

#: Results left as parsed JSON, the way an editor reads them. pygls' client would also turn
#: every item into an lsprotocol object (~30 ms for 1,000 code lenses on its own), a cost of
#: the Python client that no editor pays and that would drown what the server does.
RAW_RESULTS = frozenset(
    {
        types.TEXT_DOCUMENT_CODE_LENS,
        types.TEXT_DOCUMENT_DOCUMENT_LINK,
        types.TEXT_DOCUMENT_COMPLETION,
    }
)


class EditorProtocol(LanguageServerProtocol):
    def get_result_type(self, method: str) -> type | None:
        if method in RAW_RESULTS:
            return None
        return super().get_result_type(method)


async def start(
    cmd: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    root: Path,
    configure: Callable[[LanguageClient], None] | None = None,
    capabilities: types.ClientCapabilities | None = None,
    protocol_cls: type[LanguageServerProtocol] | None = None,
) -> tuple[LanguageClient, float]:
    """Start ``cmd`` and initialize it; return the client and seconds to the initialize result.

    ``configure`` may register more client-side handlers (e.g. ``$/progress``) before start;
    ``capabilities`` replaces the bare ones declared (work-done progress only).
    """
    client = LanguageClient("bench", "0", protocol_cls=protocol_cls or EditorProtocol)
    if configure is not None:
        configure(client)

    @client.feature(types.WORKSPACE_CONFIGURATION)
    def _configuration(params: types.ConfigurationParams) -> list[None]:
        return [None for _ in params.items]

    @client.feature(types.WINDOW_WORK_DONE_PROGRESS_CREATE)
    def _progress(params: types.WorkDoneProgressCreateParams) -> None:
        return None

    @client.feature(types.WINDOW_SHOW_MESSAGE_REQUEST)
    def _prompt(params: types.ShowMessageRequestParams) -> types.MessageActionItem | None:
        return params.actions[0] if params.actions else None

    t0 = time.perf_counter()
    await client.start_io(*cmd, cwd=str(cwd), env=dict(env))
    await client.initialize_async(
        types.InitializeParams(
            capabilities=capabilities
            or types.ClientCapabilities(
                window=types.WindowClientCapabilities(work_done_progress=True)
            ),
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
        )
    )
    elapsed = time.perf_counter() - t0
    client.initialized(types.InitializedParams())
    return client, elapsed


async def stop(client: LanguageClient) -> None:
    try:
        await asyncio.wait_for(client.shutdown_async(None), 5)
        client.exit(None)
    finally:
        await client.stop()


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def plain(value: Any) -> Any:
    """pygls hands untyped JSON back as namedtuples: plain dicts and lists again."""
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def percentiles(samples: list[float]) -> tuple[float, float]:
    """p50 and p99 in milliseconds."""
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p99 * 1000
