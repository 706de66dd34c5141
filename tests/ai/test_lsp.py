"""AI commands end to end: the real server over stdio, the OpenAI connector installed
through an entry point and signed in from the environment, against the OpenAI stand-in
(whose shapes come from the ``openai`` SDK's types: no current OpenAI API description is
published; see tests/standin/openai.py).

*Describe diff* asks first (Send / Show request / Cancel), opens the exact request with the
diff's secret masked, streams a hostile answer into a scratch document as sanitized
Markdown with work-done progress, and logs tokens and cost; *Draft issue* reads the JSON
draft; *Generate image* writes a PNG; *Dictate* inserts the transcription at the cursor."""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.conftest import (
    Env,
    env,
    queued_answer,
    run_command,
    server_env,
    start_prompted,
)
from tests.lsp.raw import raw_request
from tests.standin.openai import OpenAIStandIn, png_pixel

__all__ = ["env"]
#: "Add the loader", head ``feature``: the first pull request tests/lsp/conftest.py seeds.
PR = "github:github.com:octo/app#3"

KEY = "sk-test-ada-0123456789abcdefghij"
LEAK = "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB"
HOSTILE = (
    "Adds a **retry**. <script>alert(1)</script>\n\n"
    "[docs](javascript:alert(2)) and more words to stream along"
)


@dataclass
class World:
    env: dict[str, str]
    root: Path


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


@pytest.fixture
def world(tmp_path: Path, tieline_home: Path, openai: OpenAIStandIn) -> Iterator[World]:
    root = tmp_path / "ws"
    root.mkdir()
    _git(root, "init", "-q", "-b", "main")
    _git(root, "config", "user.email", "ada@example.com")
    _git(root, "config", "user.name", "Ada")
    (root / "app.py").write_text("def get():\n    return 1\n")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "start")
    (root / "app.py").write_text(
        f"def get():\n    # TODO: retry when the server answers 503\n    token = '{LEAK}'\n"
        "    return 2\n"
    )
    env = server_env(
        Env(root=root, github=None, home=tieline_home),
        TIELINE_OPENAI_TOKEN=KEY,
        TIELINE_CONNECTORS__OPENAI__API_URL=openai.url + "/v1",
        TIELINE_CONNECTORS__OPENAI__PRICES=json.dumps(["gpt-4o-mini=0.15/0.60"]),
    )
    del env["TIELINE_GITHUB_TOKEN"]
    yield World(env, root)


async def _start(w: World, caps: types.ClientCapabilities | None = None) -> LanguageClient:
    c = await start_prompted(
        w.env, w.root, answering=queued_answer, answers=[], folder="ws", caps=caps
    )
    c.applied_edits: list[types.ApplyWorkspaceEditParams] = []  # type: ignore[misc]

    @c.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        c.applied_edits.append(params)  # type: ignore[attr-defined]
        return types.ApplyWorkspaceEditResult(applied=True)

    return c


async def _until_signed_in(c: LanguageClient) -> None:
    async with asyncio.timeout(30):
        while True:
            c.answers[:] = ["Cancel"]  # type: ignore[attr-defined]
            try:
                got = await run_command(c, "tieline.ai.describeDiff")
            except Exception as exc:  # no account offers Assistant until the session opens
                if "no signed-in account" not in str(exc):
                    raise
            else:
                assert got in ({"cancelled": True}, {"empty": True})  # empty: nothing to send
                return
            await asyncio.sleep(0.2)


def _path(uri: str) -> Path:
    return Path(unquote(urlsplit(uri).path))


