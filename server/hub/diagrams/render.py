"""The renderers: a local PlantUML, a local Mermaid CLI, and a Kroki server.

Every renderer turns ``(kind, source, format)`` into image bytes, or raises
:class:`~.syntax.DiagramSyntaxError` (the source is wrong, with the block's line),
:class:`~connectors.sdk.errors.ConfigError` (the renderer is not there: what to install or
set), :class:`RenderFailed` (it broke), or the HTTP stack's errors for Kroki. None of them
blocks the event loop: the local ones are child processes awaited with asyncio, Kroki is an
``httpx.AsyncClient``.

- PlantUML: ``plantuml -pipe -tsvg`` (Debian's ``plantuml`` runs the jar on Java), source on
  standard input, picture on standard output; exit status 200 is a syntax error.
- Mermaid: ``mmdc`` from ``@mermaid-js/mermaid-cli``, which draws in a headless Chromium
  through Puppeteer. It is given the Chromium found on PATH (Debian's ``chromium``) by a
  Puppeteer configuration file, since Puppeteer's own browser download is often absent.
- Kroki (https://docs.kroki.io): ``POST {url}/{type}/{format}`` with the source as a
  ``text/plain`` body; a syntax error is ``400`` with a ``text/plain`` message.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Literal, Protocol

import httpx

from connectors.sdk.errors import ConfigError, TielineError

from ..http.errors import error_for_exception, error_for_response
from .blocks import Kind
from .syntax import (
    DiagramSyntaxError,
    Problem,
    kroki_problem,
    mermaid_problem,
    plantuml_input,
    plantuml_outside_reach,
    plantuml_problem,
)

Format = Literal["svg", "png"]
FORMATS: tuple[Format, ...] = ("svg", "png")
MIME: dict[Format, str] = {"svg": "image/svg+xml", "png": "image/png"}
PLANTUML_SYNTAX_EXIT = 200  # PlantUML's exit status for a diagram with an error
CHROMIUMS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


class RenderFailed(TielineError):
    """A renderer ran but produced no picture for a reason other than the diagram's syntax."""


class Renderer(Protocol):
    """What draws diagrams of some kinds."""

    name: str

    @property
    def identity(self) -> str:
        """What tells its pictures apart from another renderer's (cache keys)."""
        ...

    def draws(self, kind: Kind) -> bool: ...

    async def render(self, kind: Kind, source: str, fmt: Format) -> bytes: ...


def _found(command: Sequence[str]) -> bool:
    first = command[0] if command else ""
    return bool(first) and shutil.which(first) is not None


def _tail(data: bytes, limit: int = 300) -> str:
    text = data.decode("utf-8", "replace").strip()
    return " ".join(text.split())[-limit:]


async def _run(
    argv: Sequence[str], stdin: bytes | None, seconds: float, what: str
) -> tuple[int, bytes, bytes]:
    """Run a child process to the end (killed after ``seconds``)."""
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
    except OSError as exc:
        raise ConfigError(f"{what} could not be started ({argv[0]}: {exc.strerror})") from None
    try:
        out, err = await asyncio.wait_for(proc.communicate(stdin), seconds)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
        raise RenderFailed(f"{what} took more than {seconds:g} s and was stopped") from None
    except asyncio.CancelledError:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        raise
    return proc.returncode or 0, out, err


class LocalPlantUML:
    """PlantUML on this machine (``tieline.diagrams.plantuml_command``)."""

    name = "PlantUML"

    def __init__(self, command: Sequence[str], *, timeout: float = 60.0) -> None:
        self.command = list(command)
        self.timeout = timeout

    @property
    def identity(self) -> str:
        return "plantuml:" + " ".join(self.command)

    @property
    def installed(self) -> bool:
        return _found(self.command)

    def draws(self, kind: Kind) -> bool:
        return kind == "plantuml"

    async def render(self, kind: Kind, source: str, fmt: Format) -> bytes:
        outside = plantuml_outside_reach(source)
        if outside is not None:
            raise DiagramSyntaxError(outside, "PlantUML")
        prepared = plantuml_input(source)
        argv = [*self.command, "-pipe", f"-t{fmt}", "-charset", "UTF-8", "-nometadata"]
        code, out, err = await _run(argv, prepared.text.encode(), self.timeout, "PlantUML")
        if code == PLANTUML_SYNTAX_EXIT:
            raise DiagramSyntaxError(
                plantuml_problem(err.decode("utf-8", "replace"), prepared), "PlantUML"
            )
        if code != 0 or not out:
            raise RenderFailed(f"PlantUML failed (exit status {code}): {_tail(err)}")
        return out


