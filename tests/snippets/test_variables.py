"""VS Code snippet syntax: fields, numbered variables, plain-text rendering, escaping."""

from __future__ import annotations

import pytest

from server.hub.snippets.variables import Field, escape, fields, plain_text, variables

BODY = (
    "for ${1:item} in ${2|items,rows|}:\n"
    "    print($TM_FILENAME, ${CURRENT_YEAR:2024}, ${3:outer ${4:inner}})\n"
    "    $1 ${1/(.*)/${1:/upcase}/} \\$5 ${9}\n"
    "$0"
)


def test_fields_in_order() -> None:
    assert fields(BODY) == [
        Field("placeholder", "1", "item"),
        Field("choice", "2", "items", ("items", "rows")),
        Field("variable", "TM_FILENAME"),
        Field("variable", "CURRENT_YEAR", "2024"),
        Field("placeholder", "3", "outer inner"),
        Field("placeholder", "4", "inner"),
        Field("tabstop", "1"),
        Field("tabstop", "1"),
        Field("tabstop", "9"),
        Field("tabstop", "0"),
    ]


def test_variables_one_per_number_with_the_final_cursor_last() -> None:
    got = variables(BODY)
    assert [(v.name, v.default) for v in got] == [
        ("1", "item"),
        ("2", "items"),
        ("3", "outer inner"),
        ("4", "inner"),
        ("9", ""),
        ("0", ""),
    ]


def test_plain_text_is_the_body_at_its_defaults() -> None:
    resolve = {"TM_FILENAME": "app.py"}.get
    assert plain_text(BODY, resolve) == (
        "for item in items:\n    print(app.py, 2024, outer inner)\n      $5 \n"
    )


@pytest.mark.parametrize(
    "broken",
    ["${", "${1", "${1:open", "${1|a,b", "$", "${x y}", "${1/a/b}", "}", "price: 5$"],
)
def test_what_does_not_parse_stays_literal(broken: str) -> None:
    assert plain_text(broken) == broken.replace("\\", "")
    fields(broken)


@pytest.mark.parametrize(
    "text",
    [
        "echo $HOME ${PATH} $1 \\$ \\\\ a\\b }",
        "const t = `${a}`; // $0",
        "plain code with no dollars",
        "\\${1:x}",
    ],
)
def test_escape_inserts_exactly_the_text(text: str) -> None:
    assert plain_text(escape(text)) == text
    assert fields(escape(text)) == []


def test_escape_leaves_ordinary_code_unchanged() -> None:
    code = "def f(x):\n    return {'a': x}  # costs $ 5\n"
    assert escape(code) == code
