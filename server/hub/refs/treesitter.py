"""Comments and strings by tree-sitter: a parse of 5,000 lines in tens of milliseconds, and an
edit re-parsed incrementally from the previous tree.

Pygments' regex lexers need ~300-800 ms for the 5,000-line file an editor opens (see
:mod:`.lexing`); tree-sitter's C parsers take ~50 ms, and after an edit ``Tree.edit`` plus a
re-parse with the old tree costs a few. The grammars are the per-language packages on PyPI
(``tree-sitter-python`` ...: 0.3-5 MB each, ~20 MB for the common languages, where the
all-languages pack is 185 MB -- too much for a server an editor extension bundles); a
language whose grammar package is not installed, or any failure to load one, falls back to
Pygments: :func:`language_for` answers ``None`` and :mod:`.lexing` carries on as before.

Which node kinds count is read from each grammar: every named kind whose name says
``comment`` or ``string`` (``line_comment``, ``raw_string_literal``, ``template_string``),
minus their inner parts (``string_content``...) and C's ``#include <system_lib_string>``.
Spans are merged per line in code-point columns, exactly like the Pygments path, so the
scanner cannot tell the two apart.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("tieline.refs")

#: LSP language ids (and Pygments-style aliases) -> the pack's grammar names.
LANGUAGES = {
    "python": "python",
    "javascript": "javascript",
    "javascriptreact": "javascript",
    "typescript": "typescript",
    "typescriptreact": "tsx",
    "c": "c",
    "cpp": "cpp",
    "csharp": "csharp",
    "go": "go",
    "rust": "rust",
    "java": "java",
    "kotlin": "kotlin",
    "ruby": "ruby",
    "php": "php",
    "swift": "swift",
    "scala": "scala",
    "shellscript": "bash",
    "bash": "bash",
    "lua": "lua",
}
SUFFIXES = {
    ".py": "python",
    ".pyi": "python",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascript",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "tsx",
    ".c": "c",
    ".h": "c",
    ".cc": "cpp",
    ".cpp": "cpp",
    ".cxx": "cpp",
    ".hpp": "cpp",
    ".cs": "csharp",
    ".go": "go",
    ".rs": "rust",
    ".java": "java",
    ".kt": "kotlin",
    ".kts": "kotlin",
    ".rb": "ruby",
    ".php": "php",
    ".swift": "swift",
    ".scala": "scala",
    ".sh": "bash",
    ".bash": "bash",
    ".lua": "lua",
}
_PARTS = ("_content", "_start", "_end", "_fragment", "_delimiter", "_encoding", "_marker")
_NOT_TEXT = ("system_lib_string", "key_path_string_expression")


@dataclass(frozen=True)
class Grammar:
    """One language's parser and the query that captures its comments and strings."""

    name: str
    parser: Any
    query: Any

    def captures(self, tree: Any, rows: tuple[int, int] | None = None) -> list[Any]:
        """The comment and string nodes of ``tree`` (intersecting ``rows``, end exclusive)."""
        from tree_sitter import QueryCursor

        cursor = QueryCursor(self.query)
        if rows is not None:
            cursor.set_point_range((rows[0], 0), (rows[1], 0))
        found: list[Any] = []
        for nodes in cursor.captures(tree.root_node).values():
            found.extend(nodes)
        return found


_grammars: dict[str, Grammar | None] = {}


def _kinds(language: Any) -> list[str]:
    kinds: set[str] = set()
    for i in range(language.node_kind_count):
        if not (language.node_kind_is_named(i) and language.node_kind_is_visible(i)):
            continue
        name = language.node_kind_for_id(i)
        if not name or ("comment" not in name and "string" not in name):
            continue
        if name.endswith(_PARTS) or name in _NOT_TEXT:
            continue
        kinds.add(name)
    return sorted(kinds)


#: Grammar name -> (its PyPI package's module, the function that hands out the language).
GRAMMARS = {
    "python": ("tree_sitter_python", "language"),
    "javascript": ("tree_sitter_javascript", "language"),
    "typescript": ("tree_sitter_typescript", "language_typescript"),
    "tsx": ("tree_sitter_typescript", "language_tsx"),
    "c": ("tree_sitter_c", "language"),
    "cpp": ("tree_sitter_cpp", "language"),
    "csharp": ("tree_sitter_c_sharp", "language"),
    "go": ("tree_sitter_go", "language"),
    "rust": ("tree_sitter_rust", "language"),
    "java": ("tree_sitter_java", "language"),
    "kotlin": ("tree_sitter_kotlin", "language"),
    "ruby": ("tree_sitter_ruby", "language"),
    "php": ("tree_sitter_php", "language_php"),
    "swift": ("tree_sitter_swift", "language"),
    "scala": ("tree_sitter_scala", "language"),
    "bash": ("tree_sitter_bash", "language"),
    "lua": ("tree_sitter_lua", "language"),
}


def _language(name: str) -> Any:
    import importlib

    from tree_sitter import Language

    module, function = GRAMMARS[name]
    return Language(getattr(importlib.import_module(module), function)())


def _load(name: str) -> Grammar | None:
    try:
        from tree_sitter import Parser, Query

        language = _language(name)
        good: list[str] = []
        for kind in _kinds(language):
            try:
                Query(language, f"({kind})")
            except Exception as exc:  # a kind the query language cannot name (a supertype)
                log.debug("%s: node kind %s left out: %s", name, kind, exc)
            else:
                good.append(kind)
        if not good:
            return None
        query = Query(language, "[" + " ".join(f"({k})" for k in good) + "] @text")
        return Grammar(name, Parser(language), query)
    except Exception as exc:  # no grammar package installed, or one that does not load
        log.debug("tree-sitter has no %s grammar here (%s): Pygments lexes it", name, exc)
        return None


def language_for(language_id: str | None, filename: str | None) -> Grammar | None:
    """The grammar for a document, or ``None`` (Pygments then lexes it)."""
    lang = (language_id or "").lower()
    name = LANGUAGES.get(lang)
    if name is None and not lang and filename:
        name = SUFFIXES.get(os.path.splitext(os.path.basename(filename))[1].lower())
    if name is None:
        return None
    if name not in _grammars:
        _grammars[name] = _load(name)
    return _grammars[name]


def available() -> bool:
    """Is tree-sitter with the Python grammar importable here?"""
    try:
        import tree_sitter  # noqa: F401
        import tree_sitter_python  # noqa: F401
    except ImportError:
        return False
    return True
