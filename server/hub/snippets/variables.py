"""VS Code's snippet syntax: the fields of a body (tab stops, placeholders, choices,
variables) and the body as plain text for an editor without snippet support.

The grammar is VS Code's (``any ::= tabstop | placeholder | choice | variable | text``, see
"Snippet syntax" in its documentation, which LSP's ``InsertTextFormat.Snippet`` adopts). No
maintained Python package parses it, so this is a small hand-written recursive-descent parser.
Like VS Code, anything that does not parse as a construct is kept as literal text, so every
body is accepted and nothing typed is lost.
"""

from __future__ import annotations

import datetime
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field

_INT = re.compile(r"\d+")
_VAR = re.compile(r"[_a-zA-Z][_a-zA-Z0-9]*")


@dataclass(frozen=True)
class Field:
    """One field of a body: a numbered tab stop (``$1``, ``${1:name}``, ``${1|a,b|}``) or a
    variable (``$TM_FILENAME``, ``${CLIPBOARD:default}``)."""

    kind: str  # "tabstop" | "placeholder" | "choice" | "variable"
    name: str  # "1", "0", "TM_FILENAME"
    default: str = ""  # the placeholder's or variable's default, as plain text
    choices: tuple[str, ...] = ()

    @property
    def number(self) -> int | None:
        return int(self.name) if self.name.isdigit() else None


@dataclass
class _Node:
    kind: str  # "text" | Field kinds
    text: str = ""
    name: str = ""
    children: list[_Node] = field(default_factory=list)
    choices: tuple[str, ...] = ()


class _Parser:
    def __init__(self, src: str) -> None:
        self.s = src
        self.i = 0

    def parse(self, until: str | None = None) -> list[_Node]:
        """Nodes up to the end, or up to an unescaped ``until`` (``}`` inside a placeholder)."""
        out: list[_Node] = []
        buf: list[str] = []
        s = self.s
        while self.i < len(s):
            c = s[self.i]
            if c == "\\" and self.i + 1 < len(s) and s[self.i + 1] in "$}\\":
                buf.append(s[self.i + 1])
                self.i += 2
                continue
            if until is not None and c == until:
                break
            if c == "$":
                start = self.i
                node = self._dollar()
                if node is not None:
                    if buf:
                        out.append(_Node("text", "".join(buf)))
                        buf = []
                    out.append(node)
                    continue
                self.i = start + 1
                buf.append("$")
                continue
            buf.append(c)
            self.i += 1
        if buf:
            out.append(_Node("text", "".join(buf)))
        return out

    def _dollar(self) -> _Node | None:
        s = self.s
        self.i += 1
        if m := _INT.match(s, self.i):
            self.i = m.end()
            return _Node("tabstop", name=m.group(0))
        if m := _VAR.match(s, self.i):
            self.i = m.end()
            return _Node("variable", name=m.group(0))
        if not s.startswith("{", self.i):
            return None
        self.i += 1
        if m := _INT.match(s, self.i):
            name, kind = m.group(0), "tabstop"
        elif m := _VAR.match(s, self.i):
            name, kind = m.group(0), "variable"
        else:
            return None
        self.i = m.end()
        if s.startswith("}", self.i):
            self.i += 1
            return _Node(kind, name=name)
        if s.startswith(":", self.i):
            self.i += 1
            children = self.parse(until="}")
            if not s.startswith("}", self.i):
                return None
            self.i += 1
            return _Node(
                "placeholder" if kind == "tabstop" else "variable", name=name, children=children
            )
        if kind == "tabstop" and s.startswith("|", self.i):
            return self._choice(name)
        if s.startswith("/", self.i):
            return self._transform(kind, name)
        return None

    def _choice(self, name: str) -> _Node | None:
        s = self.s
        self.i += 1
        options: list[str] = []
        buf: list[str] = []
        while self.i < len(s):
            c = s[self.i]
            if c == "\\" and self.i + 1 < len(s) and s[self.i + 1] in ",|\\$}":
                buf.append(s[self.i + 1])
                self.i += 2
                continue
            if c == ",":
                options.append("".join(buf))
                buf = []
            elif c == "|":
                if not s.startswith("}", self.i + 1):
                    return None
                options.append("".join(buf))
                self.i += 2
                return _Node("choice", name=name, choices=tuple(options))
            else:
                buf.append(c)
            self.i += 1
        return None

    def _transform(self, kind: str, name: str) -> _Node | None:
        """``${1/regex/format/options}``: kept as the field it transforms (its value is what
        the editor computes; as plain text it is the field itself)."""
        s = self.s
        slashes = depth = 0
        while self.i < len(s):
            c = s[self.i]
            if c == "\\":
                self.i += 2
                continue
            if c == "$" and s.startswith("{", self.i + 1):
                depth += 1  # a format's ``${1:/upcase}``
                self.i += 1
            elif c == "}" and depth:
                depth -= 1
            elif c == "/" and not depth:
                slashes += 1
            elif c == "}" and slashes == 3:
                self.i += 1
                return _Node(kind, name=name)
            self.i += 1
        return None


