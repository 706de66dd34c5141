"""Autolink rules: turn text such as ``ABC-123`` into a link, for any service.

A rule is data from config, so a team links its tracker's keys without a connector::

    [[autolinks]]
    name = "Tracker"                                  # optional, shown in hovers
    pattern = 'ABC-(\\d+)'                            # a Python regular expression
    url = "https://tracker.example.com/browse/ABC-{1}"

URL template syntax (the only one): ``{0}`` is the whole match, ``{1}``, ``{2}``... are the
numbered groups, ``{name}`` a named group, and ``{{`` / ``}}`` are literal braces. Values are
percent-encoded before they are put into the URL, so matched text can never change the URL's
scheme, host or path structure. (``str.format`` is deliberately not used: its ``{0.attr}``
and ``{0[key]}`` forms would let a config file reach into Python objects.)

The pattern is wrapped in word boundaries -- ``(?<!\\w)(?:pattern)(?!\\w)`` -- so ``ABC-1``
does not match inside ``XABC-12``. Loading never raises: each bad rule (a regex that does not
compile, a pattern that matches empty text, an unknown placeholder, a URL that is not
http(s)) is skipped and described in :attr:`Autolinks.problems` for the user to read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*|\d+)\}|[{}]")
_URL_START = re.compile(r"^https?://[^/\s{}]+", re.IGNORECASE)


@dataclass(frozen=True)
class _Group:
    key: int | str


@dataclass(frozen=True)
class AutolinkRule:
    """A validated rule. Build with :func:`parse_rule` or :func:`load_autolinks`."""

    name: str
    pattern: str
    url_template: str
    regex: re.Pattern[str] = field(compare=False, repr=False)
    #: The template split into literal text and group references.
    parts: tuple[str | _Group, ...] = field(compare=False, repr=False)

    def url_for(self, match: re.Match[str]) -> str:
        """The link for one match of :attr:`regex`."""
        out: list[str] = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
            else:
                out.append(quote(match.group(part.key) or "", safe=""))
        return "".join(out)

    def finditer(self, line: str) -> Iterator[re.Match[str]]:
        """Matches in ``line``, skipping zero-length ones (a lookaround-only pattern)."""
        for m in self.regex.finditer(line):
            if m.end() > m.start():
                yield m


@dataclass(frozen=True)
class Autolinks:
    """The usable rules, and a message for every rule that was skipped."""

    rules: tuple[AutolinkRule, ...] = ()
    problems: tuple[str, ...] = ()


class AutolinkError(ValueError):
    """One rule is invalid; the message says which and why."""


def parse_rule(raw: Mapping[str, Any], *, where: str = "autolink") -> AutolinkRule:
    """Validate one rule mapping (``pattern``, ``url``, optional ``name``)."""
    if not isinstance(raw, Mapping):
        raise AutolinkError(f"{where}: expected a table with 'pattern' and 'url'")
    unknown = sorted(set(raw) - {"pattern", "url", "name"})
    if unknown:
        raise AutolinkError(f"{where}: unknown key(s) {', '.join(unknown)}")
    pattern, url = raw.get("pattern"), raw.get("url")
    if not isinstance(pattern, str) or not pattern:
        raise AutolinkError(f"{where}: 'pattern' must be a non-empty string")
    if not isinstance(url, str) or not _URL_START.match(url):
        raise AutolinkError(f"{where}: 'url' must be an http(s) URL template, got {url!r}")
    name = raw.get("name", pattern)
    if not isinstance(name, str):
        raise AutolinkError(f"{where}: 'name' must be a string")
    try:
        bare = re.compile(pattern)
        regex = re.compile(rf"(?<!\w)(?:{pattern})(?!\w)")
    except re.error as exc:
        raise AutolinkError(f"{where}: pattern {pattern!r} is not a valid regex: {exc}") from None
    if bare.fullmatch("") is not None:
        raise AutolinkError(f"{where}: pattern {pattern!r} matches empty text")
    parts = _parse_template(url, regex, where)
    return AutolinkRule(name=name, pattern=pattern, url_template=url, regex=regex, parts=parts)


def _parse_template(url: str, regex: re.Pattern[str], where: str) -> tuple[str | _Group, ...]:
    parts: list[str | _Group] = []
    pos = 0
    for m in _PLACEHOLDER.finditer(url):
        parts.append(url[pos : m.start()])
        pos = m.end()
        token = m.group(0)
        if token in ("{{", "}}"):
            parts.append(token[0])
            continue
        key = m.group(1)
        if key is None:
            raise AutolinkError(f"{where}: unbalanced brace in url {url!r} (use {{{{ or }}}})")
        if key.isdigit():
            if int(key) > regex.groups:
                raise AutolinkError(
                    f"{where}: url uses {{{key}}} but the pattern has {regex.groups} group(s)"
                )
            parts.append(_Group(int(key)))
        else:
            if key not in regex.groupindex:
                raise AutolinkError(
                    f"{where}: url uses {{{key}}} but the pattern has no such group"
                )
            parts.append(_Group(key))
    parts.append(url[pos:])
    return tuple(p for p in parts if p != "")


def load_autolinks(raw: object) -> Autolinks:
    """Validate the ``autolinks`` config value (a list of tables). Never raises."""
    if raw is None:
        return Autolinks()
    if not isinstance(raw, Sequence) or isinstance(raw, str | bytes):
        return Autolinks(problems=("autolinks: expected a list of [[autolinks]] tables",))
    rules: list[AutolinkRule] = []
    problems: list[str] = []
    for i, item in enumerate(raw):
        try:
            rules.append(parse_rule(item, where=f"autolinks[{i}]"))
        except AutolinkError as exc:
            problems.append(str(exc))
    return Autolinks(rules=tuple(rules), problems=tuple(problems))
