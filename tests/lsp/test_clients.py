"""What real clients declare is what they get: optional fields only for clients that ask
for them, and no "sign in" told to a person whose token is still being checked."""

from __future__ import annotations

import pytest
from pytest_lsp import LanguageClient

from tests.lsp.conftest import Env, open_doc, start_client
from tests.lsp.raw import raw_request
from tests.lsp.test_features import find, hover_at


@pytest.mark.parametrize("preset", ["neovim@v0.7.0", "neovim@v0.11.0", "emacs@v29.1"])
async def test_links_carry_no_tooltip_for_clients_that_do_not_declare_it(
    env: Env, preset: str
) -> None:
    client = await start_client(env, preset=preset)
    try:
        uri = open_doc(client, env.root / "NOTES.md", "markdown")
        links = await raw_request(
            client, "textDocument/documentLink", {"textDocument": {"uri": uri}}
        )
        assert links, "the notes have references"
        assert all("tooltip" not in link for link in links)
        assert all(link["target"].startswith("https://") for link in links)
    finally:
        await client.shutdown_session()


async def test_vs_code_declares_tooltips_and_gets_them(client: LanguageClient, env: Env) -> None:
    uri = open_doc(client, env.root / "NOTES.md", "markdown")
    links = await raw_request(client, "textDocument/documentLink", {"textDocument": {"uri": uri}})
    assert links and all(link["tooltip"] == link["target"] for link in links)


async def test_a_hover_while_the_token_is_checked_never_says_sign_in(env: Env) -> None:
    """The environment token's owner is asked first (GET /user); while that answer is slow,
    a hover must not tell the person to sign in: it waits briefly, then shows the card."""
    env.github.inject("timeout", count=1, seconds=2.0, path="/user")
    client = await start_client(env)
    try:
        notes = env.root / "NOTES.md"
        uri = open_doc(client, notes, "markdown")
        text = await hover_at(client, uri, *find(notes, "#1"))
        assert text is not None and "sign in" not in text.lower(), text
        assert "Crash on start" in text or "connecting" in text
    finally:
        await client.shutdown_session()
