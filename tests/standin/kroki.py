"""A Kroki server stand-in, built from Kroki's documented HTTP API.

Kroki publishes no OpenAPI description, and its server (a Java jar released only on GitHub,
or a container image) cannot be installed from a package registry here. So this stand-in
follows the documented shapes (https://docs.kroki.io/kroki/setup/http-clients/ and the
project's README) and, for errors, what Kroki's own server code does:

- ``POST /{type}/{format}`` with the source as the body (``Content-Type: text/plain``);
  ``POST /{type}/{format}`` or ``POST /`` with JSON ``{"diagram_source", "diagram_type"?,
  "output_format"?}``; ``GET /{type}/{format}/{encoded}`` where ``encoded`` is the source
  deflated (zlib) and base64url-encoded.
- Errors are ``text/plain`` ``Error <status>: <message>`` (``ErrorHandler``). A PlantUML
  syntax error is ``400`` ``Error 400: <cause> (line: N)``, from the ``ERROR`` / line / cause
  that ``plantuml -pipe`` writes on standard error with exit status 200 (``PlantumlCommand``).
  A Mermaid one is ``400`` ``Error 400: SyntaxError: <parser message>\\n<stack>``, relayed
  from the Mermaid companion (``Delegator``).

The drawing itself is real, as Kroki's is: PlantUML diagrams go to the same ``plantuml``
command Kroki's server runs (Debian's), Mermaid ones to the Mermaid CLI in the test peers
(a headless Chromium through Puppeteer, as Kroki's Mermaid companion uses). A diagram type
whose renderer is not installed answers ``503``, as Kroki does when a companion is missing.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import zlib
from pathlib import Path

from .kit import Reply, Request, Response, Router, StandIn

PEERS = Path(__file__).resolve().parents[1] / "peers" / "node_modules" / ".bin"
MIME = {"svg": "image/svg+xml", "png": "image/png"}
TYPES = ("plantuml", "mermaid")

routes: Router[KrokiStandIn] = Router()


def mmdc() -> str | None:
    """The Mermaid CLI the test peers install, if they did."""
    found = PEERS / "mmdc"
    return str(found) if found.exists() else shutil.which("mmdc")


def chromium() -> str | None:
    return next((p for p in map(shutil.which, ("chromium", "chromium-browser")) if p), None)


def encode(source: str) -> str:
    """A source as Kroki's GET URLs carry it: deflate (zlib), then base64url."""
    return base64.urlsafe_b64encode(zlib.compress(source.encode(), 9)).decode()


class KrokiStandIn(StandIn):
    service = "Kroki"
    router = routes
    # No contract: Kroki publishes none (see the module docstring).
    etags = False

    def __init__(self, *, port: int = 0, plantuml: str | None = None) -> None:
        super().__init__(port=port)
        self.plantuml = plantuml or shutil.which("plantuml")
        self.mmdc = mmdc()
        self.drawn: list[tuple[str, str]] = []  # (type, format) of each diagram drawn

    def error(self, status: int, message: str) -> Reply:
        return Reply(status, f"Error {status}: {message}".encode(), {"content-type": "text/plain"})

    def authenticate(self, req: Request) -> str | None:
        return "anonymous"  # Kroki has no accounts

    def convert(self, kind: str, fmt: str, source: str) -> Response:
        if kind not in TYPES:
            raise self.error(400, f"Unsupported diagram type: {kind}.")
        if fmt not in MIME:
            raise self.error(400, f"Unsupported output format: {fmt} for {kind}.")
        if not source.strip():
            raise self.error(400, "Empty diagram, missing delimiters?")
        data = self._plantuml(source, fmt) if kind == "plantuml" else self._mermaid(source, fmt)
        self.drawn.append((kind, fmt))
        return 200, data, {"content-type": MIME[fmt]}

    def _plantuml(self, source: str, fmt: str) -> bytes:
        if self.plantuml is None:
            raise self.error(503, "plantuml is not installed")
        done = subprocess.run(
            [self.plantuml, "-pipe", f"-t{fmt}"],
            input=source.encode(),
            capture_output=True,
            timeout=120,
            check=False,
        )
        if done.returncode == 200:
            lines = done.stderr.decode().splitlines()
            if len(lines) >= 3 and lines[0] == "ERROR" and lines[1].isdigit():
                raise self.error(400, f"{lines[2]} (line: {lines[1]})")
            raise self.error(400, "Syntax Error?")
        if done.returncode != 0:
            raise self.error(500, done.stderr.decode()[:200])
        return done.stdout

    def _mermaid(self, source: str, fmt: str) -> bytes:
        browser = chromium()
        if self.mmdc is None or browser is None:
            raise self.error(503, "Unable to connect to the Mermaid companion")
        with tempfile.TemporaryDirectory() as tmp:
            d = Path(tmp)
            (d / "in.mmd").write_text(source)
            args = ["--headless", "--disable-gpu", "--disable-dev-shm-usage"]
            if os.geteuid() == 0:
                args.insert(0, "--no-sandbox")
            (d / "p.json").write_text(json.dumps({"executablePath": browser, "args": args}))
            argv = [self.mmdc, "-q", "-i", str(d / "in.mmd"), "-o", str(d / f"out.{fmt}")]
            done = subprocess.run(
                [*argv, "-p", str(d / "p.json")], capture_output=True, timeout=120, check=False
            )
            if done.returncode != 0:
                said = done.stderr.decode().strip()
                said = said.removeprefix("Error: ")
                raise self.error(400, f"SyntaxError: {said}")
            return (d / f"out.{fmt}").read_bytes()


def _text(req: Request) -> str:
    return req.body.decode("utf-8")


@routes.route("POST", r"/(?P<type>[a-z0-9]+)/(?P<fmt>[a-z0-9]+)")
def _post(s: KrokiStandIn, req: Request) -> Response:
    kind, fmt = req.path_args["type"], req.path_args["fmt"]
    if req.headers.get("content-type", "").startswith("application/json"):
        data = req.json or {}
        return s.convert(kind, fmt, str(data.get("diagram_source", "")))
    return s.convert(kind, fmt, _text(req))


@routes.route("POST", r"/")
def _post_json(s: KrokiStandIn, req: Request) -> Response:
    data = req.json or {}
    kind, fmt = str(data.get("diagram_type", "")), str(data.get("output_format", ""))
    if not fmt:
        raise s.error(400, "Output format is mandatory")
    return s.convert(kind, fmt, str(data.get("diagram_source", "")))


@routes.route("GET", r"/(?P<type>[a-z0-9]+)/(?P<fmt>[a-z0-9]+)/(?P<src>[A-Za-z0-9_=-]+)")
def _get(s: KrokiStandIn, req: Request) -> Response:
    try:
        source = zlib.decompress(base64.urlsafe_b64decode(req.path_args["src"])).decode()
    except (ValueError, zlib.error) as exc:
        raise s.error(400, f"Unable to decode the source: {exc}") from None
    return s.convert(req.path_args["type"], req.path_args["fmt"], source)