async def test_ai_commands_over_stdio(world: World, openai: OpenAIStandIn) -> None:
    c = await _start(world)
    try:
        await _until_signed_in(c)
        c.prompts.clear()  # type: ignore[attr-defined]
        c.shown_documents.clear()
        openai.replies.append(HOSTILE)
        c.answers[:] = ["Show request", "Send"]  # type: ignore[attr-defined]
        got = await run_command(c, "tieline.ai.describeDiff")

        asked = c.prompts[0]  # type: ignore[attr-defined]
        assert "to gpt-4o-mini" in asked.message and "secret(s) masked" in asked.message
        assert [a.title for a in asked.actions] == ["Send", "Show request", "Cancel"]
        request = _path(c.shown_documents[0].uri).read_text()
        assert "retry when the server answers 503" in request and LEAK not in request
        sent = json.dumps(openai.bodies[-1])
        assert LEAK not in sent and "[REDACTED]" in sent
        assert sent.count("retry when the server") == 1

        text = got["text"]
        assert "**retry**" in text and "<script" not in text and "](javascript:" not in text
        assert got["inputTokens"] > 0 and got["outputTokens"] == len(HOSTILE.split())
        assert got["cost"] == pytest.approx(
            (got["inputTokens"] * 0.15 + got["outputTokens"] * 0.6) / 1e6
        )
        scratch = _path(got["uri"])
        assert scratch.read_text() == "# Description of the working tree's changes\n\n" + text
        assert c.shown_documents[-1].uri == got["uri"]
        edits = [
            e.edit.changes[got["uri"]][0]  # type: ignore[index]
            for e in c.applied_edits  # type: ignore[attr-defined]
            if e.edit.changes and got["uri"] in e.edit.changes
        ]
        assert len(edits) >= 2
        assert "<script" not in "".join(e.new_text for e in edits)
        mine = [
            r
            for r in c.progress_reports.values()
            if r and getattr(r[0], "title", "") == "Description of the working tree's changes"
        ]
        assert mine and isinstance(mine[0][-1], types.WorkDoneProgressEnd)

        uri = (world.root / "app.py").as_uri()
        c.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri,
                    language_id="python",
                    version=1,
                    text=(world.root / "app.py").read_text(),
                )
            )
        )
        # raw: pygls' client would read a CodeAction with a command as a Command
        offered = await raw_request(
            c,
            "textDocument/codeAction",
            {
                "textDocument": {"uri": uri},
                "range": {"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 0}},
                "context": {"diagnostics": []},
            },
        )
        drafting = "Draft an issue from this TODO with AI…"
        (action,) = [a for a in offered or [] if a["title"] == drafting]
        assert action["command"]["command"] == "tieline.ai.draftIssue"
        assert action["command"]["arguments"] == [uri, 1]

        openai.replies.append('```json\n{"title": "Retry on 503", "body": "In `get`."}\n```')
        c.answers[:] = ["Send"]  # type: ignore[attr-defined]
        draft = await run_command(c, "tieline.ai.draftIssue", uri, 1)
        assert draft["title"] == "Retry on 503" and draft["body"] == "In `get`."
        assert "app.py, line 2" in openai.bodies[-1]["messages"][1]["content"]

        c.answers[:] = ["Send"]  # type: ignore[attr-defined]
        image = await run_command(c, "tieline.ai.generateImage", "a lighthouse at dusk")
        assert _path(image["uri"]) == world.root / "images" / "a-lighthouse-at-dusk.png"
        assert _path(image["uri"]).read_bytes() == png_pixel()

        audio = world.root / "note.wav"
        audio.write_bytes(b"TEXT:call Ada\x07 tomorrow")
        c.applied_edits.clear()  # type: ignore[attr-defined]
        said = await run_command(
            c, "tieline.ai.dictate", str(audio), uri, {"line": 0, "character": 0}
        )
        assert said["text"] == "call Ada tomorrow" and said["applied"]
        (insert,) = c.applied_edits[-1].edit.changes[uri]  # type: ignore[attr-defined]
        assert insert.new_text == "call Ada tomorrow"

        openai.replies.append("The test expects 2.")
        c.answers[:] = ["Send"]  # type: ignore[attr-defined]
        log = "collecting\n" + "\n".join(f"ok {i}" for i in range(50)) + "\nE assert 1 == 2"
        why = await run_command(c, "tieline.ai.explainFailure", "pytest", log, "CI")
        assert why["text"] == "The test expects 2."
        assert "E assert 1 == 2" in openai.bodies[-1]["messages"][1]["content"]

        c.answers[:] = ["Cancel"]  # type: ignore[attr-defined]
        before = len(openai.bodies)
        assert await run_command(c, "tieline.ai.explainFailure", "pytest", log) == {
            "cancelled": True
        }
        assert len(openai.bodies) == before  # nothing sent

        summary = await run_command(c, "tieline.aiUsage")
        purposes = {(r["purpose"], r["model"]) for r in summary["rows"]}
        assert ("describe_diff", "gpt-4o-mini") in purposes
        assert {"draft_issue", "generate_image", "dictate"} <= {p for p, _ in purposes}
        assert summary["requests"] == 5 and summary["totalCost"] > 0
        assert "| gpt-4o-mini | describe_diff | 1 |" in summary["markdown"]
    finally:
        await c.shutdown_session()


async def test_summarise_a_pull_request_with_its_local_diff(
    env: Env, openai: OpenAIStandIn, tmp_path: Path
) -> None:
    """The PR from GitHub (the GitHub stand-in) and ``git diff main...feature``."""
    (env.root / "main.py").write_text("print('loader')\n")
    _git(env.root, "commit", "-qam", "Add the loader")
    e = server_env(
        env,
        TIELINE_OPENAI_TOKEN=KEY,
        TIELINE_CONNECTORS__OPENAI__API_URL=openai.url + "/v1",
    )
    c = await _start(World(e, env.root))
    try:
        await _until_signed_in(c)
        openai.replies.append("- Adds the loader.")
        c.answers[:] = ["Send"]  # type: ignore[attr-defined]
        async with asyncio.timeout(30):
            while True:
                try:
                    got = await run_command(
                        c, "tieline.ai.summarisePR", "github:github.com:octo/app#3"
                    )
                    break
                except Exception as exc:  # until the GitHub session is open
                    if "no signed-in account reaches" not in str(exc):
                        raise
                    c.answers[:] = ["Send"]  # type: ignore[attr-defined]
                    await asyncio.sleep(0.2)
        assert got["text"] == "- Adds the loader."
        user = openai.bodies[-1]["messages"][1]["content"]
        assert "Title: Add the loader" in user and "feature into main" in user
        assert "+print('loader')" in user

        todo = env.root / "todo.py"
        todo.write_text("x = 1\n# TODO: cache the loader's results\n")
        openai.replies.append('{"title": "Cache the loader", "body": "In `todo.py`."}')
        c.answers[:] = ["Send", "Create on GitHub octo/app"]  # type: ignore[attr-defined]
        drafted = await run_command(c, "tieline.ai.draftIssue", todo.as_uri(), 1)
        assert drafted["title"] == "Cache the loader"
        assert drafted["issue"]["key"].startswith("#")
        made = [i for i in env.github.state.repo("octo/app").issues.values()
                if i["title"] == "Cache the loader"]  # fmt: skip
        assert made and made[0]["body"] == "In `todo.py`."
    finally:
        await c.shutdown_session()


async def test_a_client_without_documents_or_edits_gets_the_answer_on_disk(
    world: World, openai: OpenAIStandIn
) -> None:
    """No ``window.showDocument`` and no ``workspace.applyEdit`` declared: the offer has no
    "Show request", nothing is opened or edited, and the answer is in the scratch file."""
    caps = types.ClientCapabilities(
        window=types.WindowClientCapabilities(work_done_progress=False),
        workspace=types.WorkspaceClientCapabilities(apply_edit=False),
    )
    c = await _start(world, caps)
    try:
        await _until_signed_in(c)
        c.prompts.clear()  # type: ignore[attr-defined]
        openai.replies.append("Plain <b onclick='x()'>answer</b>.")
        c.answers[:] = ["Send"]  # type: ignore[attr-defined]
        got = await run_command(c, "tieline.ai.describeDiff")
        assert [a.title for a in c.prompts[0].actions] == ["Send", "Cancel"]  # type: ignore[attr-defined]
        assert not c.shown_documents and not c.applied_edits  # type: ignore[attr-defined]
        assert "onclick" not in got["text"] and "answer" in got["text"]
        assert _path(got["uri"]).read_text().endswith(got["text"])
    finally:
        await c.shutdown_session()
