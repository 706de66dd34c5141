"""Failures as diagnostics, below the wire: what :func:`collect` reads and finds (a fake
``Pipelines`` connector, a fake hub), how the :class:`Store` keeps, replaces, prunes and
caps them, and how one becomes an LSP ``Diagnostic`` for clients that declare more or less.
The end-to-end test over stdio is ``tests/lsp/test_ci_diagnostics.py``."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from lsprotocol import types

from connectors.sdk.ci import Job, LogChunk, Pipeline, RunStatus
from connectors.sdk.errors import TielineError
from connectors.sdk.models import CheckConclusion, ItemKind, ItemRef, RepoRef
from server.hub.ci import diagnostics
from server.hub.ci.diagnostics import JobFailure, Run, RunKey, Store, collect
from server.hub.ci.failures import Failure
from server.hub.ci.ids import ci_id
from server.hub.workspace import Folder, Workspace
from server.lsp.features.ci_diagnostics import SOURCE, code_url, to_diagnostic

SCOPE = "octo/app"
PYTEST = (
    "tests/test_calc.py:9: in test_add\n    assert add(1, 1) == 3\nE   assert 2 == 3\n"
    "FAILED tests/test_calc.py::test_add - assert 2 == 3\n"
)
MYPY = "app/calc.py:10:18: error: Incompatible types in assignment  [assignment]\n"


def _ref(kind: ItemKind, key: str) -> ItemRef:
    return ItemRef(connector="fake", host="ci.example", scope=SCOPE, key=key, kind=kind)


def _job(key: str, name: str, conclusion: CheckConclusion) -> Job:
    return Job(
        ref=_ref(ItemKind.JOB, key),
        name=name,
        status=RunStatus.COMPLETED,
        conclusion=conclusion,
        url=f"https://ci.example/jobs/{key}",
    )


PIPELINE = Pipeline(
    ref=_ref(ItemKind.PIPELINE, "7"),
    name="build",
    status=RunStatus.COMPLETED,
    conclusion=CheckConclusion.FAILURE,
    branch="feature",
    jobs=(
        _job("1", "unit", CheckConclusion.FAILURE),
        _job("2", "types", CheckConclusion.FAILURE),
        _job("3", "lint", CheckConclusion.SUCCESS),
        _job("4", "broken", CheckConclusion.FAILURE),
    ),
)


class FakeCI:
    """Just enough of a ``Pipelines`` connector: logs by job key, read in small chunks (as
    a service pages them), ``broken``'s log unreadable."""

    def __init__(self, logs: dict[str, str], chunk: int = 1 << 20) -> None:
        self.logs = logs
        self.chunk = chunk
        self.read: list[str] = []

    def manifest(self) -> Any:
        return SimpleNamespace(capabilities=("Pipelines",), name="Fake CI")

    def ci_scope(self, repo: RepoRef) -> str:
        return repo.full_name

    async def list_pipelines(self, scope: str, *, branch: str | None = None, limit: int = 5) -> Any:
        return [PIPELINE]

    async def get_pipeline(self, ref: ItemRef) -> Pipeline:
        return PIPELINE

    async def job_log(self, ref: ItemRef, *, offset: int = 0) -> LogChunk:
        self.read.append(ref.key)
        if ref.key == "4":
            raise TielineError("the log has expired")
        text = self.logs.get(ref.key, "")
        part = text[offset : offset + self.chunk]
        end = offset + len(part)
        return LogChunk(text=part, next_offset=end, complete=end >= len(text))


def _checkout(root: Path) -> Path:
    (root / "app").mkdir(parents=True)
    (root / "app/calc.py").write_text("\n" * 20)
    (root / "tests").mkdir()
    (root / "tests/test_calc.py").write_text("\n" * 8 + "def test_add():\n    assert 0\n")
    return root


def _hub(ci: FakeCI, folders: list[Folder]) -> Any:
    session = SimpleNamespace(connector=ci, connector_id="fake", host="ci.example")
    return SimpleNamespace(
        sessions={}, folders=folders, session_for=lambda connector, host, scope: session
    )


def _folder(root: Path, branch: str = "feature") -> Folder:
    repo = RepoRef(host="github.com", owner="octo", name="app")
    return Folder(
        path=root, root=root, branch=branch, remotes=(Workspace(repo, "origin", branch, root),)
    )


