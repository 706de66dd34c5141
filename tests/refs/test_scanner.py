"""Reference detection: comments and strings in code, everywhere in prose."""

from __future__ import annotations

import pytest

from server.hub.refs import (
    MAX_LINE,
    CommitTarget,
    ItemTarget,
    LinkTarget,
    Reference,
    ReferenceScanner,
    RefKind,
    RuleSet,
    ScanContext,
    reference_at,
    scan,
)

from .conftest import REPO


def texts(refs: list[Reference]) -> list[str]:
    return [r.text for r in refs]


def test_python_comments_strings_and_docstrings_but_not_code(
    rules: RuleSet, ctx: ScanContext
) -> None:
    src = (
        "def f(x):\n"
        '    """Fixes #1 (docstring)."""\n'
        "    y = x#2\n"
        "    # see #3 and GH-4\n"
        "    return 'acme/lib#5' + str(x) #6\n"
    )
    assert texts(scan(src, rules, language_id="python", context=ctx)) == [
        "#1",
        "#3",
        "GH-4",
        "acme/lib#5",
        "#6",
    ]


@pytest.mark.parametrize(
    ("language_id", "src", "expected"),
    [
        (
            "typescript",
            "const a = b#1; // fixes #2\n/* block #3\n   still #4 */ let s = `tpl #5`;\n",
            ["#2", "#3", "#4", "#5"],
        ),
        ("javascript", "let r = /#7/; // #8\nconst s = '#9';\n", ["#8", "#9"]),
        ("go", 'x := y // #1\ns := "#2" + `#3`\nz#4\n', ["#1", "#2", "#3"]),
        ("rust", 'let x = 1; // #1\n/// doc #2\nlet s = "#3"; x#4\n', ["#1", "#2", "#3"]),
        (
            "c",
            '#include <12>\n#define X 1 /* #2 */\nint a = 3; // #4\nchar *s = "#5";\n',
            ["#2", "#4", "#5"],
        ),
    ],
)
def test_languages(
    rules: RuleSet, ctx: ScanContext, language_id: str, src: str, expected: list[str]
) -> None:
    assert texts(scan(src, rules, language_id=language_id, context=ctx)) == expected


def test_c_include_never_matches(rules: RuleSet, ctx: ScanContext) -> None:
    src = '#include <stdio.h>\n#include "x.h"\n#pragma once\n'
    assert scan(src, rules, language_id="c", context=ctx) == []


def test_lexer_chosen_by_file_name_when_no_language_id(rules: RuleSet, ctx: ScanContext) -> None:
    src = "x = y#1  # #2\n"
    assert texts(scan(src, rules, uri="file:///w/a.py", context=ctx)) == ["#2"]


@pytest.mark.parametrize("language_id", ["markdown", "plaintext", "git-commit"])
def test_prose_everywhere(rules: RuleSet, ctx: ScanContext, language_id: str) -> None:
    src = "Fixes #12\n\n- acme/lib#3 and GH-4\n```\ncode #5\n```\n"
    assert texts(scan(src, rules, language_id=language_id, context=ctx)) == [
        "#12",
        "acme/lib#3",
        "GH-4",
        "#5",
    ]


def test_commit_message_by_file_name(rules: RuleSet, ctx: ScanContext) -> None:
    src = "Fix crash (#42)\n\n# Please enter the commit message\n"
    refs = scan(src, rules, uri="file:///repo/.git/COMMIT_EDITMSG", context=ctx)
    assert texts(refs) == ["#42"]


def test_unknown_language_is_scanned_as_text(rules: RuleSet, ctx: ScanContext) -> None:
    assert texts(scan("see #1\n", rules, language_id="no-such-language", context=ctx)) == ["#1"]


def test_utf16_ranges_with_emoji(rules: RuleSet, ctx: ScanContext) -> None:
    line = "😀👍🏽 #12 é #13"
    [a, b] = scan(line, rules, language_id="markdown", context=ctx)
    # 😀 is 2 units, 👍 2, 🏽 2, space 1 -> "#12" starts at 7
    assert (a.range.start, a.range.end) == (7, 10)
    assert line.encode("utf-16-le")[14:20].decode("utf-16-le") == "#12"
    assert (b.range.start, b.range.end) == (13, 16)
    u32 = scan(
        line, rules, language_id="markdown", context=ScanContext.single(REPO, encoding="utf-32")
    )
    assert u32[0].range.start == 4


