"""Reference detection: ``#12``, ``owner/repo#45``, issue/PR/commit URLs and autolinks in a
document, in comments and strings of source code and everywhere in prose."""

from __future__ import annotations

from .lexing import MAX_LINE, is_prose, lexer_for
from .model import CommitTarget, IssueTarget, LinkTarget, Reference, RefKind, Target, TextRange
from .positions import Encoding, column, index_of, split_lines
from .rules import Candidate, RuleSet
from .scanner import IssuePredicate, ReferenceScanner, ScanContext, reference_at, scan, up_to

__all__ = [
    "MAX_LINE",
    "Candidate",
    "CommitTarget",
    "Encoding",
    "IssuePredicate",
    "IssueTarget",
    "LinkTarget",
    "RefKind",
    "Reference",
    "ReferenceScanner",
    "RuleSet",
    "ScanContext",
    "Target",
    "TextRange",
    "column",
    "index_of",
    "is_prose",
    "lexer_for",
    "reference_at",
    "scan",
    "split_lines",
    "up_to",
]
