"""Atlassian OAuth 2.0 (3LO) sign-ins: the API is at ``{gateway}/ex/jira/{cloudid}``.

The cloud id comes from ``GET {gateway}/oauth/token/accessible-resources``, matched to the
configured site. That gateway route has no published OpenAPI; the stand-in checks it
against its documented shape ("OAuth 2.0 (3LO) apps", developer.atlassian.com/cloud/jira/
platform/oauth-2-3lo-apps/, see ``tests/standin/jira_shapes.py``). Everything under the
prefix is checked against the platform v3 OpenAPI with the prefix removed.
"""

from __future__ import annotations

import pytest

from connectors.sdk import ItemRef, ReauthRequired
from tests.standin.jira import CLOUD_ID, JiraStandIn

from .wiring import connect

OAUTH = "eyJhbGciOiJIUzI1NiJ9.canary-access-token.sig"


def ref(key: str) -> ItemRef:
    return ItemRef.keyed("jira", "127.0.0.1", key)


async def test_check_resolves_the_cloud_id_once_and_reports_scopes(jira: JiraStandIn) -> None:
    jira.oauth_token(OAUTH)
    jira.state.sites["0000-other"] = "other"
    jira.oauth_token(OAUTH, sites={CLOUD_ID, "0000-other"})
    issue = jira.state.add_issue("PROJ", "via the gateway", assignee=jira.me)
    conn, http = connect(jira, method="pkce", token=OAUTH, username=None)
    result = await conn.check()
    assert result.ok, result.detail
    assert result.account == "mia@example.com"
    assert result.scopes == ("read:jira-work", "write:jira-work", "read:jira-user")
    got = await conn.get_issue(ref(issue.key))
    assert got.url == f"{jira.url}/browse/PROJ-1"  # links stay on the site
    assert [i.title for i in (await conn.list_issues("assigned")).items] == ["via the gateway"]
    paths = [e.path for e in jira.log]
    assert paths[0] == "/oauth/token/accessible-resources"
    assert paths.count("/oauth/token/accessible-resources") == 1
    prefix = f"/ex/jira/{CLOUD_ID}/rest/api/3/"
    assert all(p.startswith(prefix) for p in paths[1:]), paths
    assert set(jira.auth_seen) == {f"Bearer {OAUTH}"}
    await http.aclose()


async def test_a_token_for_another_site_asks_to_sign_in_again(jira: JiraStandIn) -> None:
    jira.state.sites["0000-other"] = "other"
    jira.oauth_token(OAUTH, sites={"0000-other"})
    conn, http = connect(jira, method="pkce", token=OAUTH, username=None)
    result = await conn.check()
    assert not result.ok
    assert "reaches https://other.atlassian.net, not" in result.detail
    with pytest.raises(ReauthRequired):
        await conn.get_issue(ref("PROJ-1"))
    await http.aclose()


async def test_the_gateway_refuses_a_cloud_id_the_token_was_not_granted(
    jira: JiraStandIn,
) -> None:
    jira.oauth_token(OAUTH)
    conn, http = connect(jira, method="pkce", token=OAUTH, username=None)
    r = await http.get(f"{jira.url}/oauth/token/accessible-resources")
    assert r.json()[0]["id"] == CLOUD_ID
    with pytest.raises(ReauthRequired):
        await http.get(f"{jira.url}/ex/jira/not-granted/rest/api/3/myself")
    assert (await conn.check()).ok
    await http.aclose()


async def test_an_expired_oauth_token_is_reauth_required(jira: JiraStandIn) -> None:
    # A token no Jira knows. Not a plain word: every secret the stack sees is masked for the
    # rest of the process, and "revoked" would then vanish from other services' messages.
    conn, http = connect(jira, method="pkce", token="atl-expired-4f1c9e27b3d8", username=None)
    result = await conn.check()
    assert not result.ok and "401" in result.detail
    await http.aclose()
