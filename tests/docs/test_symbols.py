"""The name under the cursor and what it names, read through a Python file's imports."""

from __future__ import annotations

import pytest

from server.hub.docs import candidates, symbol_at
from server.hub.docs.symbols import python_imports

LINE = "    path = os.path.join(base, name)  # json.loads"


@pytest.mark.parametrize(
    ("column", "expected"),
    [
        (LINE.index("os."), "os"),
        (LINE.index("path.join") + 1, "os.path"),
        (LINE.index("join"), "os.path.join"),
        (LINE.index("join") + 4, "os.path.join"),  # just past the end: still the name
        (LINE.index("base"), "base"),
        (LINE.index("("), "os.path.join"),
        (LINE.index("="), None),
        (0, None),
        (len(LINE) + 5, None),
    ],
)
def test_symbol_at(column: int, expected: str | None) -> None:
    assert symbol_at(LINE, column) == expected


def test_scoped_and_odd_names() -> None:
    line = "auto v = std::vector<int>(); x = 3.5; y = a..b"
    assert symbol_at(line, line.index("vector")) == "std::vector"
    assert symbol_at(line, line.index("3.5")) is None  # a number is no name
    assert symbol_at(line, line.index("b")) == "b"
    assert symbol_at("$.ajax(o)", 2) == "$.ajax"


SOURCE = """\
import os, sys as system
import numpy as np
import xml.etree.ElementTree as ET
import email.message
from json import loads, dumps as to_json
from collections import (
    OrderedDict,
    abc,
)
from . import sibling
from .pkg import thing
from typing import *
"""


def test_python_imports() -> None:
    assert python_imports(SOURCE) == {
        "os": "os",
        "system": "sys",
        "np": "numpy",
        "ET": "xml.etree.ElementTree",
        "email": "email",
        "loads": "json.loads",
        "to_json": "json.dumps",
        "OrderedDict": "collections.OrderedDict",
        "abc": "collections.abc",
    }


@pytest.mark.parametrize(
    ("symbol", "expected"),
    [
        ("loads", ["json.loads", "loads"]),
        ("to_json", ["json.dumps", "to_json"]),
        ("ET.parse", ["xml.etree.ElementTree.parse", "ET.parse"]),
        ("abc.Mapping", ["collections.abc.Mapping", "abc.Mapping"]),
        ("os.path.join", ["os.path.join"]),
        ("len", ["len"]),
        ("sibling.run", ["sibling.run"]),  # the project's own module: as written
    ],
)
def test_candidates_python(symbol: str, expected: list[str]) -> None:
    assert candidates(symbol, "python", SOURCE) == expected


def test_other_languages_use_the_name_as_written() -> None:
    assert candidates("loads", "javascript", SOURCE) == ["loads"]
