"""Secret filtering for everything that leaves a process boundary (logs, errors, the database).

Two layers: known secrets are registered at the moment they are loaded from the vault
(exact-match replacement, the only way to catch an opaque token), and well-known token
*shapes* are masked by pattern as a second net for anything that was never registered. Each
connector's manifest adds the shapes of its own service's tokens (``auth.token_patterns``),
registered with :func:`register_shapes` when the registry reads the manifest.
"""

from __future__ import annotations

import re
import threading

_MASK = "[REDACTED]"
_lock = threading.Lock()
_known: set[str] = set()
_known_re: re.Pattern[str] | None = None
_extra_shapes: list[str] = []
_extra_re: re.Pattern[str] | None = None

_SHAPES = re.compile(
    r"""
    \b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})   # GitHub tokens
    | \bxox[abpors]-[A-Za-z0-9-]{10,}                               # Slack tokens
    | (?i:bearer)\s+[A-Za-z0-9._~+/=-]{8,}                          # Authorization values
    | \bBasic\s+[A-Za-z0-9+/]{16,}={0,2}                             # HTTP Basic values
    | (?i:(?:access_token|refresh_token|client_secret|password|token)=)[^&\s"']+
    """,
    re.VERBOSE,
)


def register_secret(value: str | None) -> None:
    """Remember a secret so that :func:`redact` masks it wherever it appears."""
    global _known_re
    if not value or len(value) < 6:
        return
    with _lock:
        if value in _known:
            return
        _known.add(value)
        pattern = "|".join(re.escape(s) for s in sorted(_known, key=len, reverse=True))
        _known_re = re.compile(pattern)


def register_shapes(patterns: list[str] | tuple[str, ...]) -> None:
    """Mask anything matching these regexes (a service's token shapes) from now on."""
    global _extra_re
    with _lock:
        added = [p for p in patterns if p and p not in _extra_shapes]
        if not added:
            return
        _extra_shapes.extend(added)
        _extra_re = re.compile("|".join(f"(?:{p})" for p in _extra_shapes))


def redact(text: str) -> str:
    """Return ``text`` with every registered secret and every token-shaped string masked."""
    if not text:
        return text
    known = _known_re
    if known is not None:
        text = known.sub(_MASK, text)
    extra = _extra_re
    if extra is not None:
        text = extra.sub(_MASK, text)
    return _SHAPES.sub(_shape_mask, text)


def _shape_mask(match: re.Match[str]) -> str:
    s = match.group(0)
    if "=" in s and not s.lower().startswith("bearer"):
        return s.split("=", 1)[0] + "=" + _MASK
    if s.lower().startswith("bearer"):
        return "Bearer " + _MASK
    if s.startswith("Basic"):
        return "Basic " + _MASK
    return _MASK
