"""Consent: before an integration is first used, the user sees which scopes are asked for and
why (the manifest's ``scopes`` with ``why``), and the answer is recorded as a grant.

Two seams, both protocols so each layer brings its own: a :class:`ConsentPrompter` (the CLI
asks on the terminal; the LSP layer will use ``window/showMessageRequest``) and a
:class:`GrantRecorder` (the store keeps grants in its ``grants`` table; tests use
:class:`MemoryGrants`).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from typing import Protocol

from connectors.sdk.errors import ConsentRequired
from connectors.sdk.manifest import Scope


@dataclass(frozen=True)
class ConsentRequest:
    """What the user is asked to agree to."""

    connector: str
    service: str  # the person-facing name, e.g. "GitHub"
    host: str
    scopes: tuple[Scope, ...]
    account: str | None = None  # "alice@github.com" when known (not before first sign-in)
    #: What the account already granted: a later sign-in that adds a scope (incremental
    #: consent) asks only for the new ones, and says the others are kept.
    granted: tuple[str, ...] = ()

    @property
    def scope_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.scopes)

    @property
    def new_scopes(self) -> tuple[Scope, ...]:
        """The scopes the person has not agreed to yet."""
        from .service import holds

        return tuple(s for s in self.scopes if not holds(self.granted, s.name))

    def text(self) -> str:
        """The explanation, the same on every surface."""
        who = f" as {self.account}" if self.account else ""
        asked = self.new_scopes
        more = " also" if len(asked) < len(self.scopes) else ""
        lines = [f"Tieline asks {self.service} ({self.host}){who}{more} for:"]
        lines += [f"  - {s.name}: {s.why}" for s in asked]
        if not asked:
            lines.append("  (no extra permissions)")
        kept = len(self.scopes) - len(asked)
        if kept:
            lines.append(f"The {kept} permission(s) you allowed before are kept.")
        return "\n".join(lines)


class ConsentPrompter(Protocol):
    """Shows a :class:`ConsentRequest` and returns the user's answer."""

    async def ask(self, request: ConsentRequest) -> bool: ...


class GrantRecorder(Protocol):
    """Remembers which scopes a user granted to a connector for an account (``alice@host``)."""

    async def record_grant(self, connector: str, account: str, scopes: Collection[str]) -> None: ...

    async def get_grant(self, connector: str, account: str) -> Collection[str] | None: ...


class MemoryGrants:
    """In-memory :class:`GrantRecorder` (tests, and a process with no store yet)."""

    def __init__(self) -> None:
        self.grants: dict[tuple[str, str], frozenset[str]] = {}

    async def record_grant(self, connector: str, account: str, scopes: Collection[str]) -> None:
        self.grants[(connector, account)] = frozenset(scopes)

    async def get_grant(self, connector: str, account: str) -> Collection[str] | None:
        return self.grants.get((connector, account))


async def obtain_consent(
    request: ConsentRequest,
    prompter: ConsentPrompter | None,
    grants: GrantRecorder,
    *,
    assume_yes: bool = False,
) -> bool:
    """Make sure the user agreed to ``request``; ``True`` if they were asked just now.

    An earlier grant for the same account that covers every scope is enough. Otherwise the
    prompter asks (``assume_yes`` stands for ``--yes``); a refusal, or nobody to ask, raises
    :class:`ConsentRequired`.
    """
    if request.account is not None:
        granted = await grants.get_grant(request.connector, request.account)
        if granted is not None:
            request = replace(request, granted=tuple(granted))
            if not request.new_scopes:
                return False
    if assume_yes:
        return True
    if prompter is None:
        raise ConsentRequired(
            f"{request.service} needs your agreement to the permissions it asks for; run"
            f" tieline auth login {request.connector} in a terminal, or pass --yes"
        )
    if not await prompter.ask(request):
        raise ConsentRequired(
            f"you did not agree to the permissions {request.service} asks for; nothing was"
            " signed in"
        )
    return True


async def require_grant(
    grants: GrantRecorder, connector: str, account: str, scopes: Collection[str] = ()
) -> None:
    """For the hub before first use of an integration: raise unless a covering grant exists."""
    from .service import holds

    granted = await grants.get_grant(connector, account)
    if granted is None or not all(holds(granted, s) for s in scopes):
        raise ConsentRequired(
            f"{connector} has not been granted access for {account} yet; sign in with"
            f" tieline auth login {connector} to review and grant the permissions"
        )
