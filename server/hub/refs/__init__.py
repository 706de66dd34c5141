"""Reference detection: ``#12``, ``owner/repo#45``, ``PROJ-7``, item URLs and autolinks in a
document, in comments and strings of source code and everywhere in prose.

Names load on first use (PEP 562): ``split_lines`` alone must not pull in Pygments and the
sdk's pydantic models, which the language server's feature modules would otherwise import
before answering ``initialize``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from connectors.sdk.lazy import attach

if TYPE_CHECKING:
    from .lexing import MAX_LINE, is_prose, lexer_for
    from .model import CommitTarget, ItemTarget, LinkTarget, Reference, RefKind, Target, TextRange
    from .positions import Encoding, column, index_of, split_lines
    from .rules import Candidate, RuleSet, Site
    from .scanner import ReferenceScanner, ScanContext, reference_at, scan

_LAZY: dict[str, str] = {
    "MAX_LINE": ".lexing",
    "is_prose": ".lexing",
    "lexer_for": ".lexing",
    "CommitTarget": ".model",
    "ItemTarget": ".model",
    "LinkTarget": ".model",
    "Reference": ".model",
    "RefKind": ".model",
    "Target": ".model",
    "TextRange": ".model",
    "Encoding": ".positions",
    "column": ".positions",
    "index_of": ".positions",
    "split_lines": ".positions",
    "Candidate": ".rules",
    "RuleSet": ".rules",
    "Site": ".rules",
    "ReferenceScanner": ".scanner",
    "ScanContext": ".scanner",
    "reference_at": ".scanner",
    "scan": ".scanner",
}

__all__ = [
    "MAX_LINE",
    "Candidate",
    "CommitTarget",
    "Encoding",
    "ItemTarget",
    "LinkTarget",
    "RefKind",
    "Reference",
    "ReferenceScanner",
    "RuleSet",
    "ScanContext",
    "Site",
    "Target",
    "TextRange",
    "column",
    "index_of",
    "is_prose",
    "lexer_for",
    "reference_at",
    "scan",
    "split_lines",
]


__getattr__, __dir__ = attach(__name__, _LAZY)
