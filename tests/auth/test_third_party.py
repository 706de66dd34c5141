"""A third-party connector, installed as a package of its own through the
``tieline.connectors`` entry point and written only against the sdk, works with no change to
the hub: its settings are accepted, it signs in with PKCE against a real OAuth server
(oidc-provider), its session syncs, its keys get cards and its items fill "My work", and
sign-out revokes its token (RFC 7009) at that server.

The package is built and installed (``pip install --target``) into a temporary directory that
the server finds on its ``PYTHONPATH``; the service behind it is the synthetic tracker, which
here validates each bearer token with the OAuth server's userinfo endpoint, as a resource
server does.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from pytest_lsp import LanguageClient

from tests.auth.conftest import CLIENT_ID, OidcServer, user_approves_browser
from tests.lsp.conftest import Env, open_doc, start_client
from tests.lsp.raw import raw_request
from tests.lsp.test_features import find, hover_at, items
from tests.standin.kit import Request, serving
from tests.standin.synthetic import SyntheticStandIn

CONNECTOR = Path(__file__).resolve().parents[1] / "synthetic" / "connector.py"


class IntrospectingTracker(SyntheticStandIn):
    """The synthetic tracker as a resource server of the OAuth server: a bearer token is
    whoever the OAuth server's userinfo endpoint says it is."""

    issuer = ""

    def authenticate(self, req: Request) -> str | None:
        token = req.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not token:
            return None
        if token not in self.tokens:
            r = httpx.get(f"{self.issuer}/me", headers={"authorization": f"Bearer {token}"})
            if r.status_code != 200:
                return None
            self.tokens[token] = str(r.json()["sub"])
        return self.tokens[token]


def build_package(where: Path, issuer: str, capabilities: str = '["IssueTracker"]') -> Path:
    """The ``tieline-acme`` distribution: a manifest naming the OAuth server, and a connector
    module (the synthetic connector's code under another id), installed into ``site``."""
    src = where / "src"
    pkg = src / "tieline_acme"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text('"""Acme Tracker for Tieline."""\n')
    code = (
        CONNECTOR.read_text()
        .replace('"synthetic"', '"acme"')
        .replace("SyntheticConnector", "AcmeConnector")
    )
    (pkg / "connector.py").write_text(code)
    (pkg / "manifest.toml").write_text(
        textwrap.dedent(
            f"""\
            id = "acme"
            name = "Acme Tracker"
            capabilities = {capabilities}
            api_url = "https://tracker.acme.test"
            web_url = "https://tracker.acme.test"

            [attach]
            kind = "account"

            [auth]
            methods = ["pkce", "token"]

            [auth.oauth2]
            authorize_url = "{issuer}/auth"
            token_url = "{issuer}/token"
            revocation_url = "{issuer}/token/revocation"

            [[auth.oauth2.scopes]]
            name = "openid"
            why = "Know who you are on Acme."

            [[references]]
            kind = "issue"
            regex = '\\b(?P<key>(?P<scope>[A-Z]{{2,5}})-(?P<number>\\d{{1,6}}))\\b'
            scope = "account"
            known_scopes = true

            [[config]]
            name = "board"
            description = "The Acme board this workspace shows."
            default = "main"
            """
        )
    )
    (src / "pyproject.toml").write_text(
        textwrap.dedent(
            """\
            [build-system]
            requires = ["setuptools>=61"]
            build-backend = "setuptools.build_meta"

            [project]
            name = "tieline-acme"
            version = "1.0.0"

            [project.entry-points."tieline.connectors"]
            acme = "tieline_acme.connector:AcmeConnector"

            [tool.setuptools]
            packages = ["tieline_acme"]

            [tool.setuptools.package-data]
            tieline_acme = ["manifest.toml"]
            """
        )
    )
    site = where / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
         "--target", str(site), str(src)],
        check=True, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert (site / "tieline_acme" / "manifest.toml").is_file()
    return site


@pytest.fixture
def tracker(oidc: OidcServer) -> Iterator[IntrospectingTracker]:
    standin = IntrospectingTracker(tokens={})
    standin.issuer = oidc.issuer
    standin.state.add_issue("WEB", "Acme bug assigned to alice", author="bob", assignee="alice")
    standin.state.add_issue("WEB", "Another", author="bob")
    with serving(standin) as s:
        yield s


