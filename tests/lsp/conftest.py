"""End-to-end fixtures: a real Tieline server over stdio, in a temporary git checkout whose
remote is on github.com, talking to the local GitHub stand-in."""

from __future__ import annotations

import asyncio
import inspect
import os
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import git
import pytest
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from tests.standin.github import GitHubStandIn

TOKEN = "ghp_e2eCANARYtokenE2E0123456789abcdefXYZ"
REPO = "octo/app"
NOTES = """# Notes

The crash is #1; the docs are #2 and owner/repo: octo/app#2. Our PR is #3, reviewing #4.
Also GH-1 and https://github.com/octo/app/issues/2, and ABC-42 in the tracker.
Not an issue: #999999.
"""
MAIN_PY = """import os

# Fixes #1 once the loader is in.
x = 1  # TODO: handle the empty config case
value = "see #2"
print(len(os.environ))  # count #3
"""


@dataclass
class Env:
    root: Path
    github: GitHubStandIn | None
    home: Path


def seed(gh: GitHubStandIn) -> None:
    st = gh.state
    st.login = "octocat"
    st.tokens[TOKEN] = "octocat"
    st.add_issue(
        REPO,
        "Crash on start <script>alert(1)</script>",
        labels=["bug"],
        assignees=["octocat"],
        author="hubot",
        body="Steps:\n\n<img src=x onerror=alert(1)>\n\n1. run it",
    )
    st.add_issue(REPO, "Write the docs", author="hubot", mentions=["octocat"])
    st.add_pull(
        REPO,
        "Add the loader",
        head="feature",
        head_sha="a" * 40,
        author="octocat",
        reviews=[{"user": "hubot", "state": "APPROVED"}],
    )
    st.add_pull(
        REPO,
        "Refactor config",
        head="refactor",
        head_sha="b" * 40,
        author="hubot",
        requested_reviewers=["octocat"],
    )
    st.add_check_run(REPO, "a" * 40, "build", conclusion="success")
    st.add_check_run(REPO, "a" * 40, "lint", conclusion="failure")
    st.add_issue(REPO, "Closed one", state="closed", author="octocat")
    st.repo(REPO).collaborators.extend(["hubot", "alice"])


@pytest.fixture
def env(github: GitHubStandIn, tmp_path: Path, tieline_home: Path) -> Env:
    seed(github)
    root = tmp_path / "app"
    repo = git.Repo.init(root, initial_branch="main")
    with repo.config_writer() as cw:
        cw.set_value("user", "name", "T")
        cw.set_value("user", "email", "t@example.com")
    (root / "NOTES.md").write_text(NOTES)
    (root / "main.py").write_text(MAIN_PY)
    (root / ".tieline.toml").write_text(
        '[[autolinks]]\npattern = "ABC-(\\\\d+)"\nurl = "https://tracker.example.com/ABC-{1}"\n'
    )
    repo.index.add(["NOTES.md", "main.py", ".tieline.toml"])
    repo.index.commit("init")
    repo.git.checkout("-b", "feature")
    repo.create_remote("origin", "https://github.com/octo/app.git")
    return Env(root=root, github=github, home=tieline_home)


async def until(predicate: Any, timeout: float = 30.0, every: float = 0.1) -> Any:
    """Poll ``predicate`` (a function, or a coroutine function) until it gives something
    truthy, and return that; ``TimeoutError`` after ``timeout`` seconds."""
    async with asyncio.timeout(timeout):
        while True:
            got = predicate()
            if inspect.isawaitable(got):
                got = await got
            if got:
                return got
            await asyncio.sleep(every)


async def run_command(c: LanguageClient, name: str, *args: Any) -> Any:
    """``workspace/executeCommand`` ``name`` with ``args``, as an editor sends it."""
    return await c.workspace_execute_command_async(
        types.ExecuteCommandParams(command=name, arguments=list(args))
    )


def installed_connectors(where: Path, name: str, connectors: dict[str, str]) -> Path:
    """A distribution holding only ``tieline.connectors`` entry points (``id -> module:Class``)
    in ``where``, which a server started with ``where`` on its ``PYTHONPATH`` finds as it
    finds any installed third-party connector; ``where`` is returned for that path."""
    info = where / f"{name.replace('-', '_')}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    lines = "".join(f"{k} = {v}\n" for k, v in connectors.items())
    (info / "entry_points.txt").write_text(f"[tieline.connectors]\n{lines}")
    return where