PAYLOAD = {
    "pipeline": ci_id(PIPELINE.ref),
    "name": "build",
    "number": 7,
    "branch": "feature",
    "scope": SCOPE,
}


async def test_collect_reads_every_failed_job_and_skips_what_cannot_be_read(
    tmp_path: Path,
) -> None:
    root = _checkout(tmp_path / "app")
    ci = FakeCI({"1": PYTEST, "2": MYPY, "3": MYPY}, chunk=16)
    (run,) = await collect(_hub(ci, [_folder(root)]), PAYLOAD)
    assert run.root == root and run.key == RunKey("fake", "ci.example", SCOPE, "feature", "build")
    assert [(jf.job, jf.failure.path, jf.failure.line, jf.failure.tool) for jf in run.found] == [
        ("unit", "tests/test_calc.py", 9, "pytest"),
        ("types", "app/calc.py", 10, "mypy"),
    ]
    assert run.found[0].log_uri.startswith("tieline-log:/fake/ci.example/")
    assert run.found[0].job_id == ci_id(PIPELINE.jobs[0].ref)
    assert "3" not in ci.read  # a job that passed is not read


async def test_collect_for_another_branch_or_no_checkout_reads_nothing(tmp_path: Path) -> None:
    root = _checkout(tmp_path / "app")
    ci = FakeCI({"1": PYTEST})
    assert await collect(_hub(ci, [_folder(root, "main")]), PAYLOAD) == []
    assert ci.read == []