def test_crlf_and_lone_cr_line_breaks_but_not_form_feed(rules: RuleSet, ctx: ScanContext) -> None:
    src = "a\r\nb\rc\x0c #1\u2028 #2\n#3"
    refs = scan(src, rules, language_id="plaintext", context=ctx)
    assert [(r.range.line, r.range.start) for r in refs] == [(2, 3), (2, 7), (3, 0)]


def test_long_lines_are_skipped(rules: RuleSet, ctx: ScanContext) -> None:
    long = "#1 " + "x" * MAX_LINE
    src = f"{long}\n// #2\n"
    assert texts(scan(src, rules, language_id="markdown", context=ctx)) == ["#2"]
    assert texts(scan(f"// {long}\n// #2\n", rules, language_id="c", context=ctx)) == ["#2"]


def test_bare_number_bound_and_false_friends(rules: RuleSet) -> None:
    ctx = ScanContext.single(REPO, highest=123)
    src = (
        "#5 #124 #123 GH-124 acme/x#124\n"  # GH- and owner/repo# are explicit: no bound
        "color: #fff; #123abc &#123; x#5\n"
        "https://example.com/a#5 https://example.com/?q=#5 see https://example.com/#123\n"
    )
    assert texts(scan(src, rules, language_id="markdown", context=ctx)) == [
        "#5",
        "#123",
        "GH-124",
        "acme/x#124",
    ]


def test_no_predicate_accepts_every_number(rules: RuleSet) -> None:
    assert texts(scan("#99999", rules, language_id="markdown")) == ["#99999"]


def test_targets_and_urls(rules: RuleSet, ctx: ScanContext) -> None:
    src = (
        "#7 acme/lib#8\n"
        "https://github.com/o/r/issues/12, (https://github.com/o/r/pull/34/files).\n"
        "https://ghe.corp.test/t/u/commit/ABCDEF0123 and https://other.test/o/r/issues/1\n"
        "ABC-77 xABC-1\n"
    )
    refs = scan(src, rules, language_id="markdown", context=ctx)
    got = [(r.kind, r.target, r.text, r.url) for r in refs]

    def item(scope: str, n: int, kind: RefKind = RefKind.ANY) -> ItemTarget:
        return ItemTarget("github", "github.com", scope, f"#{n}", n, kind)

    assert got == [
        (RefKind.ANY, item("acme/app", 7), "#7", "https://github.com/acme/app/issues/7"),
        (
            RefKind.ANY,
            item("acme/lib", 8),
            "acme/lib#8",
            "https://github.com/acme/lib/issues/8",
        ),
        (
            RefKind.ISSUE,
            item("o/r", 12, RefKind.ISSUE),
            "https://github.com/o/r/issues/12",
            "https://github.com/o/r/issues/12",
        ),
        (
            RefKind.PR,
            item("o/r", 34, RefKind.PR),
            "https://github.com/o/r/pull/34/files",
            "https://github.com/o/r/pull/34/files",
        ),
        (
            RefKind.COMMIT,
            CommitTarget("github", "ghe.corp.test", "t/u", "abcdef0123"),
            "https://ghe.corp.test/t/u/commit/ABCDEF0123",
            "https://ghe.corp.test/t/u/commit/ABCDEF0123",
        ),
        (
            RefKind.AUTOLINK,
            LinkTarget("https://tracker.example.com/browse/ABC-77", r"ABC-(\d+)"),
            "ABC-77",
            "https://tracker.example.com/browse/ABC-77",
        ),
    ]


def test_owner_repo_uses_document_host(rules: RuleSet) -> None:
    from connectors.sdk.models import RepoRef

    ghe = RepoRef(host="ghe.corp.test", owner="t", name="u")
    [ref] = scan("x/y#3", rules, language_id="markdown", context=ScanContext.single(ghe))
    assert isinstance(ref.target, ItemTarget)
    assert (ref.target.host, ref.target.scope) == ("ghe.corp.test", "x/y")


