"""Drawing diagrams on demand: the renderer the settings pick, a file cache keyed by the
source's hash, single-flight, and at most two drawings at once.

A drawing is a file under the cache directory named by the hash of the renderer, the kind,
the format and the source, so the same block draws once however often it is previewed,
linted or exported, across restarts too; a syntax error is remembered the same way (in
memory), so re-checking an unchanged broken block costs nothing. Two requests for the same
drawing share one run. Drawing is slow (a JVM start for PlantUML, a browser page for
Mermaid), so callers run it in the background and never make a hover wait on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import httpx

from connectors.sdk.errors import ConfigError

from ..config import DiagramSettings
from ..http.client import USER_AGENT, NetworkSettings, ssl_context
from .blocks import Kind
from .render import Format, Kroki, LocalMermaid, LocalPlantUML, Renderer
from .syntax import DiagramSyntaxError, Problem

log = logging.getLogger("tieline.diagrams")

PARALLEL = 2  # drawings at once (two cores; each is a JVM or a browser page)
REMEMBERED_PROBLEMS = 512
KEEP_UNUSED = 30 * 86400.0  # seconds a drawing nobody asked for stays in the cache


@dataclass(frozen=True)
class Drawing:
    """A drawn diagram: the file it is in, its format and who drew it."""

    path: Path
    format: Format
    renderer: str

    def read(self) -> bytes:
        return self.path.read_bytes()


class Diagrams:
    """Diagrams drawn as ``settings`` say, cached under ``cache_dir``."""

    def __init__(
        self,
        settings: DiagramSettings,
        cache_dir: Path,
        *,
        network: NetworkSettings | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.cache_dir = cache_dir
        net = network or NetworkSettings()
        self.plantuml = LocalPlantUML(settings.plantuml_command, timeout=settings.timeout)
        self.mermaid = LocalMermaid(
            settings.mermaid_command,
            chromium=settings.chromium,
            workdir=cache_dir / "tmp",
            timeout=settings.timeout,
        )
        self._client: httpx.AsyncClient | None = None
        self.kroki: Kroki | None = None
        if settings.kroki_url:
            self._client = httpx.AsyncClient(
                headers={"user-agent": USER_AGENT},
                timeout=httpx.Timeout(settings.timeout, connect=net.connect_timeout),
                verify=ssl_context(net),
                proxy=net.proxy,
                trust_env=net.trust_env,
                transport=transport,
            )
            self.kroki = Kroki(settings.kroki_url, self._client)
        self._gate = asyncio.Semaphore(PARALLEL)
        self._flights: dict[str, asyncio.Future[Drawing]] = {}
        self._problems: OrderedDict[str, Problem] = OrderedDict()

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    # -- which renderer --------------------------------------------------------------------
    def renderer_for(self, kind: Kind) -> Renderer:
        """The renderer for ``kind``, or a :class:`ConfigError` saying what to install or set."""
        mode = self.settings.renderer
        local: LocalPlantUML | LocalMermaid = self.plantuml if kind == "plantuml" else self.mermaid
        if mode != "kroki" and local.installed:
            return local
        if mode != "local" and self.kroki is not None:
            return self.kroki
        tool = (
            "PlantUML (Debian's `plantuml`), or set tieline.diagrams.plantuml_command"
            if kind == "plantuml"
            else "the Mermaid CLI (`npm install -g @mermaid-js/mermaid-cli`), or set "
            "tieline.diagrams.mermaid_command"
        )
        if mode == "local":
            raise ConfigError(f"No local renderer for {kind} diagrams: install {tool}")
        if mode == "kroki":
            raise ConfigError(f"Set tieline.diagrams.kroki_url to draw {kind} diagrams with Kroki")
        raise ConfigError(
            f"Nothing can draw {kind} diagrams here: install {tool}, "
            "or set tieline.diagrams.kroki_url to a Kroki server"
        )

    def can_draw(self, kind: Kind) -> bool:
        try:
            self.renderer_for(kind)
        except ConfigError:
            return False
        return True

    # -- drawing ---------------------------------------------------------------------------
    def _key(self, renderer: Renderer, kind: Kind, source: str) -> str:
        text = f"{renderer.identity}\0{kind}\0{source}"
        return hashlib.sha256(text.encode()).hexdigest()[:40]

    def known_problem(self, kind: Kind, source: str) -> Problem | None:
        """The syntax error this source is already known to have, if any (no drawing)."""
        try:
            renderer = self.renderer_for(kind)
        except ConfigError:
            return None
        return self._problems.get(self._key(renderer, kind, source))

    def cached(self, kind: Kind, source: str, fmt: Format = "svg") -> Drawing | None:
        """The drawing of this source if it is in the cache already."""
        try:
            renderer = self.renderer_for(kind)
        except ConfigError:
            return None
        path = self._path(self._key(renderer, kind, source), fmt)
        return Drawing(path, fmt, renderer.name) if path.is_file() else None

    def _path(self, key: str, fmt: Format) -> Path:
        return self.cache_dir / key[:2] / f"{key}.{fmt}"

    async def draw(self, kind: Kind, source: str, fmt: Format = "svg") -> Drawing:
        """The drawing of ``source`` (from the cache when it is there), or the renderer's
        error: :class:`DiagramSyntaxError` for a wrong diagram."""
        renderer = self.renderer_for(kind)
        key = self._key(renderer, kind, source)
        problem = self._problems.get(key)
        if problem is not None:
            self._problems.move_to_end(key)
            raise DiagramSyntaxError(problem, renderer.name)
        path = self._path(key, fmt)
        if path.is_file():
            with contextlib.suppress(OSError):
                os.utime(path)  # used now: pruning goes by last use
            return Drawing(path, fmt, renderer.name)
        flight_key = f"{key}.{fmt}"
        flight = self._flights.get(flight_key)
        if flight is None:
            flight = asyncio.ensure_future(self._draw(renderer, key, kind, source, fmt, path))
            self._flights[flight_key] = flight
            flight.add_done_callback(lambda _f: self._flights.pop(flight_key, None))
        return await asyncio.shield(flight)

    async def _draw(
        self, renderer: Renderer, key: str, kind: Kind, source: str, fmt: Format, path: Path
    ) -> Drawing:
        async with self._gate:
            try:
                data = await renderer.render(kind, source, fmt)
            except DiagramSyntaxError as exc:
                self._problems[key] = exc.problem
                while len(self._problems) > REMEMBERED_PROBLEMS:
                    self._problems.popitem(last=False)
                raise
        await asyncio.to_thread(_write, path, data)
        return Drawing(path, fmt, renderer.name)

    async def export(self, kind: Kind, source: str, fmt: Format, dest: Path) -> Path:
        """Draw and copy the picture to ``dest`` (written whole, then moved into place)."""
        drawing = await self.draw(kind, source, fmt)
        data = await asyncio.to_thread(drawing.read)
        await asyncio.to_thread(_write, dest, data)
        return dest


def prune(cache_dir: Path, *, keep: float = KEEP_UNUSED, now: float | None = None) -> int:
    """Delete drawings not used for ``keep`` seconds (each use touches its file); how many
    went. The cache can always be drawn again, so nothing here is precious."""
    import time

    limit = (time.time() if now is None else now) - keep
    gone = 0
    for path in cache_dir.glob("??/*.*"):
        with contextlib.suppress(OSError):
            if path.stat().st_mtime < limit:
                path.unlink()
                gone += 1
    return gone


def _write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: a reader never sees half a picture."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