async def test_a_multi_megabyte_log_does_not_hold_the_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The log is read for failures off the event loop (one C call over it all held the loop
    ~0.6 s), so hovers are answered meanwhile. Shown by where the parse runs and by the
    loop's other task making progress while it runs, not by a clock: a loaded machine
    stretches any gap."""
    root = _checkout(tmp_path / "app")
    noise = "".join(f"tests/test_calc.py::test_{n} PASSED\n" for n in range(260_000))
    ci = FakeCI({"1": noise + PYTEST, "2": MYPY}, chunk=1 << 20)
    assert len(ci.logs["1"]) > 10_000_000
    loop_thread = threading.get_ident()
    parsed_on: list[int] = []
    ticks_during: list[int] = []
    ticks = 0
    real = diagnostics.find_failures

    def spy(raw: str, checkout: Path, **kw: Any) -> list[Failure]:
        parsed_on.append(threading.get_ident())
        before = ticks
        found = real(raw, checkout, **kw)
        ticks_during.append(ticks - before)
        return found

    monkeypatch.setattr(diagnostics, "find_failures", spy)
    done = asyncio.Event()

    async def hover() -> None:
        nonlocal ticks
        while not done.is_set():
            await asyncio.sleep(0.001)
            ticks += 1

    tick = asyncio.create_task(hover())
    runs = await collect(_hub(ci, [_folder(root)]), PAYLOAD)
    done.set()
    await tick
    assert len(runs[0].found) == 2
    assert parsed_on and loop_thread not in parsed_on
    assert max(ticks_during) > 0  # the loop ran other work while the big log was parsed


def _run(root: Path, key: RunKey, *paths: str) -> Run:
    found = tuple(
        JobFailure(Failure(p, 1, None, "error", "boom", "pytest"), "unit", "j", "p", "log:")
        for p in paths
    )
    return Run(key, root, "p", found)


def test_the_store_replaces_clears_prunes_and_caps(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    build = RunKey("fake", "h", SCOPE, "feature", "build")
    deploy = RunKey("fake", "h", SCOPE, "feature", "deploy")
    store = Store()
    store.put(build, [_run(a, build, "x.py", "y.py"), _run(b, build, "x.py")])
    store.put(deploy, [_run(a, deploy, "x.py")])
    files, dropped = store.by_file()
    assert {p: len(v) for p, v in files.items()} == {a / "x.py": 2, a / "y.py": 1, b / "x.py": 1}
    assert dropped == 0
    store.put(build, [_run(a, build, "z.py")])  # the next failed run of build says anew
    assert set(store.by_file()[0]) == {a / "z.py", a / "x.py"}
    files, dropped = store.by_file(most=1)
    assert sum(len(v) for v in files.values()) == 1 and dropped == 1
    assert store.clear(build) and not store.clear(build)
    assert set(store.by_file()[0]) == {a / "x.py"}
    assert not store.prune([_folder(a)])  # still on feature
    assert store.prune([_folder(a, "main")])  # switched branches
    assert store.runs == {}


def _jf(**kw: Any) -> JobFailure:
    f = Failure(**{"path": "a.py", "line": 3, "column": 5, "severity": "warning",
                   "message": "unused", "tool": "ruff", "code": "F401", **kw})  # fmt: skip
    return JobFailure(f, "lint", "job-id", "pipe-id", "tieline-log:/x/lint.log")


FULL = types.PublishDiagnosticsClientCapabilities(
    related_information=True,
    tag_support=types.ClientDiagnosticsTagOptions(
        value_set=[types.DiagnosticTag.Unnecessary, types.DiagnosticTag.Deprecated]
    ),
    code_description_support=True,
    data_support=True,
)


def test_a_failure_as_a_diagnostic_for_a_bare_client() -> None:
    d = to_diagnostic(_jf(), None)
    assert d.message == "[lint · ruff] unused" and d.source == SOURCE and d.code == "F401"
    assert d.severity == types.DiagnosticSeverity.Warning
    assert d.range == types.Range(start=types.Position(2, 4), end=types.Position(3, 0))
    assert d.tags is None and d.data is None and d.related_information is None
    assert d.code_description is None
    bare = types.PublishDiagnosticsClientCapabilities()
    assert to_diagnostic(_jf(), bare, logs_readable=True).related_information is None


def test_a_failure_as_a_diagnostic_for_a_client_that_takes_everything() -> None:
    d = to_diagnostic(_jf(), FULL, logs_readable=True)
    assert d.tags == [types.DiagnosticTag.Unnecessary]
    assert d.data == {"job": "job-id", "pipeline": "pipe-id", "tool": "ruff",
                      "log": "tieline-log:/x/lint.log"}  # fmt: skip
    (rel,) = d.related_information or []
    assert rel.location.uri == "tieline-log:/x/lint.log" and "lint" in rel.message
    assert to_diagnostic(_jf(), FULL).related_information is None  # logs not readable there
    rust = to_diagnostic(
        _jf(tool="rustc", code="E0308", severity="error", end_line=3, end_column=9), FULL
    )
    assert rust.code_description is not None
    assert rust.code_description.href == "https://doc.rust-lang.org/error_codes/E0308.html"
    assert rust.range.end == types.Position(2, 8)  # end exclusive, as find_failures gives it
    assert rust.tags is None and rust.severity == types.DiagnosticSeverity.Error
    note = to_diagnostic(_jf(severity="info", code="deprecated", tool="mypy", column=None), FULL)
    assert note.severity == types.DiagnosticSeverity.Information
    assert note.tags == [types.DiagnosticTag.Deprecated] and note.code_description is None
    assert note.range.start == types.Position(2, 0)


@pytest.mark.parametrize(
    ("tool", "code", "url"),
    [
        ("eslint", "no-undef", "https://eslint.org/docs/latest/rules/no-undef"),
        ("eslint", "@typescript-eslint/no-unused-vars", None),
        ("rustc", "unused_variables", None),
        ("mypy", "assignment", None),
        ("pytest", None, None),
    ],
)
def test_code_urls(tool: str, code: str | None, url: str | None) -> None:
    assert code_url(tool, code) == url


# -- the publisher: events in, publishDiagnostics out ---------------------------------------


class FakeLS:
    """What :class:`Publisher` uses of the server: capabilities, the diagnostics board (which
    publishes through ``text_document_publish_diagnostics``), background."""

    def __init__(self) -> None:
        from server.lsp.diagnostics import DiagnosticsBoard

        self.client_capabilities = types.ClientCapabilities(
            text_document=types.TextDocumentClientCapabilities(publish_diagnostics=FULL)
        )
        self.published: list[types.PublishDiagnosticsParams] = []
        self.background: set[asyncio.Future[Any]] = set()
        self.diagnostics = DiagnosticsBoard(self)  # type: ignore[arg-type]

    def text_document_publish_diagnostics(self, params: types.PublishDiagnosticsParams) -> None:
        self.published.append(params)

    async def settle(self) -> None:
        while self.background:
            await asyncio.gather(*self.background, return_exceptions=True)

    def last(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for p in self.published:
            out[p.uri] = len(p.diagnostics)
        return out


def _event(kind: str, **payload: Any) -> Any:
    from server.hub.events import Event

    return Event(kind, "fake", "ada@ci.example", f"{SCOPE}@feature", {**PAYLOAD, **payload})


def _publisher(tmp_path: Path, logs: dict[str, str] | None = None) -> tuple[Any, FakeLS, Path]:
    from server.lsp.features.ci_diagnostics import Publisher

    root = _checkout(tmp_path / "app")
    hub = _hub(FakeCI(logs or {"1": PYTEST, "2": MYPY}), [_folder(root)])
    hub.config = SimpleNamespace(ci=SimpleNamespace(diagnostics=True))
    ls = FakeLS()
    return Publisher(ls, hub), ls, root  # type: ignore[arg-type]


async def test_failed_then_the_next_run_of_that_pipeline_passes(tmp_path: Path) -> None:
    pub, ls, root = _publisher(tmp_path)
    test_uri, calc_uri = (root / "tests/test_calc.py").as_uri(), (root / "app/calc.py").as_uri()
    pub.failed(_event("ci.failed"))
    await ls.settle()
    assert ls.last() == {test_uri: 1, calc_uri: 1}
    ls.published.clear()
    other = ci_id(_ref(ItemKind.PIPELINE, "8"))
    pub.succeeded(_event("ci.succeeded", pipeline=other, name="deploy"))  # another pipeline
    pub.succeeded(_event("ci.succeeded", branch="main"))  # build, but another branch
    assert ls.published == []
    pub.succeeded(_event("ci.succeeded", pipeline=other))  # build's next run, another id
    assert ls.last() == {test_uri: 0, calc_uri: 0}
    ls.published.clear()
    pub.folders_changed()
    assert ls.published == []  # nothing shown, nothing to clear


async def test_a_pass_while_the_failure_is_still_read_wins(tmp_path: Path) -> None:
    pub, ls, _ = _publisher(tmp_path)
    pub.failed(_event("ci.failed"))
    pub.succeeded(_event("ci.succeeded"))
    await ls.settle()
    assert ls.published == []


async def test_switched_off(tmp_path: Path) -> None:
    pub, ls, _ = _publisher(tmp_path)
    pub.failed(_event("ci.failed"))
    await ls.settle()
    assert sum(ls.last().values()) == 2
    pub.baselined.add("fake:ci.example:ada")
    pub.hub.config.ci.diagnostics = False
    pub.folders_changed()  # what didChangeConfiguration calls
    assert set(ls.last().values()) == {0}
    assert pub.baselined == set()  # switched on again, the next sync reads what failed
    ls.published.clear()
    pub.failed(_event("ci.failed"))
    await ls.settle()
    assert ls.published == []


async def test_at_most_500_and_a_log_line_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    many = "".join(
        f"app/calc.py:{n % 20 + 1}:{n // 20 + 1}: error: e{n}  [misc]\n" for n in range(800)
    )
    pub, ls, root = _publisher(tmp_path, {"1": many, "2": many.replace("error: e", "error: f")})
    with caplog.at_level("INFO"):
        pub.failed(_event("ci.failed"))
        await ls.settle()
    assert ls.last() == {(root / "app/calc.py").as_uri(): 500}
    assert "build on feature: showing the first 500 failures, the rest left out" in caplog.text


async def test_a_cancelled_run_leaves_the_last_failures_standing(tmp_path: Path) -> None:
    pub, ls, _ = _publisher(tmp_path)
    pub.failed(_event("ci.failed"))
    await ls.settle()
    ls.published.clear()
    cancelled = PIPELINE.model_copy(
        update={
            "conclusion": CheckConclusion.CANCELLED,
            "jobs": (_job("1", "unit", CheckConclusion.CANCELLED),),
        }
    )
    pub.hub.session_for("fake", "ci.example", SCOPE).connector.get_pipeline = lambda ref: _return(
        cancelled
    )
    pub.failed(_event("ci.failed"))  # conclusion cancelled: a ci.failed all the same
    await ls.settle()
    assert ls.published == [] and len(pub.store.runs) == 1


async def _return(value: Any) -> Any:
    return value
