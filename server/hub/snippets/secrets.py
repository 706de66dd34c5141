"""Finding what looks like a secret in a snippet before it is saved or shared.

Three kinds of shape: each installed service's own token shapes (its manifest's
``auth.token_patterns``, the same ones :mod:`connectors.sdk.redact` masks in logs), private
keys (PEM and OpenSSH armour), and a literal value given to a ``password``/``secret``-like
name (``password = "hunter2"``, ``password=hunter2`` in a URL or an ``.env`` line). A value
that is code rather than a literal (``password=os.environ["DB"]``, ``${1:password}``) is not
flagged. Findings say what and where, never the value: they end up in messages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from connectors.sdk.errors import SecretFound
from connectors.sdk.manifest import Manifest

_PRIVATE_KEY = r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
#: A password-like name given a literal: quoted, or bare up to whitespace/``&``, but not a
#: reference (``$X``, ``${...}``, ``%(x)s``, ``<...>``) nor a call or attribute (``f(``, ``a.b``).
_LITERAL_CREDENTIAL = (
    r"(?i:\b(?:password|passwd|pwd|passphrase|client_secret|secret_key|api_key|apikey)\b)"
    r"[\"']?\s*[:=]\s*"
    r"(?:\"[^\"\s$]{1,}\"|'[^'\s$]{1,}'"
    r"|(?!(?:None|null|nil|true|false|undefined)\b)(?![$%<{(\[])(?![A-Za-z_][\w]*\s*[(.\[])"
    r"[^\s&\"',;)]{3,})"
)
_BUILT_IN: tuple[tuple[str, str], ...] = (
    ("a private key", _PRIVATE_KEY),
    ("a password", _LITERAL_CREDENTIAL),
    ("an HTTP Authorization value", r"\b(?:[Bb]earer|Basic)\s+[A-Za-z0-9._~+/=-]{20,}"),
)


@dataclass(frozen=True)
class Finding:
    """What looks like a secret, and the line (1-based) it is on."""

    kind: str
    line: int

    def __str__(self) -> str:
        return f"{self.kind} (line {self.line})"


class SecretScanner:
    """Scans text for the shapes it was built with; cheap to call at every save."""

    def __init__(self, shapes: Iterable[tuple[str, str]] = ()) -> None:
        self._shapes = [(kind, re.compile(p)) for kind, p in (*_BUILT_IN, *shapes)]

    @classmethod
    def from_manifests(cls, manifests: Iterable[Manifest]) -> SecretScanner:
        """The built-in shapes plus every service's token shapes, named by service."""
        return cls((f"a {m.name} token", p) for m in manifests for p in m.auth.token_patterns)

    def scan(self, *texts: str) -> list[Finding]:
        """Every finding in ``texts`` (title, description, body ...), once per kind and line."""
        found: dict[tuple[str, int], Finding] = {}
        for text in texts:
            if not text:
                continue
            for kind, rx in self._shapes:
                for m in rx.finditer(text):
                    line = text.count("\n", 0, m.start()) + 1
                    found.setdefault((kind, line), Finding(kind, line))
        return sorted(found.values(), key=lambda f: (f.line, f.kind))

    def check(self, *texts: str, what: str = "the snippet") -> None:
        """Raise :class:`SecretFound` naming each finding when any text holds one."""
        findings = self.scan(*texts)
        if findings:
            said = ", ".join(str(f) for f in findings)
            raise SecretFound(
                f"{what} looks like it holds a secret: {said}", findings=tuple(map(str, findings))
            )