class LocalMermaid:
    """The Mermaid CLI on this machine (``tieline.diagrams.mermaid_command``)."""

    name = "Mermaid CLI"

    def __init__(
        self,
        command: Sequence[str],
        *,
        chromium: str | None = None,
        workdir: Path,
        timeout: float = 60.0,
    ) -> None:
        self.command = list(command)
        self.chromium = chromium
        self.workdir = workdir
        self.timeout = timeout

    @property
    def identity(self) -> str:
        return "mmdc:" + " ".join(self.command)

    @property
    def installed(self) -> bool:
        return _found(self.command)

    def draws(self, kind: Kind) -> bool:
        return kind == "mermaid"

    def browser(self) -> str | None:
        """The Chromium to hand Puppeteer: the configured one, else one on PATH."""
        if self.chromium:
            return self.chromium
        return next((p for p in map(shutil.which, CHROMIUMS) if p), None)

    def puppeteer_config(self) -> dict[str, object] | None:
        browser = self.browser()
        if browser is None:
            return None
        # Chromium will not start as root with its sandbox on (containers, CI).
        root = hasattr(os, "geteuid") and os.geteuid() == 0
        args = ["--headless", "--disable-gpu", "--disable-dev-shm-usage"]
        return {"executablePath": browser, "args": (["--no-sandbox"] if root else []) + args}

    async def render(self, kind: Kind, source: str, fmt: Format) -> bytes:
        self.workdir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.workdir) as tmp:
            d = Path(tmp)
            (d / "in.mmd").write_text(source, encoding="utf-8")
            argv = [*self.command, "-q", "-i", str(d / "in.mmd"), "-o", str(d / f"out.{fmt}")]
            config = self.puppeteer_config()
            if config is not None:
                (d / "puppeteer.json").write_text(json.dumps(config))
                argv += ["-p", str(d / "puppeteer.json")]
            code, _out, err = await _run(argv, None, self.timeout, "The Mermaid CLI")
            said = err.decode("utf-8", "replace")
            if code != 0:
                if "error on line" in said:
                    raise DiagramSyntaxError(mermaid_problem(said), self.name)
                raise RenderFailed(f"The Mermaid CLI failed (exit status {code}): {_tail(err)}")
            picture = d / f"out.{fmt}"
            if not picture.is_file():
                raise RenderFailed(f"The Mermaid CLI wrote no picture: {_tail(err)}")
            return await asyncio.to_thread(picture.read_bytes)


class Kroki:
    """A Kroki server (``tieline.diagrams.kroki_url``): self-hosted, or https://kroki.io."""

    name = "Kroki"

    def __init__(self, url: str, client: httpx.AsyncClient) -> None:
        self.url = url.rstrip("/")
        self.client = client

    @property
    def identity(self) -> str:
        return "kroki:" + self.url

    def draws(self, kind: Kind) -> bool:
        return True

    async def render(self, kind: Kind, source: str, fmt: Format) -> bytes:
        prepared = plantuml_input(source) if kind == "plantuml" else None
        body = prepared.text if prepared is not None else source
        request = self.client.build_request(
            "POST",
            f"{self.url}/{kind}/{fmt}",
            content=body.encode("utf-8"),
            headers={"content-type": "text/plain; charset=utf-8", "accept": MIME[fmt]},
        )
        try:
            response = await self.client.send(request)
        except httpx.HTTPError as exc:
            raise error_for_exception(exc, request, service=self.name) from None
        if response.status_code == 400:
            problem: Problem = kroki_problem(kind, response.text, prepared)
            raise DiagramSyntaxError(problem, self.name)
        if response.status_code >= 400:
            raise error_for_response(response, service=self.name, request=request)
        if not response.content:
            raise RenderFailed("Kroki answered with an empty picture")
        return response.content
