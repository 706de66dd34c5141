"""Incremental consent over stdio: an account signed in through OAuth with only its sign-in
scope opens the Inbox; the server leaves that account out of the Inbox, offers once to allow
the mail scope (with its reason), and on "Allow…" runs a sign-in for that account whose
consent prompt names only the new scope and whose browser page asks the old and the new."""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from keyring.backends import fail
from lsprotocol import types
from pydantic import SecretStr
from pytest_lsp import LanguageClient

from server.hub.grants import StoreGrants
from server.hub.paths import database_file
from server.hub.vault import Credentials, open_vault
from tests.lsp.conftest import Env, installed_connectors, server_env, start_prompted, until
from tests.lsp.raw import raw_request
from tests.lsp.test_features import items

HOST = "mail.example.test"


async def _signed_in_with_sign_in_scopes_only(home: Path) -> None:
    vault = open_vault(
        "file", keyring_backend=fail.Keyring(), env={"TIELINE_VAULT_PASSPHRASE": "e2e-passphrase"}
    )
    vault.save(
        Credentials(
            connector="fakemail",
            host=HOST,
            login="ada",
            access_token=SecretStr("tok-fakemail-ada"),
            scopes=("profile",),
            method="pkce",
        )
    )
    await StoreGrants(path=database_file()).record_grant("fakemail", f"ada@{HOST}", ["profile"])


async def _start(tmp_path: Path, home: Path) -> LanguageClient:
    root = tmp_path / "notes"
    root.mkdir()
    site = installed_connectors(
        tmp_path / "site",
        "tieline-consentmail",
        {"fakemail": "tests.auth.consent_fake:ConsentMailConnector"},
    )
    env = server_env(Env(root=root, github=None, home=home), PYTHONPATH=f"{site}:{Path.cwd()}")
    del env["TIELINE_GITHUB_TOKEN"]
    return await start_prompted(env, root)


async def test_the_inbox_asks_for_the_mail_scope_once_and_signs_in_for_it(
    tmp_path: Path, tieline_home: Path
) -> None:
    await _signed_in_with_sign_in_scopes_only(tieline_home)
    c = await _start(tmp_path, tieline_home)
    try:
        prompts: list[types.ShowMessageRequestParams] = c.prompts  # type: ignore[attr-defined]
        shown = c.shown_documents
        status = await raw_request(c, "tieline/auth/status", {})
        assert [a["account"] for a in status["accounts"]] == ["ada"]
        await items(c, "inbox", "inbox/inbox")
        await until(lambda: len(shown) == 1, 20)
        opened = [d.uri for d in shown]
        offer, consent = prompts[0].message, prompts[1].message
        assert offer.startswith(f"Fake Mail (ada@{HOST}): Mail need")
        assert "mail.read: Show your inbox." in offer and "profile" not in offer
        # The sign-in's own consent: only the new scope, and the old one kept.
        assert "also for" in consent and "mail.read: Show your inbox." in consent
        assert "profile:" not in consent and "allowed before are kept" in consent
        q = parse_qs(urlsplit(opened[0]).query)
        assert opened[0].startswith("https://login.mail.example.test/authorize?")
        assert q["scope"] == ["profile mail.read"] and q["code_challenge_method"] == ["S256"]
        # The Integrations panel keeps the offer, for after a "Not now".
        rows = await items(c, "integrations")
        (allow,) = [r for r in rows if r["id"].startswith("integrations/consent/")]
        assert allow["label"] == "Allow Mail for Fake Mail (ada)"
        assert allow["command"]["command"] == "tieline.grantAccess"
        assert allow["command"]["arguments"] == ["fakemail", HOST, "ada", "Mail"]
        # The offer is made once: the Inbox read again asks nobody.
        await items(c, "inbox", "inbox/inbox")
        await asyncio.sleep(0.5)
        assert len(prompts) == 2 and len(shown) == 1
    finally:
        await c.shutdown_session()
