"""Incremental consent: a sign-in asks only its sign-in scopes; a capability's scopes are
asked when a feature first needs them, beside (and without asking again for) those granted.

- the manifest ties scopes to capabilities (``capabilities``, ``on_demand``), checked when
  the manifest is read;
- the consent prompt of a later sign-in lists only the new scopes, and the grant recorded
  holds old and new (a real OAuth server, oidc-provider, issues the token);
- the hub's gate leaves a session out of a capability its grant does not cover, announces
  it once when a feature in use asked, and not at all for a check made while rendering.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from connectors.sdk.errors import ManifestError
from connectors.sdk.manifest import Manifest, Scope
from server.hub.auth import (
    ConsentRequest,
    MemoryGrants,
    ServiceAuth,
    login_web,
)
from server.hub.auth.consent import obtain_consent
from server.hub.auth.service import asked_scopes, holds
from server.hub.consent_gate import ConsentGate, missing_scopes
from server.hub.events import Event, EventBus, EventKind
from server.hub.vault import Vault
from tests.auth.conftest import OidcServer, oidc_whoami, user_approves_browser

ROOT = Path(__file__).resolve().parents[2]
MICROSOFT = Manifest.load(ROOT / "connectors" / "microsoft" / "manifest.toml")
GOOGLE = "https://www.googleapis.com/auth/"
REPO = Scope(name="repo", why="Read your repositories.")
ORG = Scope(name="read:org", why="List your teams.", capabilities=("Mail",), on_demand=True)


def manifest(scopes: list[dict[str, Any]], capabilities: tuple[str, ...] = ("Mail",)) -> Manifest:
    return Manifest.parse(
        {
            "id": "suite",
            "name": "Suite",
            "capabilities": list(capabilities),
            "api_url": "https://api.example.test",
            "attach": {"kind": "account"},
            "auth": {
                "methods": ["pkce"],
                "oauth2": {
                    "authorize_url": "https://login.example.test/authorize",
                    "token_url": "https://login.example.test/token",
                    "scopes": scopes,
                },
            },
        }
    )


# -- the manifest ---------------------------------------------------------------------------


def test_an_on_demand_scope_must_name_the_capability_that_asks_for_it() -> None:
    with pytest.raises(ManifestError, match="on_demand but names no capabilities"):
        manifest([{"name": "mail", "why": "Mail.", "on_demand": True}])


def test_a_scope_may_name_only_a_capability_the_manifest_declares() -> None:
    with pytest.raises(ManifestError, match="names Drive, which the manifest's"):
        manifest([{"name": "files", "why": "Files.", "capabilities": ["Drive"]}])


def test_sign_in_asks_the_sign_in_scopes_and_a_feature_adds_its_own() -> None:
    o = MICROSOFT.auth.oauth2
    assert o is not None
    first = [s.name for s in asked_scopes(o)]
    assert first == ["offline_access", "User.Read", "Calendars.Read", "Presence.ReadWrite"]
    drive = [s.name for s in asked_scopes(o, ["Drive"], granted=first)]
    assert drive == [*first, "Files.ReadWrite", "Sites.ReadWrite.All"]
    # What was granted is asked again: the identity platform issues a token for exactly the
    # scopes requested, so leaving them out would drop them from the new token.
    later = [s.name for s in asked_scopes(o, ["Mail"], granted=drive)]
    assert later == [
        "offline_access",
        "User.Read",
        "Calendars.Read",
        "Mail.Read",
        "Mail.Send",
        "Presence.ReadWrite",
        "Files.ReadWrite",
        "Sites.ReadWrite.All",
    ]


@pytest.mark.parametrize(
    ("granted", "scope", "held"),
    [
        ("Mail.Read", "Mail.Read", True),
        ("mail.read", "Mail.Read", True),  # Microsoft's scopes are case-insensitive
        ("https://graph.microsoft.com/Mail.Read", "Mail.Read", True),
        ("Mail.ReadWrite", "Mail.Read", False),
        (f"{GOOGLE}drive.readonly", f"{GOOGLE}drive", False),
        (f"{GOOGLE}drive", f"{GOOGLE}drive", True),
    ],
)  # fmt: skip
def test_a_granted_scope_is_recognised_in_the_services_spelling(
    granted: str, scope: str, held: bool
) -> None:
    assert holds([granted], scope) is held


# -- the prompt -------------------------------------------------------------------------------


def test_a_later_prompt_lists_only_the_new_scopes() -> None:
    request = ConsentRequest("t", "Test", "h", (REPO, ORG), "alice@h", granted=("repo",))
    text = request.text()
    assert "read:org: List your teams." in text and "Read your repositories" not in text
    assert "also for" in text and "The 1 permission(s) you allowed before are kept." in text


class Recorder:
    def __init__(self, answer: bool = True) -> None:
        self.asked: list[ConsentRequest] = []
        self.answer = answer

    async def ask(self, request: ConsentRequest) -> bool:
        self.asked.append(request)
        return self.answer


async def test_consent_asks_nothing_when_the_grant_covers_it_and_only_the_rest_otherwise() -> None:
    grants = MemoryGrants()
    await grants.record_grant("t", "alice@h", ["repo"])
    prompter = Recorder()
    covered = ConsentRequest("t", "Test", "h", (REPO,), "alice@h")
    assert await obtain_consent(covered, prompter, grants) is False and not prompter.asked
    more = ConsentRequest("t", "Test", "h", (REPO, ORG), "alice@h")
    assert await obtain_consent(more, prompter, grants) is True
    assert [s.name for s in prompter.asked[0].new_scopes] == ["read:org"]


@pytest.mark.peers
async def test_a_second_sign_in_adds_a_scope_on_a_real_oauth_server(
    oidc: OidcServer, vault: Vault, http: httpx.AsyncClient
) -> None:
    """First sign-in: openid and repo. Then a feature needs read:org: the authorize request
    asks for all three, the person is asked only about read:org, and the grant holds all."""
    grants = MemoryGrants()
    urls: list[str] = []
    tasks: list[asyncio.Task[httpx.Response]] = []

    def browser(url: str) -> None:
        urls.append(url)
        tasks.append(asyncio.create_task(user_approves_browser(url, "alice")))

    async def sign_in(scopes: tuple[Scope, ...], prompter: Recorder, account: str | None) -> Any:
        base = oidc.service()
        assert base.oauth is not None
        service = ServiceAuth(
            connector=base.connector, name=base.name, host=base.host, api_url=base.api_url,
            methods=base.methods, scopes=scopes,
            oauth=oidc.client(tuple(s.name for s in scopes)),
        )  # fmt: skip
        creds = await login_web(
            service, http=http, vault=vault, grants=grants, prompter=prompter,
            open_browser=browser, whoami=oidc_whoami, wait_seconds=30, account=account,
        )  # fmt: skip
        await tasks[-1]
        return creds

    openid = Scope(name="openid", why="Who you are.")
    first = Recorder()
    creds = await sign_in((openid, REPO), first, None)
    assert [s.name for s in first.asked[0].new_scopes] == ["openid", "repo"]
    label = creds.account.label
    assert set(await grants.get_grant("oidctest", label) or ()) == {"openid", "repo"}

    second = Recorder()
    creds = await sign_in((openid, REPO, ORG), second, label)
    assert [s.name for s in second.asked[0].new_scopes] == ["read:org"]
    assert parse_qs(urlsplit(urls[-1]).query)["scope"][0].split() == ["openid", "repo", "read:org"]
    assert set(await grants.get_grant("oidctest", label) or ()) == {"openid", "repo", "read:org"}
    assert "read:org" in creds.scopes


# -- the hub's gate ---------------------------------------------------------------------------


@dataclass
class GateSession:
    """The fields of a hub session the gate reads."""

    granted: frozenset[str] | None
    method: str = "pkce"
    connector_id: str = "microsoft"
    host: str = "graph.microsoft.com"
    login: str = "ada"

    @property
    def key(self) -> str:
        return f"{self.connector_id}:{self.host}:{self.login}"

    @property
    def manifest(self) -> Manifest:
        return MICROSOFT


SIGNED_IN = frozenset({"offline_access", "User.Read", "Calendars.Read", "Presence.ReadWrite"})


async def test_the_gate_leaves_out_what_the_grant_lacks_and_announces_it_once() -> None:
    bus = EventBus()
    seen: list[Event] = []
    bus.subscribe(EventKind.AUTH_CONSENT_REQUIRED, seen.append)
    gate = ConsentGate(bus)
    s: Any = GateSession(SIGNED_IN)
    assert gate.allows(s, "Calendar", ask=True) and gate.allows(s, "Focus", ask=True)
    assert not gate.allows(s, "Mail", ask=False)  # a check while rendering: nobody is asked
    await asyncio.sleep(0)
    assert not seen and [w.capability for w in gate.wanted.values()] == ["Mail"]
    assert not gate.allows(s, "Mail", ask=True) and not gate.allows(s, "Mail", ask=True)
    await asyncio.sleep(0.01)
    assert len(seen) == 1
    event = seen[0]
    assert event.payload["scopes"] == ["Mail.Read", "Mail.Send"]
    assert event.payload["capability"] == "Mail" and event.payload["login"] == "ada"
    want = gate.wanted[(s.key, "Mail")]
    assert "Mail.Read: Show your inbox" in want.text()
    # Signed in again with the scope: the session reopens, and the gate asks afresh.
    gate.forget({s.key})
    s2: Any = GateSession(SIGNED_IN | {"mail.read", "https://graph.microsoft.com/Mail.Send"})
    assert gate.allows(s2, "Mail", ask=True) and not gate.wanted


@pytest.mark.parametrize(
    ("granted", "method"), [(None, "pkce"), (frozenset(), "token"), (frozenset(), "env")]
)
def test_an_unknown_grant_or_a_pasted_token_is_not_gated(
    granted: frozenset[str] | None, method: str
) -> None:
    """A pasted token carries what its owner chose; the service says when one is missing."""
    s: Any = GateSession(granted, method=method)
    assert missing_scopes(s, "Drive") == ()