@pytest.fixture
async def client(
    oidc: OidcServer, tracker: IntrospectingTracker, tmp_path: Path, tieline_home: Path
) -> AsyncIterator[LanguageClient]:
    site = build_package(tmp_path / "acme", oidc.issuer)
    root = tmp_path / "notes"
    root.mkdir()
    (root / "NOTES.md").write_text("Acme WEB-1 and our board.\n")
    (root / ".tieline.toml").write_text('[connectors.acme]\nboard = "triage"\n')
    env = Env(root=root, github=None, home=tieline_home)
    c = await start_client(
        env,
        PYTHONPATH=f"{site}:{Path.cwd()}",
        TIELINE_GITHUB_TOKEN="",
        TIELINE_CONNECTORS__GITHUB__ENABLED="false",
        TIELINE_CONNECTORS__ACME__API_URL=tracker.url,
        TIELINE_CONNECTORS__ACME__CLIENT_ID=CLIENT_ID,
    )
    c.root = root  # type: ignore[attr-defined]
    yield c
    await c.shutdown_session()


async def test_a_separately_installed_connector_needs_no_hub_change(
    client: LanguageClient, oidc: OidcServer, tracker: IntrospectingTracker
) -> None:
    listed = await raw_request(client, "tieline/connectors", None)
    acme = next(c for c in listed["connectors"] if c["id"] == "acme")
    assert acme["name"] == "Acme Tracker" and acme["capabilities"] == ["IssueTracker"]
    assert [o["method"] for o in acme["auth"]] == ["pkce", "token"] and not acme["accounts"]
    assert not [m for m in client.messages if "settings" in m.message]  # board accepted

    started = await raw_request(
        client, "tieline/auth/signIn", {"connector": "acme", "method": "pkce"}
    )
    assert started["state"] == "pending" and started["browserUrl"].startswith(oidc.issuer)
    prompt = next(m.message for m in client.messages if "asks Acme Tracker" in m.message)
    assert "openid: Know who you are on Acme." in prompt  # consent came first, with the why
    page = await user_approves_browser(started["browserUrl"], "alice")
    assert "Signed in to Tieline" in page.text

    async with asyncio.timeout(30):
        while not any("Signed in to Acme Tracker as alice" in m.message for m in client.messages):
            await asyncio.sleep(0.05)
        while not (assigned := await items(client, "work", "work/assigned")):
            await asyncio.sleep(0.1)
    assert [(i["service"], i["key"], i["label"]) for i in assigned] == [
        ("acme", "WEB-1", "Acme bug assigned to alice")
    ]
    notes: Path = client.root / "NOTES.md"  # type: ignore[attr-defined]
    uri = open_doc(client, notes, "markdown")
    card = await hover_at(client, uri, *find(notes, "WEB-1"))
    assert card is not None and "Acme bug assigned to alice" in card

    out = await raw_request(client, "tieline/auth/signOut", {"connector": "acme"})
    assert out == {"signedOut": True, "revoked": True}
    token = next(t for t, who in tracker.tokens.items() if who == "alice")
    async with httpx.AsyncClient() as http:
        me = await http.get(f"{oidc.issuer}/me", headers={"authorization": f"Bearer {token}"})
    assert me.status_code == 401  # ended at the OAuth server, not only forgotten here


def test_a_broken_package_is_named_and_the_others_keep_working(
    tmp_path: Path, tieline_home: Path
) -> None:
    """A connector package whose manifest declares a capability nobody knows: the CLI names
    the connector and the key, and every other connector is listed and usable."""
    site = build_package(
        tmp_path / "acme", "http://127.0.0.1:9", capabilities='["IssueTracker", "Teleporter"]'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIELINE_")}
    env.update(TIELINE_HOME=str(tieline_home), PYTHONPATH=f"{site}:{Path.cwd()}")
    r = subprocess.run(
        [sys.executable, "-m", "server", "connectors", "list"],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert r.returncode == 1
    broken = next(line for line in r.stdout.splitlines() if line.startswith("acme"))
    assert "BROKEN" in broken and "connector 'acme'" in broken
    assert "capabilities" in broken and "unknown capability Teleporter" in broken
    listed = {line.split()[0] for line in r.stdout.splitlines()}
    assert {"github", "gitlab", "jira", "linear"} <= listed