def _plain(nodes: list[_Node], resolve: Callable[[str], str | None]) -> str:
    out: list[str] = []
    for n in nodes:
        if n.kind == "text":
            out.append(n.text)
        elif n.kind == "placeholder":
            out.append(_plain(n.children, resolve))
        elif n.kind == "choice":
            out.append(n.choices[0] if n.choices else "")
        elif n.kind == "variable":
            value = resolve(n.name)
            out.append(value if value is not None else _plain(n.children, resolve))
    return "".join(out)


def _fields(nodes: list[_Node], resolve: Callable[[str], str | None], into: list[Field]) -> None:
    for n in nodes:
        if n.kind == "text":
            continue
        default = n.choices[0] if n.choices else _plain(n.children, resolve)
        into.append(Field(n.kind, n.name, default, n.choices))
        _fields(n.children, resolve, into)


def _none(name: str) -> str | None:
    return None


def fields(body: str) -> list[Field]:
    """Every tab stop, placeholder, choice and variable of ``body``, in order of appearance
    (nested placeholders after the one holding them)."""
    out: list[Field] = []
    _fields(_Parser(body).parse(), _none, out)
    return out


def variables(body: str) -> list[Field]:
    """The numbered fields of ``body``, one per number (its first placeholder's default wins,
    as in VS Code), ordered by number with ``$0`` (the final cursor) last."""
    seen: dict[str, Field] = {}
    for f in fields(body):
        if f.number is None:
            continue
        if f.name not in seen or (not seen[f.name].default and f.default):
            seen[f.name] = f
    return sorted(seen.values(), key=lambda f: (f.number == 0, f.number or 0))


def plain_text(body: str, resolve: Callable[[str], str | None] = _none) -> str:
    """``body`` as the text it inserts with every field at its default: what a client that
    cannot take a snippet (no ``snippetSupport``) gets. ``resolve`` gives a variable's value
    (``TM_FILENAME``), ``None`` for its default."""
    return _plain(_Parser(body).parse(), resolve)


_NEEDS_ESCAPE = re.compile(r"\\(?=[$}\\])|\$(?=[0-9A-Za-z_{])")


def escape(text: str) -> str:
    """``text`` as a body that inserts exactly ``text``: for saving a selection that was never
    meant as a template. Only what would otherwise parse is escaped (a ``$`` starting a field,
    a backslash before ``$``, ``}`` or another backslash), so most code is stored unchanged."""
    return _NEEDS_ESCAPE.sub(lambda m: "\\" + m.group(0), text)


def editor_values(path: str, line_text: str = "", line_number: int = 0) -> dict[str, str]:
    """The values of VS Code's file and date variables for a document, for inserting a body as
    plain text (``TM_FILENAME``, ``TM_LINE_NUMBER``, ``CURRENT_YEAR`` ...)."""
    now = datetime.datetime.now()
    name = posixpath.basename(path)
    return {
        "TM_FILENAME": name,
        "TM_FILENAME_BASE": name.rsplit(".", 1)[0] if "." in name[1:] else name,
        "TM_DIRECTORY": posixpath.dirname(path),
        "TM_FILEPATH": path,
        "TM_CURRENT_LINE": line_text,
        "TM_LINE_INDEX": str(line_number),
        "TM_LINE_NUMBER": str(line_number + 1),
        "CURRENT_YEAR": f"{now.year:04d}",
        "CURRENT_YEAR_SHORT": f"{now.year % 100:02d}",
        "CURRENT_MONTH": f"{now.month:02d}",
        "CURRENT_DATE": f"{now.day:02d}",
        "CURRENT_HOUR": f"{now.hour:02d}",
        "CURRENT_MINUTE": f"{now.minute:02d}",
        "CURRENT_SECOND": f"{now.second:02d}",
    }
