"""Failures as diagnostics, end to end over stdio: a pipeline of my branch fails on the
synthetic CI (its connector installed through an entry point, as in ``test_ci``), the failed
jobs' logs -- real pytest ``--tb=short`` and mypy output (``tests/ci/logs/pytest-short.log``
and ``mypy-columns.log``, one in a GitHub-hosted runner's absolute paths) -- point at files
of the checkout, and those files get ``textDocument/publishDiagnostics`` without being
open. The next run of the same pipeline passes and they are cleared."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import git
import pytest
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from tests.ci.test_failures import TEST_CALC
from tests.lsp.conftest import Env, installed_connectors, server_env
from tests.lsp.test_features import wait_synced
from tests.standin.kit import serving
from tests.standin.synthetic import SyntheticStandIn

REPO = "octo/app"
CALC = "".join(f"line {n}\n" for n in range(1, 31))
PYTEST_LOG = """##[group]Run python -m pytest -q --tb=short tests
\x1b[31mF\x1b[0m.                                                                       [100%]
=================================== FAILURES ===================================
___________________________________ test_add ___________________________________
tests/test_calc.py:9: in test_add
    assert add(1, 1) == 3
E   assert 2 == 3
E    +  where 2 = add(1, 1)
=========================== short test summary info ============================
FAILED tests/test_calc.py::test_add - assert 2 == 3
1 failed, 1 passed in 3.41s
##[error]Process completed with exit code 1.
"""
MYPY_LOG = (
    "##[group]Run mypy --strict --show-column-numbers app\n"
    "/home/runner/work/app/app/app/calc.py:10:18: error: Incompatible types in assignment "
    '(expression has type "int", variable has type "str")  [assignment]\n'
    "/home/runner/work/app/app/app/calc.py:15:5: error: Returning Any from function declared "
    'to return "str"  [no-any-return]\n'
    "/home/runner/work/app/app/lib/site-packages/x.py:1:1: error: not ours  [misc]\n"
    "Found 2 errors in 1 file (checked 2 source files)\n"
    "##[error]Process completed with exit code 1.\n"
)


@dataclass
class World:
    ci: SyntheticStandIn
    root: Path
    env: dict[str, str]


@pytest.fixture
def world(tmp_path: Path, tieline_home: Path) -> Iterator[World]:
    with serving(SyntheticStandIn()) as standin:
        standin.ci.add_pipeline(REPO, "build", "feature", jobs=[("lint", "check", "success")])
        root = tmp_path / "app"
        repo = git.Repo.init(root, initial_branch="feature")
        (root / ".synthetic-ci.yml").write_text("jobs: [unit]\n")
        (root / "app").mkdir()
        (root / "app/calc.py").write_text(CALC)
        (root / "tests").mkdir()
        (root / "tests/test_calc.py").write_text(TEST_CALC)
        repo.create_remote("origin", f"https://github.com/{REPO}.git")
        site = installed_connectors(
            tmp_path / "site",
            "tieline-synthetic-ci",
            {"synthetic": "tests.synthetic.connector:SyntheticConnector"},
        )
        env = server_env(
            Env(root=root, github=None, home=tieline_home),
            PYTHONPATH=f"{site}:{Path.cwd()}",
            TIELINE_GITHUB_TOKEN="",
            TIELINE_SYNTHETIC_TOKEN="tok-ada",
            TIELINE_CONNECTORS__SYNTHETIC__API_URL=standin.url,
            TIELINE_SYNC__REFRESH_DEBOUNCE="0",
            TIELINE_CI__NOTIFY="off",
        )
        yield World(standin, root, env)


@pytest.fixture
async def client(world: World) -> AsyncIterator[LanguageClient]:
    c = await _start(world)
    yield c
    await c.shutdown_session()


async def _start(world: World) -> LanguageClient:
    config = ClientServerConfig(
        server_command=[sys.executable, "-m", "server", "serve"], server_env=world.env
    )
    c: LanguageClient = await config.start()  # type: ignore[assignment]

    @c.feature(types.WORKSPACE_CODE_LENS_REFRESH)
    def lens_refresh(params: Any) -> None:
        return None

    caps = client_capabilities("visual-studio-code")  # tags, codeDescription, data: all
    await c.initialize_session(
        types.InitializeParams(
            capabilities=caps,
            root_uri=world.root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=world.root.as_uri(), name="app")],
        )
    )
    return c


async def _refresh(client: LanguageClient) -> None:
    await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="tieline.refresh", arguments=[])
    )


async def _until(predicate: Any, timeout: float = 20.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.1)


def _range(a: tuple[int, int], b: tuple[int, int]) -> types.Range:
    return types.Range(start=types.Position(*a), end=types.Position(*b))


async def _fail(client: LanguageClient, world: World) -> tuple[str, str]:
    """A new run of ``build`` fails (unit: pytest, types: mypy); both files are marked."""
    ci = world.ci.ci
    failing = ci.add_pipeline(REPO, "build", "feature", status="running")
    ci.add_job(failing["id"], "unit", "test", "failed", log=PYTEST_LOG)
    ci.add_job(failing["id"], "types", "check", "failed", log=MYPY_LOG)
    ci.add_job(failing["id"], "lint", "check", "success", log="All checks passed!\n")
    ci.settle(failing["id"])
    await _refresh(client)
    test_uri = (world.root / "tests/test_calc.py").as_uri()
    calc_uri = (world.root / "app/calc.py").as_uri()
    await _until(lambda: test_uri in client.diagnostics and calc_uri in client.diagnostics)
    return test_uri, calc_uri


async def test_a_failed_pipeline_marks_the_files_its_logs_point_at(
    client: LanguageClient, world: World
) -> None:
    await wait_synced(client)
    assert client.diagnostics == {}  # the first sync is a baseline: nothing failed since

    test_uri, calc_uri = await _fail(client, world)
    assert set(client.diagnostics) == {test_uri, calc_uri}  # nothing outside the checkout

    (pytest_diag,) = client.diagnostics[test_uri]
    assert pytest_diag.range == _range((8, 0), (9, 0))  # line 9, whole line (no column)
    assert pytest_diag.message == "[unit · pytest] assert 2 == 3\n +  where 2 = add(1, 1)"
    assert pytest_diag.severity == types.DiagnosticSeverity.Error
    assert pytest_diag.source == "Tieline CI" and pytest_diag.code is None
    assert isinstance(pytest_diag.data, dict) and pytest_diag.data["tool"] == "pytest"
    assert pytest_diag.data["log"].startswith("tieline-log:/synthetic/")

    assigned, returned = client.diagnostics[calc_uri]
    assert assigned.range == _range((9, 17), (10, 0))  # 10:18, to the end of the line
    assert assigned.message == (
        "[types · mypy] Incompatible types in assignment "
        '(expression has type "int", variable has type "str")'
    )
    assert assigned.code == "assignment" and assigned.severity == types.DiagnosticSeverity.Error
    assert returned.range.start == types.Position(14, 4) and returned.code == "no-any-return"
    # This client reads no tieline-log: documents: no related location pointing into one.
    assert assigned.related_information is None

    # The next run of the same pipeline passes: both files are cleared.
    passing = world.ci.ci.add_pipeline(REPO, "build", "feature", jobs=[("unit", "test", "success")])
    assert passing["status"] == "success"
    await _refresh(client)
    await _until(lambda: not client.diagnostics[test_uri] and not client.diagnostics[calc_uri])


async def test_switching_branches_clears_them(client: LanguageClient, world: World) -> None:
    await wait_synced(client)
    test_uri, calc_uri = await _fail(client, world)
    assert client.diagnostics[test_uri] and client.diagnostics[calc_uri]
    await asyncio.to_thread(git.Repo(world.root).git.checkout, "-b", "elsewhere")
    await _refresh(client)  # the sync follows HEAD: feature's failures are not this checkout's
    await _until(lambda: not client.diagnostics[test_uri] and not client.diagnostics[calc_uri])


async def test_a_run_that_had_failed_before_the_editor_opened_is_shown(world: World) -> None:
    """The first sync announces nothing (a baseline), but the newest run of a pipeline of
    my branch that failed is read all the same."""
    ci = world.ci.ci
    failing = ci.add_pipeline(REPO, "build", "feature", status="running")
    ci.add_job(failing["id"], "types", "check", "failed", log=MYPY_LOG)
    ci.settle(failing["id"])
    client = await _start(world)
    try:
        calc_uri = (world.root / "app/calc.py").as_uri()
        await _until(lambda: calc_uri in client.diagnostics)
        assert [d.code for d in client.diagnostics[calc_uri]] == ["assignment", "no-any-return"]
    finally:
        await client.shutdown_session()
