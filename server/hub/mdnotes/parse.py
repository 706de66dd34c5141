"""One note's links, headings, block ids, tags and aliases, read from its text.

What counts is what Obsidian shows as such:

- wikilinks ``[[target]]``, ``[[target|alias]]``, ``[[target#heading]]`` (``#a#b`` is a
  sub-heading path; the last part names the heading), ``[[target#^block]]``, ``[[#heading]]``
  (this note), the same with ``!`` in front as embeds, and in tables ``[[target\\|alias]]``;
- Markdown links and images whose destination is a local ``.md`` file
  (``[text](folder/Note%20two.md#part)``, ``[text](<Note two.md>)``), resolved relative to
  the note like any Markdown link; links with a scheme (``https:``) are not notes;
- ATX headings (``## Part``) and setext ones (a paragraph line underlined with ``===`` or
  ``---``: the heading is the line above the underline -- of a longer paragraph, only its
  last line), block ids (a line ending in ``^id``), tags (``#tag``,
  ``#area/sub``: letters, digits, ``_``, ``-`` and ``/`` with at least one non-digit) and the
  front matter's ``tags:`` and ``aliases:``.

Nothing inside code -- fenced blocks, inline code spans -- nor in the front matter (besides
its tags and aliases) is a link or a tag: ``[[x]]`` in a code sample is text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import unquote

from server.hub.refs.positions import column, split_lines

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)")
_WIKI = re.compile(r"(!?)\[\[([^\[\]\n]+?)\]\]")
#: ``[text](dest "title")``; the text may not hold brackets (good enough for note links).
_MD_LINK = re.compile(
    r"(!?)\[[^\[\]\n]*\]\(\s*(?:<(?P<angle>[^<>\n]*)>|(?P<bare>[^\s()<>]+))(?:\s+\"[^\"\n]*\")?\s*\)"
)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
#: A line that opens something other than a paragraph, so cannot be a setext heading's text.
_NOT_PARAGRAPH = re.compile(r"^(?: {4}| {0,3}(?:[>#|<]|[-+*][ \t]|[-+*]$|\d{1,9}[.)](?:[ \t]|$)))")
_BLOCK = re.compile(r"(?:^|[ \t])\^([A-Za-z0-9-]+)[ \t]*$")
_TAG = re.compile(r"(?:^|(?<=[\s(,;]))#([\w/-]+)")
_FRONT_KEYS = re.compile(r"^(tags?|aliases|alias)\s*:", re.MULTILINE | re.IGNORECASE)

LinkKind = Literal["wiki", "md"]


@dataclass(frozen=True, slots=True)
class Link:
    """A link as written. Columns are UTF-16 units on ``line``: ``start``-``end`` is the whole
    link (``!`` included), ``target_start``-``target_end`` its target path as written (what a
    rename replaces; empty for ``[[#heading]]``)."""

    line: int
    start: int
    end: int
    target_start: int
    target_end: int
    target: str  # the path part; for a Markdown link percent-decoded
    heading: str | None = None  # the last heading of ``#a#b``, without the ``#``
    block: str | None = None  # without the ``^``
    alias: str | None = None
    kind: LinkKind = "wiki"
    embed: bool = False
    raw_target: str = ""  # the target exactly as the text has it (encoded, for Markdown)
    angle: bool = False  # a Markdown destination written in ``<...>``
    #: Columns of the heading (its last ``#`` part) or block id as written, for a heading's
    #: rename; equal when the link names neither.
    part_start: int = 0
    part_end: int = 0

    def contains(self, line: int, character: int) -> bool:
        return line == self.line and self.start <= character <= self.end


@dataclass(frozen=True, slots=True)
class Heading:
    line: int
    level: int
    text: str
    start: int = 0  # the columns of ``text`` on its line
    end: int = 0


@dataclass(frozen=True, slots=True)
class Tag:
    """``name`` without the ``#``; a front-matter tag's columns are where its name is written
    in the front matter (``start == end == 0`` when that could not be found)."""

    name: str
    line: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Note:
    links: tuple[Link, ...] = ()
    headings: tuple[Heading, ...] = ()
    blocks: dict[str, int] = field(default_factory=dict)
    tags: tuple[Tag, ...] = ()
    aliases: tuple[str, ...] = ()
    body_line: int = 0  # the first line after the front matter
    lines: int = 0


def heading_key(text: str) -> str:
    """What two spellings of one heading have in common: Obsidian drops the characters a
    link cannot hold (``# | ^ : % [ ]``) and ignores case and runs of white space."""
    return " ".join(re.sub(r"[#|^:%\[\]]", " ", text).split()).casefold()


def link_heading(text: str) -> str:
    """A heading as a wikilink can name it (``[[note#Part one]]``): without the characters
    a link cannot hold, white space collapsed."""
    return " ".join(re.sub(r"[#|^:%\[\]]", " ", text).split())


def slug(text: str) -> str:
    """A heading's GitHub-style anchor (``My Part 2`` -> ``my-part-2``), which Markdown links
    from other tools use (``note.md#my-part-2``)."""
    kept = re.sub(r"[^\w\- ]", "", text.strip().casefold())
    return kept.replace(" ", "-")


def _mask(line: str) -> str:
    """``line`` with its inline code spans blanked (same length: columns stay put)."""
    if "`" not in line:
        return line
    return _CODE_SPAN.sub(lambda m: " " * len(m.group(0)), line)


def _front_matter_end(lines: list[str]) -> int:
    """The index of the closing ``---`` line, or -1 when the note has no front matter."""
    if not lines or lines[0].rstrip() != "---":
        return -1
    for n in range(1, min(len(lines), 500)):
        if lines[n].rstrip() in ("---", "..."):
            return n
    return -1


def _words(value: Any) -> list[str]:
    if isinstance(value, str):
        return [w for w in re.split(r"[,\s]+", value) if w]
    if isinstance(value, list):
        return [str(v).strip() for v in value if v is not None and str(v).strip()]
    return []


_SIMPLE_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:\s*(.*?)\s*$")
_SIMPLE_ITEM = re.compile(r"^\s+-\s+(.*?)\s*$")


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def _simple_yaml(lines: list[str]) -> dict[str, Any] | None:
    """The front matter as most notes write it -- ``key: value``, ``key: [a, b]`` and
    ``key:`` followed by ``  - item`` lines -- read without a YAML parser (ten times
    faster, and a vault is read whole at start); ``None`` for anything else."""
    out: dict[str, Any] = {}
    key: str | None = None
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        item = _SIMPLE_ITEM.match(line)
        if item and key is not None and isinstance(out.get(key), list):
            out[key].append(_unquote(item.group(1)))
            continue
        m = _SIMPLE_KEY.match(line)
        if m is None:
            return None
        key, value = m.group(1), m.group(2)
        if not value:
            out[key] = []
        elif value.startswith("[") and value.endswith("]"):
            inner = value[1:-1]
            if any(c in inner for c in "[]{}\"'"):
                return None
            out[key] = [v.strip() for v in inner.split(",") if v.strip()]
        elif value[0] in "{|>&*!%@`":
            return None
        else:
            out[key] = _unquote(value)
    return out


def _front_matter(lines: list[str], end: int) -> tuple[list[Tag], list[str]]:
    text = "\n".join(lines[1:end])
    if not _FRONT_KEYS.search(text):
        return [], []
    data: Any = _simple_yaml(lines[1:end])
    if data is None:
        import yaml

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError:
            return [], []
    if not isinstance(data, dict):
        return [], []
    lowered = {str(k).lower(): v for k, v in data.items()}
    names = _words(lowered.get("tags")) + _words(lowered.get("tag"))
    aliases = _words(lowered.get("aliases")) + _words(lowered.get("alias"))
    tags: list[Tag] = []
    for raw in names:
        name = raw.lstrip("#").strip("/")
        if not name or not re.search(r"[^\W\d]", name):
            continue
        where = Tag(name, 0, 0, 0)
        for n in range(1, end):
            i = lines[n].find(name)
            if i >= 0:
                where = Tag(name, n, column(lines[n], i), column(lines[n], i + len(name)))
                break
        tags.append(where)
    return tags, [a for a in aliases if a]


def _wikilink(line: str, n: int, m: re.Match[str]) -> Link:
    # Found in the masked line (a code span cannot open or close a link), read from the
    # real one: a code span inside the link (``[[a|`b`]]``) is part of its text.
    inner = line[m.start(2) : m.end(2)]
    inner_at = m.start(2)
    target_part, bar, alias = inner.partition("|")
    if bar and target_part.endswith("\\"):  # ``[[note\|alias]]`` inside a table
        target_part = target_part[:-1]
    path, hash_, rest = target_part.partition("#")
    heading = block = None
    part_start = part_end = inner_at + len(path)
    if hash_:
        rest_at = inner_at + len(path) + 1
        if rest.startswith("^"):
            block = rest[1:].strip()
            part_start = rest_at + 1 + (len(rest) - 1 - len(rest[1:].lstrip()))
            part_end = part_start + len(block)
        else:
            parts = [p.strip() for p in rest.split("#") if p.strip()]
            heading = parts[-1] if parts else ""
            j = rest.rfind("#")
            last_at = rest_at + j + 1 if j >= 0 else rest_at
            last = line[last_at : rest_at + len(rest)]
            part_start = last_at + len(last) - len(last.lstrip())
            part_end = part_start + len(last.strip())
    lead = len(path) - len(path.lstrip())
    t_start = inner_at + lead
    t_end = inner_at + len(path.rstrip())
    t_end = max(t_end, t_start)
    return Link(
        line=n,
        start=column(line, m.start()),
        end=column(line, m.end()),
        target_start=column(line, t_start),
        target_end=column(line, t_end),
        target=path.strip(),
        heading=heading,
        block=block,
        alias=alias.strip() if bar else None,
        kind="wiki",
        embed=m.group(1) == "!",
        raw_target=line[t_start:t_end],
        part_start=column(line, part_start),
        part_end=column(line, part_end),
    )


def _md_link(line: str, n: int, m: re.Match[str]) -> Link | None:
    group = "angle" if m.group("angle") is not None else "bare"
    dest = line[m.start(group) : m.end(group)] if m.group(group) is not None else ""
    if not dest or dest.startswith("#") or _SCHEME.match(dest) or dest.startswith("//"):
        return None
    raw_path, hash_, frag = dest.partition("#")
    path = unquote(raw_path)
    if not path.lower().endswith(".md"):
        return None
    heading = block = None
    if hash_:
        frag = unquote(frag)
        if frag.startswith("^"):
            block = frag[1:]
        else:
            heading = frag
    t_start = m.start(group)
    t_end = t_start + len(raw_path)
    p_start = t_end + 1 if hash_ else t_end
    p_end = m.end(group) if hash_ else t_end
    return Link(
        line=n,
        start=column(line, m.start()),
        end=column(line, m.end()),
        target_start=column(line, t_start),
        target_end=column(line, t_end),
        target=path,
        heading=heading,
        block=block,
        kind="md",
        embed=m.group(1) == "!",
        raw_target=raw_path,
        angle=group == "angle",
        part_start=column(line, p_start),
        part_end=column(line, p_end),
    )


def scan_line(line: str, n: int) -> tuple[list[Link], list[Tag]]:
    """The links and tags of one line of prose (not code, not front matter)."""
    masked = _mask(line)
    links: list[Link] = []
    if "[[" in masked:
        links += [_wikilink(line, n, m) for m in _WIKI.finditer(masked)]
    if "](" in masked:
        for m in _MD_LINK.finditer(masked):
            got = _md_link(line, n, m)
            if got is not None:
                links.append(got)
        links.sort(key=lambda k: k.start)
    tags: list[Tag] = []
    if "#" in masked:
        blanked = masked
        for m in _WIKI.finditer(masked):  # ``[[#part]]`` and ``[[n#part]]`` are no tags
            blanked = blanked[: m.start()] + " " * (m.end() - m.start()) + blanked[m.end() :]
        for m in _TAG.finditer(blanked):
            name = m.group(1).rstrip("/")
            if name and re.search(r"[^\W\d]", name):
                s = m.start(1) - 1
                tags.append(Tag(name, n, column(line, s), column(line, s + 1 + len(name))))
    return links, tags


def _setext(line: str, n: int, level: int) -> Heading:
    text = line.strip()
    at = len(line) - len(line.lstrip())
    return Heading(n, level, text, column(line, at), column(line, at + len(text)))


def parse_note(text: str) -> Note:
    """Everything the index keeps of one note (its text itself is not kept)."""
    lines = split_lines(text)
    end = _front_matter_end(lines)
    tags: list[Tag] = []
    aliases: list[str] = []
    if end > 0:
        tags, aliases = _front_matter(lines, end)
    links: list[Link] = []
    headings: list[Heading] = []
    blocks: dict[str, int] = {}
    fence: str | None = None
    paragraph = False  # the line before is a paragraph's text (a setext heading's, maybe)
    for n in range(end + 1, len(lines)):
        line = lines[n]
        was_paragraph, paragraph = paragraph, False
        if fence is not None:
            m = _FENCE.match(line)
            if (
                m
                and m.group(1)[0] == fence[0]
                and len(m.group(1)) >= len(fence)
                and not line.strip().lstrip(fence[0])
            ):
                fence = None
            continue
        m = _FENCE.match(line)
        if m:
            fence = m.group(1)
            continue
        if was_paragraph and (u := _SETEXT.match(line)):
            headings.append(_setext(lines[n - 1], n - 1, 1 if u.group(1)[0] == "=" else 2))
            continue
        if line.strip() and not _NOT_PARAGRAPH.match(line):
            paragraph = True
        if line.startswith("#") or line.startswith(" "):
            h = _HEADING.match(line)
            if h:
                text = (h.group(2) or "").strip()
                at = h.start(2) if h.group(2) is not None else len(line)
                headings.append(
                    Heading(
                        n, len(h.group(1)), text, column(line, at), column(line, at + len(text))
                    )
                )
        if "^" in line:
            b = _BLOCK.search(line)
            if b:
                blocks.setdefault(b.group(1), n)
        if "[" in line or "#" in line:
            got_links, got_tags = scan_line(line, n)
            links += got_links
            tags += got_tags
    return Note(
        links=tuple(links),
        headings=tuple(headings),
        blocks=blocks,
        tags=tuple(tags),
        aliases=tuple(aliases),
        body_line=end + 1,
        lines=len(lines),
    )