def test_reference_at(rules: RuleSet, ctx: ScanContext) -> None:
    src = "a #1 b #22\n\nacme/lib#3"
    refs = scan(src, rules, language_id="markdown", context=ctx)
    assert reference_at(refs, 0, 1) is None
    assert reference_at(refs, 0, 2) is refs[0]
    assert reference_at(refs, 0, 4) is refs[0]  # just after counts
    assert reference_at(refs, 0, 5) is None
    assert reference_at(refs, 0, 8) is refs[1]
    assert reference_at(refs, 1, 0) is None
    assert reference_at(refs, 2, 9) is refs[2]
    assert reference_at([], 0, 0) is None


def test_cache_per_version_and_context(rules: RuleSet, ctx: ScanContext) -> None:
    scanner = ReferenceScanner(rules)
    first = scanner.scan("# #1\n", language_id="python", uri="file:///a.py", version=1, context=ctx)
    assert (
        scanner.scan("ignored", language_id="python", uri="file:///a.py", version=1, context=ctx)
        is first
    )
    other = ScanContext.single(None)
    again = scanner.scan(
        "# #1\n", language_id="python", uri="file:///a.py", version=1, context=other
    )
    assert again is not first and again[0].url is None
    second = scanner.scan(
        "# #2\n", language_id="python", uri="file:///a.py", version=2, context=ctx
    )
    assert texts(second) == ["#2"]
    scanner.forget("file:///a.py")


def _scan(
    scanner: ReferenceScanner, lines: list[str], version: int, language_id: str = "python"
) -> list[Reference]:
    return scanner.scan(
        "\n".join(lines),
        language_id=language_id,
        uri="file:///w/doc",
        version=version,
        context=ScanContext.single(REPO, highest=1000),
    )


def _doc(n: int = 50) -> list[str]:
    """Every fifth line a comment with a reference (lines 1, 6, 11...)."""
    lines: list[str] = []
    for i in range(n // 5):
        lines += [f"def f{i}():", f"    # see #{i + 1} for why", "    return 1", "", ""]
    return lines


@pytest.mark.parametrize("language_id", ["python", "markdown"])
def test_an_edit_keeps_the_references_of_the_lines_it_did_not_touch(
    rules: RuleSet, ctx: ScanContext, language_id: str
) -> None:
    scanner = ReferenceScanner(rules)
    lines = _doc()
    before = _scan(scanner, lines, 1, language_id)
    lines[21] = "    # see #77 instead"  # line 21 had #5
    after = _scan(scanner, lines, 2, language_id)
    assert after == scan("\n".join(lines), rules, language_id=language_id, context=ctx)
    changed = [a for a, b in zip(after, before, strict=True) if a is not b]
    assert texts(changed) == ["#77"]


def test_an_edit_that_changes_no_reference_answers_the_same_list(
    rules: RuleSet, ctx: ScanContext
) -> None:
    scanner = ReferenceScanner(rules)
    lines = _doc()
    before = _scan(scanner, lines, 1)
    lines[21] = lines[21] + ", edited"  # typing beside the reference
    lines[22] = "    return 2"
    after = _scan(scanner, lines, 2)
    assert after is before


def test_lines_inserted_above_move_the_references_below(rules: RuleSet, ctx: ScanContext) -> None:
    scanner = ReferenceScanner(rules)
    lines = _doc()
    before = _scan(scanner, lines, 1)
    lines[20:20] = ["# new #9", "x = 1"]
    after = _scan(scanner, lines, 2)
    assert after == scan("\n".join(lines), rules, language_id="python", context=ctx)
    assert all(a is b for a, b in zip(after[:4], before[:4], strict=True))
    assert texts(after[4:]) == ["#9", *texts(before[4:])]
    assert [r.range.line for r in after[5:]] == [r.range.line + 2 for r in before[4:]]


def test_a_new_string_above_changes_the_references_it_swallows(
    rules: RuleSet, ctx: ScanContext
) -> None:
    """A line outside the edit keeps its references only if its comments and strings did."""
    scanner = ReferenceScanner(rules)
    lines = ["x = 1", "y = GH-1", "z = 2  # end: '''"]
    assert _scan(scanner, lines, 1) == []
    lines[0] = "x = '''"  # the string now runs to the comment's quotes, two lines below
    after = _scan(scanner, lines, 2)
    assert texts(after) == ["GH-1"]
    assert after == scan("\n".join(lines), rules, language_id="python", context=ctx)
