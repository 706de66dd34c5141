"""Failures out of CI logs: every named tool's real output, mapped onto a checkout.

The logs in ``tests/ci/logs/`` are real: each was printed by the tool and version its first
line names, in a demo checkout at ``/home/runner/work/demo/demo`` (a GitHub-hosted
runner's path); ``logs/README.md`` lists that checkout. Here the checkout is rebuilt under
``tmp_path``, so every absolute path in the logs has to be mapped to be found. Timestamped,
GitLab-, Jenkins- and Windows-shaped variants are the same real lines with the runner's
prefix put in front or the path rewritten, as each runner writes them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.hub.ci.failures import PARSERS, Failure, find_failures, summary

LOGS = Path(__file__).parent / "logs"

TEST_CALC = """from app.calc import add, ratio


def helper(x):
    assert x == 3, "helper says no"


def test_add():
    assert add(1, 1) == 3


def test_ratio():
    ratio(1, 0)


def test_helper():
    helper(4)


def test_ok():
    assert add(1, 2) == 3
"""

TREE = (
    "app/__init__.py",
    "app/calc.py",
    "tests/__init__.py",
    "gosvc/go.mod",
    "gosvc/internal/calc/calc.go",
    "gosvc/internal/calc/calc_test.go",
    "gosvc/internal/calc/assert_test.go",
    "gosvc/cmd/broken/main.go",
    "rsvc/Cargo.toml",
    "rsvc/src/main.rs",
    "rsvc/src/lib.rs",
    "jsvc/pom.xml",
    "jsvc/src/main/java/com/example/App.java",
    "ksvc/src/main/kotlin/demo/Main.kt",
    "csrc/util.c",
    "web/tsconfig.json",
    "web/src/index.ts",
    "web/src/app.js",
    "web/src/chain.ts",
    "tests/test_more.py",
    "tests/test_broken.py",
)


def _log(name: str) -> str:
    return (LOGS / f"{name}.log").read_text(encoding="utf-8")


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """The demo checkout, somewhere other than where CI had it."""
    root = tmp_path / "checkout"
    for rel in TREE:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("\n" * 30)
    (root / "tests/test_calc.py").write_text(TEST_CALC)
    return root


def _shape(failures: list[Failure]) -> list[tuple[str, int, int | None, str, str, str | None]]:
    return [(f.path, f.line, f.column, f.severity, f.tool, f.code) for f in failures]


EXPECTED: dict[str, list[tuple[str, int, int | None, str, str, str | None]]] = {
    "cargo-build-color": [
        ("rsvc/src/main.rs", 2, 18, "error", "rustc", "E0308"),
        ("rsvc/src/main.rs", 7, 9, "warning", "rustc", "unused_variables"),
    ],
    "cargo-build": [
        ("rsvc/src/main.rs", 2, 18, "error", "rustc", "E0308"),
        ("rsvc/src/main.rs", 7, 9, "warning", "rustc", "unused_variables"),
    ],
    "cargo-clippy": [
        ("rsvc/src/main.rs", 3, 8, "warning", "clippy", "clippy::len_zero"),
        ("rsvc/src/main.rs", 7, 14, "warning", "clippy", "clippy::clone_on_copy"),
        ("rsvc/src/main.rs", 2, 13, "warning", "clippy", "clippy::useless_vec"),
    ],
    "cargo-test": [
        ("rsvc/src/lib.rs", 11, 9, "error", "cargo test", None),
    ],
    "eslint-compact": [
        ("web/src/app.js", 1, 7, "error", "eslint", "no-unused-vars"),
        ("web/src/app.js", 3, 12, "error", "eslint", "eqeqeq"),
        ("web/src/app.js", 3, 37, "error", "eslint", "no-undef"),
        ("web/src/app.js", 3, 40, "warning", "eslint", "semi"),
        ("web/src/app.js", 4, 3, "error", "eslint", "no-debugger"),
        ("web/src/app.js", 6, 11, "warning", "eslint", "semi"),
    ],
    "eslint-stylish-color": [
        ("web/src/app.js", 1, 7, "error", "eslint", "no-unused-vars"),
        ("web/src/app.js", 3, 12, "error", "eslint", "eqeqeq"),
        ("web/src/app.js", 3, 37, "error", "eslint", "no-undef"),
        ("web/src/app.js", 3, 40, "warning", "eslint", "semi"),
        ("web/src/app.js", 4, 3, "error", "eslint", "no-debugger"),
        ("web/src/app.js", 6, 11, "warning", "eslint", "semi"),
    ],
    "eslint-stylish": [
        ("web/src/app.js", 1, 7, "error", "eslint", "no-unused-vars"),
        ("web/src/app.js", 3, 12, "error", "eslint", "eqeqeq"),
        ("web/src/app.js", 3, 37, "error", "eslint", "no-undef"),
        ("web/src/app.js", 3, 40, "warning", "eslint", "semi"),
        ("web/src/app.js", 4, 3, "error", "eslint", "no-debugger"),
        ("web/src/app.js", 6, 11, "warning", "eslint", "semi"),
    ],
    "eslint-unix": [
        ("web/src/app.js", 1, 7, "error", "eslint", "no-unused-vars"),
        ("web/src/app.js", 3, 12, "error", "eslint", "eqeqeq"),
        ("web/src/app.js", 3, 37, "error", "eslint", "no-undef"),
        ("web/src/app.js", 3, 40, "warning", "eslint", "semi"),
        ("web/src/app.js", 4, 3, "error", "eslint", "no-debugger"),
        ("web/src/app.js", 6, 11, "warning", "eslint", "semi"),
    ],
    "gcc": [
        ("csrc/util.c", 5, 17, "error", "cc", None),
        ("csrc/util.c", 4, 9, "warning", "cc", "-Wunused-variable"),
        ("csrc/util.c", 9, 26, "warning", "cc", "-Wint-conversion"),
        ("csrc/util.c", 3, 15, "info", "cc", None),
    ],
    "github-actions-core": [
        ("web/src/app.js", 1, 5, "error", "github", None),
        ("web/src/app.js", 4, None, "warning", "github", None),
        ("web/src/index.ts", 2, None, "info", "github", None),
    ],
    "go-build": [
        ("gosvc/cmd/broken/main.go", 3, 8, "error", "go", None),
        ("gosvc/cmd/broken/main.go", 6, 6, "error", "go", None),
        ("gosvc/cmd/broken/main.go", 6, 14, "error", "go", None),
        ("gosvc/cmd/broken/main.go", 7, 2, "error", "go", None),
    ],
    "go-test-v": [
        ("gosvc/internal/calc/calc_test.go", 7, None, "error", "go test", None),
        ("gosvc/internal/calc/calc_test.go", 12, None, "error", "go test", None),
    ],
    "go-test": [
        ("gosvc/internal/calc/calc_test.go", 7, None, "error", "go test", None),
        ("gosvc/internal/calc/calc_test.go", 12, None, "error", "go test", None),
    ],
    "go-vet": [
        ("gosvc/internal/calc/calc.go", 10, 14, "error", "go", None),
    ],
    "javac": [
        ("jsvc/src/main/java/com/example/App.java", 7, None, "error", "javac", None),
        ("jsvc/src/main/java/com/example/App.java", 8, None, "warning", "javac", "rawtypes"),
        ("jsvc/src/main/java/com/example/App.java", 8, None, "warning", "javac", "rawtypes"),
        ("jsvc/src/main/java/com/example/App.java", 9, None, "warning", "javac", "unchecked"),
        ("jsvc/src/main/java/com/example/App.java", 10, None, "error", "javac", None),
    ],
    "kotlin-gradle-1.7": [
        ("ksvc/src/main/kotlin/demo/Main.kt", 6, 21, "error", "kotlin", None),
        ("ksvc/src/main/kotlin/demo/Main.kt", 8, 13, "error", "kotlin", None),
    ],
    "kotlin-gradle-2.1": [
        ("ksvc/src/main/kotlin/demo/Main.kt", 6, 21, "error", "kotlin", None),
        ("ksvc/src/main/kotlin/demo/Main.kt", 6, 21, "error", "kotlin", None),
        ("ksvc/src/main/kotlin/demo/Main.kt", 8, 13, "error", "kotlin", None),
    ],
    "kotlinc": [
        ("ksvc/src/main/kotlin/demo/Main.kt", 6, 21, "error", "kotlin", None),
        ("ksvc/src/main/kotlin/demo/Main.kt", 6, 21, "error", "kotlin", None),
        ("ksvc/src/main/kotlin/demo/Main.kt", 8, 13, "error", "kotlin", None),
    ],
    "maven": [
        ("jsvc/src/main/java/com/example/App.java", 7, 21, "error", "maven", None),
        ("jsvc/src/main/java/com/example/App.java", 10, 28, "error", "maven", None),
    ],
    "mypy-columns": [
        ("app/calc.py", 10, 18, "error", "mypy", "assignment"),
        ("app/calc.py", 15, 5, "error", "mypy", "no-any-return"),
        ("app/calc.py", 15, 30, "error", "mypy", "operator"),
    ],
    "mypy-error-end": [
        ("app/calc.py", 10, 18, "error", "mypy", "assignment"),
        ("app/calc.py", 15, 5, "error", "mypy", "no-any-return"),
        ("app/calc.py", 15, 30, "error", "mypy", "operator"),
    ],
    "mypy-pretty-color": [
        ("app/calc.py", 10, None, "error", "mypy", "assignment"),
        ("app/calc.py", 15, None, "error", "mypy", "no-any-return"),
        ("app/calc.py", 15, None, "error", "mypy", "operator"),
    ],
    "mypy": [
        ("app/calc.py", 10, None, "error", "mypy", "assignment"),
        ("app/calc.py", 15, None, "error", "mypy", "no-any-return"),
        ("app/calc.py", 15, None, "error", "mypy", "operator"),
        ("tests/test_calc.py", 4, None, "error", "mypy", "no-untyped-def"),
        ("tests/test_calc.py", 8, None, "error", "mypy", "no-untyped-def"),
        ("tests/test_calc.py", 8, None, "info", "mypy", None),
        ("tests/test_calc.py", 12, None, "error", "mypy", "no-untyped-def"),
        ("tests/test_calc.py", 12, None, "info", "mypy", None),
        ("tests/test_calc.py", 16, None, "error", "mypy", "no-untyped-def"),
        ("tests/test_calc.py", 16, None, "info", "mypy", None),
        ("tests/test_calc.py", 17, None, "error", "mypy", "no-untyped-call"),
        ("tests/test_calc.py", 20, None, "error", "mypy", "no-untyped-def"),
        ("tests/test_calc.py", 20, None, "info", "mypy", None),
    ],
    "pytest-line": [
        ("tests/test_calc.py", 9, None, "error", "pytest", None),
        ("app/calc.py", 11, None, "error", "pytest", None),
        ("tests/test_calc.py", 5, None, "error", "pytest", None),
        ("tests/test_calc.py", 12, None, "error", "pytest", None),
        ("tests/test_calc.py", 16, None, "error", "pytest", None),
    ],
    "pytest-long": [
        ("tests/test_calc.py", 9, None, "error", "pytest", None),
        ("tests/test_calc.py", 13, None, "info", "pytest", None),
        ("app/calc.py", 11, None, "error", "pytest", None),
        ("tests/test_calc.py", 17, None, "info", "pytest", None),
        ("tests/test_calc.py", 5, None, "error", "pytest", None),
    ],
    "pytest-native": [
        ("tests/test_calc.py", 9, None, "error", "python", None),
        ("app/calc.py", 11, None, "error", "python", None),
        ("tests/test_calc.py", 5, None, "error", "python", None),
        ("tests/test_calc.py", 12, None, "error", "pytest", None),
        ("tests/test_calc.py", 16, None, "error", "pytest", None),
    ],
    "pytest-short-color": [
        ("tests/test_calc.py", 9, None, "error", "pytest", None),
        ("tests/test_calc.py", 13, None, "info", "pytest", None),
        ("app/calc.py", 11, None, "error", "pytest", None),
        ("tests/test_calc.py", 17, None, "info", "pytest", None),
        ("tests/test_calc.py", 5, None, "error", "pytest", None),
    ],
    "pytest-short": [
        ("tests/test_calc.py", 9, None, "error", "pytest", None),
        ("tests/test_calc.py", 13, None, "info", "pytest", None),
        ("app/calc.py", 11, None, "error", "pytest", None),
        ("tests/test_calc.py", 17, None, "info", "pytest", None),
        ("tests/test_calc.py", 5, None, "error", "pytest", None),
    ],
    "ruff-concise-color": [
        ("app/calc.py", 1, 8, "error", "ruff", "F401"),
        ("app/calc.py", 2, 8, "error", "ruff", "F401"),
        ("app/calc.py", 10, 5, "error", "ruff", "F841"),
    ],
    "ruff-concise": [
        ("app/calc.py", 1, 8, "error", "ruff", "F401"),
        ("app/calc.py", 2, 8, "error", "ruff", "F401"),
        ("app/calc.py", 10, 5, "error", "ruff", "F841"),
    ],
    "ruff-full-color": [
        ("app/calc.py", 1, 8, "error", "ruff", "F401"),
        ("app/calc.py", 2, 8, "error", "ruff", "F401"),
        ("app/calc.py", 10, 5, "error", "ruff", "F841"),
    ],
    "ruff-full": [
        ("app/calc.py", 1, 8, "error", "ruff", "F401"),
        ("app/calc.py", 2, 8, "error", "ruff", "F401"),
        ("app/calc.py", 10, 5, "error", "ruff", "F841"),
    ],
    "ruff-github": [
        ("app/calc.py", 1, 8, "error", "ruff", "F401"),
        ("app/calc.py", 2, 8, "error", "ruff", "F401"),
        ("app/calc.py", 10, 5, "error", "ruff", "F841"),
    ],
    "ruff-grouped": [
        ("app/calc.py", 1, 8, "error", "ruff", "F401"),
        ("app/calc.py", 2, 8, "error", "ruff", "F401"),
        ("app/calc.py", 10, 5, "error", "ruff", "F841"),
    ],
    "ruff-pylint": [
        ("app/calc.py", 1, None, "error", "ruff", "F401"),
        ("app/calc.py", 2, None, "error", "ruff", "F401"),
        ("app/calc.py", 10, None, "error", "ruff", "F841"),
    ],
    "tsc-pretty": [
        ("web/src/index.ts", 2, 7, "error", "tsc", "TS2322"),
        ("web/src/index.ts", 4, 3, "error", "tsc", "TS2322"),
        ("web/src/index.ts", 7, 7, "error", "tsc", "TS2345"),
    ],
    "tsc": [
        ("web/src/index.ts", 2, 7, "error", "tsc", "TS2322"),
        ("web/src/index.ts", 4, 3, "error", "tsc", "TS2322"),
        ("web/src/index.ts", 7, 7, "error", "tsc", "TS2345"),
    ],
    "go-test-testify": [
        ("gosvc/internal/calc/assert_test.go", 10, None, "error", "go test", None),
        ("gosvc/internal/calc/calc_test.go", 7, None, "error", "go test", None),
        ("gosvc/internal/calc/calc_test.go", 12, None, "error", "go test", None),
    ],
    "go-test-setup-failed": [
        ("gosvc/internal/calc/assert_test.go", 6, 2, "error", "go", None),
    ],
    "pytest-collection-error": [
        ("tests/test_broken.py", 1, None, "error", "pytest", None),
    ],
    "pytest-class-param": [
        ("tests/test_more.py", 7, None, "error", "pytest", None),
    ],
    "tsc-chain": [
        ("web/src/chain.ts", 1, 7, "error", "tsc", "TS2322"),
        ("web/src/index.ts", 2, 7, "error", "tsc", "TS2322"),
        ("web/src/index.ts", 4, 3, "error", "tsc", "TS2322"),
        ("web/src/index.ts", 7, 7, "error", "tsc", "TS2345"),
    ],
}


def test_every_sample_has_its_origin_and_an_expectation() -> None:
    names = {p.stem for p in LOGS.glob("*.log")}
    assert names == set(EXPECTED)
    for name in names:
        assert _log(name).startswith("# from: "), name


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_tools_real_output(checkout: Path, name: str) -> None:
    assert _shape(find_failures(_log(name), checkout)) == EXPECTED[name]


def _messages(name: str, root: Path) -> dict[tuple[str, int, int | None], str]:
    return {(f.path, f.line, f.column): f.message for f in find_failures(_log(name), root)}


def test_pytest_messages_are_the_e_lines_and_the_calling_test_is_marked(checkout: Path) -> None:
    short = _messages("pytest-short", checkout)
    assert short[("tests/test_calc.py", 9, None)] == "assert 2 == 3\n +  where 2 = add(1, 1)"
    assert short[("app/calc.py", 11, None)] == "ZeroDivisionError: division by zero"
    assert short[("tests/test_calc.py", 13, None)] == (
        "test_ratio: ZeroDivisionError: division by zero (called from here)"
    )
    # --tb=long prints the E lines before the location, indented deeper: the same text.
    long = _messages("pytest-long", checkout)
    assert long == short
    # --tb=line has the message on the line; FAILED lines map to the test's def when no
    # traceback line fell inside that test.
    line = _messages("pytest-line", checkout)
    assert line[("tests/test_calc.py", 9, None)] == "assert 2 == 3"
    assert line[("tests/test_calc.py", 12, None)] == (
        "test_ratio failed: ZeroDivisionError: division by zero"
    )
    native = _messages("pytest-native", checkout)
    assert native[("app/calc.py", 11, None)] == "ZeroDivisionError: division by zero"


def test_failed_summary_alone_points_at_the_test_function(checkout: Path) -> None:
    log = "\n".join(line for line in _log("pytest-short").splitlines() if line.startswith("FAILED"))
    assert [(f.line, f.message) for f in find_failures(log, checkout)] == [
        (8, "test_add failed: assert 2 == 3"),
        (12, "test_ratio failed: ZeroDivisionError: division by zero"),
        (16, "test_helper failed: AssertionError: helper says no"),
    ]


def test_rustc_keeps_labels_and_notes_one_per_line(checkout: Path) -> None:
    msgs = _messages("cargo-build", checkout)
    assert msgs[("rsvc/src/main.rs", 2, 18)] == (
        "mismatched types\nexpected `i32`, found `&str`\nexpected due to this"
    )
    assert msgs[("rsvc/src/main.rs", 7, 9)].splitlines() == [
        "unused variable: `unused`",
        "help: if this is intentional, prefix it with an underscore: `_unused`",
        "note: `#[warn(unused_variables)]` (part of `#[warn(unused)]`) on by default",
    ]
    (panic,) = find_failures(_log("cargo-test"), checkout)
    assert panic.message == (
        "tests::adds panicked: assertion `left == right` failed\n  left: 2\n right: 3"
    )


def test_ruff_full_format_keeps_the_help_line(checkout: Path) -> None:
    msgs = _messages("ruff-full", checkout)
    assert (
        msgs[("app/calc.py", 1, 8)] == "`os` imported but unused\nhelp: Remove unused import: `os`"
    )
    github = _messages("ruff-github", checkout)
    assert github[("app/calc.py", 1, 8)].startswith("`os` imported but unused\n")


def test_mypy_error_ends_and_pretty_wrapping(checkout: Path) -> None:
    first = find_failures(_log("mypy-error-end"), checkout)[0]
    # mypy prints the last column (10:18:10:22 for `count`); the end is the one after it
    assert (first.line, first.column, first.end_line, first.end_column) == (10, 18, 10, 23)
    pretty = find_failures(_log("mypy-pretty-color"), checkout)[0]
    plain = find_failures(_log("mypy"), checkout)[0]
    assert pretty.message == plain.message
    assert plain.message == (
        'Incompatible types in assignment (expression has type "int", variable has type "str")'
    )


def test_github_workflow_commands(checkout: Path) -> None:
    got = find_failures(_log("github-actions-core"), checkout)
    assert got[0] == Failure(
        "web/src/app.js", 1, 5, "error", "Missing semicolon", "github", None, None, 7
    )
    # properties and message %-escaped by @actions/core, and the title kept
    assert got[1].message == "lint, style: Unexpected console statement\nsecond line: 100%"
    assert got[1].end_line == 4
    # the runner's echo of a command (##[error]) is read for a location too
    echoed = "##[error]web/src/index.ts(2,7): error TS2322: Type 'number' is not assignable."
    assert _shape(find_failures(echoed, checkout)) == [
        ("web/src/index.ts", 2, 7, "error", "tsc", "TS2322")
    ]


@pytest.mark.parametrize(
    ("plain", "coloured"),
    [
        ("pytest-short", "pytest-short-color"),
        ("cargo-build", "cargo-build-color"),
        ("eslint-stylish", "eslint-stylish-color"),
        ("ruff-concise", "ruff-concise-color"),
        ("tsc", "tsc-pretty"),
    ],
)
def test_coloured_output_reads_as_the_plain_one(checkout: Path, plain: str, coloured: str) -> None:
    assert "\x1b[" in _log(coloured)
    a, b = find_failures(_log(plain), checkout), find_failures(_log(coloured), checkout)
    assert [(f.path, f.line, f.column, f.message) for f in a] == [
        (f.path, f.line, f.column, f.message) for f in b
    ]


# --- runners' line prefixes ---------------------------------------------------------------


def _prefixed(text: str, prefix: str) -> str:
    return "".join(prefix + line for line in text.splitlines(keepends=True))


@pytest.mark.parametrize(
    "prefix",
    [
        "2024-01-01T00:00:00.0000000Z ",  # GitHub Actions job logs
        "2024-05-14T11:19:20.000000Z 00O ",  # GitLab runner FF_TIMESTAMPS traces
        "2024-05-14T11:19:20.000000Z 01E+",  # GitLab, stderr, continued line
        "[2024-01-01T00:00:00.123Z] ",  # Jenkins timestamper in a pipeline
        "[12:00:01] ",  # Jenkins timestamper, bracketed clock
        "12:00:01  ",  # Jenkins timestamper's plain-text view
    ],
)
@pytest.mark.parametrize(
    "name", ["pytest-short", "mypy", "cargo-build", "eslint-stylish", "go-test"]
)
def test_runner_timestamps_are_stripped(checkout: Path, prefix: str, name: str) -> None:
    assert find_failures(_prefixed(_log(name), prefix), checkout) == find_failures(
        _log(name), checkout
    )


# --- path mapping -----------------------------------------------------------------------------

MYPY_LINE = "PATH:10: error: Incompatible types in assignment  [assignment]"


@pytest.mark.parametrize(
    "path",
    [
        "app/calc.py",
        "./app/calc.py",
        "app\\calc.py",
        "/home/runner/work/demo/demo/app/calc.py",
        "/Users/runner/work/demo/demo/app/calc.py",
        "D:\\a\\demo\\demo\\app\\calc.py",
        "/opt/actions-runner/_work/demo/demo/app/calc.py",
        "/github/workspace/app/calc.py",
        "/builds/group/demo/app/calc.py",
        "/builds/group/sub/deeper/demo/app/calc.py",
        "/var/jenkins_home/workspace/demo/app/calc.py",
        "/var/lib/jenkins/workspace/demo@2/app/calc.py",
        "/var/lib/jenkins/workspace/folder/demo_main/app/calc.py",
        "C:\\Jenkins\\workspace\\demo\\app\\calc.py",
        "C:\\ProgramData\\Jenkins\\.jenkins\\workspace\\demo\\app\\calc.py",
        "/home/circleci/project/app/calc.py",
        "~/project/app/calc.py",
        "/opt/atlassian/pipelines/agent/build/app/calc.py",
        "/app/app/calc.py",
        "/src/app/calc.py",
        "/workspace/app/calc.py",
        "/somewhere/else/entirely/demo/app/calc.py",
        "file:///home/runner/work/demo/demo/app/calc.py",
    ],
)
def test_ci_workspaces_map_onto_the_checkout(checkout: Path, path: str) -> None:
    (got,) = find_failures(MYPY_LINE.replace("PATH", path), checkout)
    assert got.path == "app/calc.py"


@pytest.mark.parametrize(
    "path",
    [
        "/home/runner/work/demo/demo/setup.py",
        "/builds/group/demo/setup.py",
        "/var/jenkins_home/workspace/demo/setup.py",
        "/home/circleci/project/setup.py",
        "/app/setup.py",
    ],
)
def test_a_file_at_the_root_maps_from_a_known_workspace(checkout: Path, path: str) -> None:
    (checkout / "setup.py").write_text("")
    (got,) = find_failures(MYPY_LINE.replace("PATH", path), checkout)
    assert got.path == "setup.py"


def test_the_checkouts_own_absolute_path_maps(checkout: Path) -> None:
    (got,) = find_failures(MYPY_LINE.replace("PATH", str(checkout / "app/calc.py")), checkout)
    assert got.path == "app/calc.py"


def test_windows_runner_paths(checkout: Path) -> None:
    log = (
        "D:\\a\\demo\\demo\\web\\src\\index.ts(2,7): error TS2322: Type 'number' is not "
        "assignable to type 'string'.\n"
        "e: file:///D:/a/demo/demo/ksvc/src/main/kotlin/demo/Main.kt:8:13 Unresolved "
        "reference 'missing'.\n"
        "[ERROR] D:\\a\\demo\\demo\\jsvc\\src\\main\\java\\com\\example\\App.java:[7,21] "
        "incompatible types\n"
    )
    assert [(f.path, f.line, f.tool) for f in find_failures(log, checkout)] == [
        ("web/src/index.ts", 2, "tsc"),
        ("ksvc/src/main/kotlin/demo/Main.kt", 8, "kotlin"),
        ("jsvc/src/main/java/com/example/App.java", 7, "maven"),
    ]


def test_files_not_in_the_checkout_are_ignored(checkout: Path) -> None:
    log = "\n".join(
        [
            MYPY_LINE.replace("PATH", "app/gone.py"),
            MYPY_LINE.replace("PATH", "/usr/lib/python3.11/json/__init__.py"),
            MYPY_LINE.replace("PATH", "/work/main/.venv/lib/python3.11/site-packages/app/calc.py"),
            "/home/runner/.cargo/registry/src/index/serde-1.0/src/lib.rs:1:1: error: x",
            MYPY_LINE.replace("PATH", "/home/runner/work/other/other/elsewhere.py"),
        ]
    )
    assert find_failures(log, checkout) == []
    # the pytest sample's first line is a warning from the virtualenv: not ours
    assert all(".venv" not in f.path for f in find_failures(_log("pytest-short"), checkout))


def test_no_path_outside_the_checkout_ever(checkout: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.py").write_text("x = 1\n")
    (checkout / "app/link.py").symlink_to(outside / "secret.py")
    (checkout / "linked").symlink_to(outside, target_is_directory=True)
    log = "\n".join(
        MYPY_LINE.replace("PATH", p)
        for p in [
            "../outside/secret.py",
            "../../../../../../etc/passwd",
            "app/../../outside/secret.py",
            "/home/runner/work/demo/demo/../../../../etc/passwd",
            "/etc/passwd",
            str(outside / "secret.py"),
            "app/link.py",
            "linked/secret.py",
            "/home/runner/work/demo/demo/linked/secret.py",
        ]
    )
    assert find_failures(log, checkout) == []


def test_a_go_module_below_the_root_and_a_basename_in_two_packages(checkout: Path) -> None:
    (checkout / "gosvc/internal/other").mkdir()
    (checkout / "gosvc/internal/other/calc_test.go").write_text("")
    got = find_failures(_log("go-test"), checkout)
    assert {f.path for f in got} == {"gosvc/internal/calc/calc_test.go"}


def test_the_same_failure_twice_comes_back_once(checkout: Path) -> None:
    once = find_failures(_log("mypy"), checkout)
    assert find_failures(_log("mypy") + "\n" + _log("mypy"), checkout) == once
    # Maven prints its compilation errors twice: in the summary and in the goal failure.
    assert len(find_failures(_log("maven"), checkout)) == 2


def test_limit_and_log_order(checkout: Path) -> None:
    log = _log("ruff-concise") + _log("mypy") + _log("tsc")
    everything = find_failures(log, checkout)
    assert [f.tool for f in everything][:4] == ["ruff", "ruff", "ruff", "mypy"]
    assert everything[-1].tool == "tsc"
    assert find_failures(log, checkout, limit=4) == everything[:4]
    assert find_failures(log, checkout, limit=0) == []


def test_summary(checkout: Path) -> None:
    failures = find_failures(_log("mypy") + _log("pytest-short"), checkout)
    assert summary(failures) == "12 errors and 6 notes in 2 files (mypy, pytest)"
    assert summary(failures[:1]) == "1 error in 1 file (mypy)"
    assert summary([]) == "no failures found in the log"


# --- anything at all -------------------------------------------------------------------------

_REAL_LINES = [line for p in sorted(LOGS.glob("*.log")) for line in p.read_text().splitlines()]
_FRAGMENTS = st.sampled_from(
    [*_REAL_LINES[::7], "::error file=", ",line=", "-->", "E   ", "____ t ____", "FAIL\t",
     "Traceback (most recent call last):", '  File "', '", line ', ":0:", ":-1:", "(0,0)",
     "../", "/home/runner/work/", "\\", "\x1b[31m", "\r", "\x00", "app/calc.py", ":99999999999:"]
)  # fmt: skip


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.one_of(_FRAGMENTS, st.text(max_size=40)), max_size=30).map("".join)
    | st.lists(st.one_of(_FRAGMENTS, st.text(max_size=20)), max_size=20).map("\n".join)
)
def test_any_text_never_raises_and_answers_only_real_files(checkout: Path, text: str) -> None:
    for f in find_failures(text, checkout):
        assert f.line >= 1
        assert f.column is None or 1 <= f.column < 2**31
        assert f.line < 2**31
        assert not f.path.startswith(("/", "..")) and "\\" not in f.path
        real = (checkout / f.path).resolve()
        assert real.is_file() and real.is_relative_to(checkout.resolve())
        assert f.severity in ("error", "warning", "info")


def test_a_big_tree_is_indexed_once(checkout: Path) -> None:
    # a relative path that is not at the root is looked up through one walk of the tree
    for n in range(200):
        d = checkout / "pkg" / f"m{n}"
        d.mkdir(parents=True)
        (d / "mod.rs").write_text("")
    log = "".join(f"error: x\n --> m{n}/mod.rs:1:1\n\n" for n in range(200))
    got = find_failures(log, checkout)
    assert len(got) == 200 and got[7].path == "pkg/m7/mod.rs"


def test_the_prefilter_lets_every_parsed_line_through_to_its_parser() -> None:
    # _CANDIDATE is hand-written for speed; this keeps it honest against the table, on
    # every line of every real sample (and their runner-echoed forms).
    from server.hub.ci.failures import _CANDIDATE, _lines

    checked = 0
    for p in sorted(LOGS.glob("*.log")):
        for line in _lines(p.read_text(encoding="utf-8")):
            first = next((k for _, k, pat, _ in PARSERS if pat.match(line)), None)
            if first is None:
                continue
            c = _CANDIDATE.match(line)
            assert c is not None and c.lastgroup == first, (p.name, line)
            checked += 1
    assert checked > 150


def test_dependencies_inside_the_workspace_are_not_the_checkouts(checkout: Path) -> None:
    # CI made a virtualenv and node_modules in the workspace; the editor's checkout has its
    # own, and a frame in them is no failure of this code.
    for rel in (".venv/lib/python3.11/site-packages/pkg/mod.py", "web/node_modules/x/index.js"):
        (checkout / rel).parent.mkdir(parents=True)
        (checkout / rel).write_text("")
    log = (
        ".venv/lib/python3.11/site-packages/pkg/mod.py:3: in f\n"
        "/home/runner/work/demo/demo/.venv/lib/python3.11/site-packages/pkg/mod.py:3: error: x\n"
        "web/node_modules/x/index.js(1,1): error TS1005: ';' expected.\n"
    )
    assert find_failures(log, checkout) == []


def test_checkout_paths_directly(checkout: Path) -> None:
    from server.hub.ci.workspace import CheckoutPaths

    paths = CheckoutPaths(checkout)
    assert paths.files_named("calc_test.go") == ["gosvc/internal/calc/calc_test.go"]
    assert paths.directory("/home/runner/work/demo/demo/rsvc") == "rsvc"
    assert paths.directory(str(checkout / "web")) == "web"
    assert paths("src/main.rs", near="rsvc") == "rsvc/src/main.rs"
    assert paths("src/main.rs") == "rsvc/src/main.rs"  # the only one: found by its suffix
    assert paths("/etc/passwd") is None


def test_multi_line_messages_stay_readable(checkout: Path) -> None:
    chain = find_failures(_log("tsc-chain"), checkout)[0]
    assert chain.message.splitlines() == [
        "Type '(x: string) => string' is not assignable to type '(x: number) => string'.",
        "Types of parameters 'x' and 'x' are incompatible.",
        "  Type 'number' is not assignable to type 'string'.",
    ]
    (collected,) = find_failures(_log("pytest-collection-error"), checkout)
    assert collected.message == "ModuleNotFoundError: No module named 'not_a_module'"
    (param,) = find_failures(_log("pytest-class-param"), checkout)
    assert param.message == "ValueError: invalid literal for int() with base 10: 'x'"


def test_numbers_no_editor_could_show_are_dropped(checkout: Path) -> None:
    log = (
        "app/calc.py:0: error: line zero\n"
        "app/calc.py:99999999999: error: past any file\n"
        "web/src/app.js:3:0: x [Error/rule]\n"
    )
    assert [(f.line, f.column) for f in find_failures(log, checkout)] == [(3, None)]


def test_testify_blocks_are_the_message(checkout: Path) -> None:
    testify = find_failures(_log("go-test-testify"), checkout)[0]
    lines = testify.message.splitlines()
    assert lines[0].startswith("Error Trace:\t/home/runner/work/demo/demo/gosvc/")
    assert "\texpected: 3" in testify.message and "\tactual  : 2" in testify.message
    assert lines[-1] == "Messages:   \tadding one and one"


def test_many_sections_and_tracebacks_cost_what_they_hold(checkout: Path) -> None:
    # A section or traceback is read only as far as it goes: thousands of them in one log
    # stay linear (this would take minutes if each read on to its limit).
    one = (
        "____ test_add ____\ntests/test_calc.py:9: in test_add\nE   assert 2 == 3\n"
        'Traceback (most recent call last):\n  File "app/calc.py", line 11, in ratio\n'
        "ZeroDivisionError: division by zero\n"
    )
    got = find_failures(one * 3000, checkout)
    assert [(f.path, f.line) for f in got] == [("tests/test_calc.py", 9), ("app/calc.py", 11)]


def test_windows_line_endings_and_gitlab_section_markers(checkout: Path) -> None:
    plain = find_failures(_log("cargo-build"), checkout)
    crlf = _log("cargo-build").replace("\n", "\r\n")
    assert find_failures(crlf, checkout) == plain
    # GitLab wraps each script step in section markers, redrawn over with \r and ESC[0K
    gitlab = (
        "\x1b[0Ksection_start:1700000000:step_script\r\x1b[0K\x1b[0K\x1b[36;1mExecuting "
        '"step_script" stage of the job script\x1b[0;m\x1b[0;m\n'
        + _log("cargo-build")
        + "\x1b[0Ksection_end:1700000001:step_script\r\x1b[0K\n"
    )
    assert find_failures(gitlab, checkout) == plain