def server_env(e: Env, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIELINE_")}
    env.update(
        TIELINE_HOME=str(e.home),
        TIELINE_GITHUB_TOKEN=TOKEN,
        TIELINE_CONNECTORS__GITHUB__API_URL=e.github.url if e.github else "https://github.invalid",
        TIELINE_LOG_LEVEL="debug",
        TIELINE_VAULT_BACKEND="file",
        TIELINE_VAULT_PASSPHRASE="e2e-passphrase",
        # No test reaches docs.python.org: a hover on a Python name would fetch its inventory.
        TIELINE_DOCS__STDLIB="off",
    )
    env.update(extra)  # a test's own values win
    return env


async def start_client(
    e: Env, *, preset: str = "visual-studio-code", **extra: str
) -> LanguageClient:
    """The server over stdio, initialized by a client declaring ``preset``'s capabilities
    (a pytest-lsp preset: ``visual-studio-code``, ``neovim@v0.7.0``, ``emacs@v29.1``...)."""
    config = ClientServerConfig(
        server_command=[sys.executable, "-m", "server", "serve"],
        server_env=server_env(e, **extra),
    )
    client: LanguageClient = await config.start()  # type: ignore[assignment]
    client.applied_edits: list[types.ApplyWorkspaceEditParams] = []  # type: ignore[misc]
    client.lens_refreshes = 0  # type: ignore[attr-defined]

    @client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        client.applied_edits.append(params)  # type: ignore[attr-defined]
        return types.ApplyWorkspaceEditResult(applied=True)

    @client.feature(types.WORKSPACE_CODE_LENS_REFRESH)
    def lens_refresh(params: Any) -> None:
        client.lens_refreshes += 1  # type: ignore[attr-defined]

    client.prompt_answer = None  # type: ignore[attr-defined]  # None: the first action

    @client.feature(types.WINDOW_SHOW_MESSAGE_REQUEST)
    def prompt(params: types.ShowMessageRequestParams) -> types.MessageActionItem | None:
        client.messages.append(  # recorded like showMessage, for assertions
            types.ShowMessageParams(type=params.type, message=params.message)
        )
        wanted = client.prompt_answer  # type: ignore[attr-defined]
        for action in params.actions or []:
            if wanted is None or action.title == wanted:
                return action
        return None

    caps = client_capabilities(preset)
    client.init_result = await client.initialize_session(  # type: ignore[attr-defined]
        types.InitializeParams(
            capabilities=caps,
            root_uri=e.root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=e.root.as_uri(), name="app")],
        )
    )
    return client


Answer = Callable[[LanguageClient, types.ShowMessageRequestParams], types.MessageActionItem | None]


def pick(
    params: types.ShowMessageRequestParams, title: str | None
) -> types.MessageActionItem | None:
    """The action titled ``title`` among those offered, else none (the person dismissed it)."""
    return next((a for a in params.actions or [] if a.title == title), None)


def first_action(c: LanguageClient, params: types.ShowMessageRequestParams) -> Any:
    return (params.actions or [None])[0]


def named_answer(c: LanguageClient, params: types.ShowMessageRequestParams) -> Any:
    """The action named by ``c.answer``, which a test sets before the prompt comes."""
    return pick(params, c.answer)  # type: ignore[attr-defined]


def queued_answer(c: LanguageClient, params: types.ShowMessageRequestParams) -> Any:
    """The next title of ``c.answers``, one per prompt, in order."""
    answers: list[str] = c.answers  # type: ignore[attr-defined]
    return pick(params, answers.pop(0)) if answers else None


def any_answer(c: LanguageClient, params: types.ShowMessageRequestParams) -> Any:
    """The first offered action whose title is among ``c.answers`` (kept for every prompt)."""
    return next((a for a in params.actions or [] if a.title in c.answers), None)  # type: ignore[attr-defined]


async def start_prompted(
    env: dict[str, str],
    root: Path,
    *,
    answering: Answer = first_action,
    caps: types.ClientCapabilities | None = None,
    folder: str = "notes",
    **state: Any,
) -> LanguageClient:
    """The server over stdio for the workspace folder ``root``, with ``env`` (from
    :func:`server_env`), its prompts (``window/showMessageRequest``) recorded in ``c.prompts``
    and answered by ``answering``; ``state`` sets the client attributes an answer reads
    (``answer=``, ``answers=``). Lens refreshes and panel notifications are taken, and
    ``tieline/status/changed`` notifications kept in ``c.status_changes``."""
    config = ClientServerConfig(
        server_command=[sys.executable, "-m", "server", "serve"], server_env=env
    )
    c: LanguageClient = await config.start()  # type: ignore[assignment]
    c.prompts: list[types.ShowMessageRequestParams] = []  # type: ignore[misc]
    for name, value in state.items():
        setattr(c, name, value)

    @c.feature(types.WINDOW_SHOW_MESSAGE_REQUEST)
    def prompt(params: types.ShowMessageRequestParams) -> types.MessageActionItem | None:
        c.prompts.append(params)  # type: ignore[attr-defined]
        return answering(c, params)

    for method in (types.WORKSPACE_CODE_LENS_REFRESH, "tieline/panel/changed"):
        c.feature(method)(_ignore)
    c.status_changes: list[Any] = []  # type: ignore[attr-defined]

    @c.feature("tieline/status/changed")
    def status_changed(params: Any) -> None:
        c.status_changes.append(params)  # type: ignore[attr-defined]

    c.init_result = await c.initialize_session(  # type: ignore[attr-defined]
        types.InitializeParams(
            capabilities=caps or client_capabilities("visual-studio-code"),
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=folder)],
        )
    )
    return c


def _ignore(params: Any) -> None:
    return None


@pytest.fixture
async def client(env: Env) -> AsyncIterator[LanguageClient]:
    c = await start_client(env)
    yield c
    await c.shutdown_session()


def open_doc(client: LanguageClient, path: Path, language: str, version: int = 1) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id=language, version=version, text=path.read_text()
            )
        )
    )
    return uri
