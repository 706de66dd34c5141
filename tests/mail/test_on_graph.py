"""The Inbox over a real Mail connector: Microsoft 365 on the Graph stand-in, which checks
every request and answer against Graph's own description. The hub's mail code names no
service; this shows it holds with one that pages by ``@odata.nextLink``, searches with
``$search`` and sends HTML mail as it came."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest

from connectors.microsoft.connector import MicrosoftConnector
from connectors.sdk.errors import SecretFound
from server.hub.config import MailSettings
from server.hub.mail import Inbox, message_markdown
from server.hub.snippets import SecretScanner
from tests.mail.conftest import Clock
from tests.microsoft import helpers
from tests.standin.kit import standin_fixture
from tests.standin.microsoft import MicrosoftStandIn
from tests.text.test_sanitize import assert_safe

graph = standin_fixture(MicrosoftStandIn, name="graph")


@dataclass
class GraphSession:
    connector: MicrosoftConnector
    connector_id: str = "microsoft"
    host: str = "outlook.office.com"
    key: str = "microsoft:outlook.office.com:ada@contoso.com"


@pytest.fixture
async def inbox(graph: MicrosoftStandIn) -> AsyncIterator[Inbox]:
    world = helpers.seed(graph)
    for n in range(30):  # more than one Graph page ($top 25)
        world.state.add_message(
            world.ada, f"Note {n}", received=helpers.NOW - timedelta(hours=40 - n), read=True
        )
    world.state.add_message(
        world.ada,
        "Deploy failed",
        received=helpers.NOW - timedelta(minutes=5),
        flagged=True,
        body='<p>See <a href="https://ci.test/1">the run</a><script>alert(1)</script>'
        '<img src="https://tracker.test/p.gif" alt=""></p>',
    )
    connector, http = helpers.connect(graph.url)
    session = GraphSession(connector)
    settings = MailSettings(team_query="deploy")
    yield Inbox(lambda: [session], lambda: settings, clock=Clock())
    await http.aclose()


async def test_views_pages_and_a_message_on_graph(inbox: Inbox, graph: MicrosoftStandIn) -> None:
    first = await inbox.page("inbox")
    assert first.rows[0].message.subject == "Deploy failed"
    assert len(first.rows) == 25 and first.cursor is not None
    rest = await inbox.page("inbox", first.cursor)
    subjects = [r.message.subject for r in first.rows + rest.rows]
    assert subjects == ["Deploy failed", *(f"Note {n}" for n in range(29, -1, -1))]
    assert rest.cursor is None
    assert [r.message.subject for r in (await inbox.page("flagged")).rows] == ["Deploy failed"]
    assert [r.message.subject for r in (await inbox.page("team")).rows] == ["Deploy failed"]

    asked = len(graph.log)
    await inbox.page("inbox")  # fresh: Graph is not asked
    assert len(graph.log) == asked

    m = await inbox.message(first.rows[0].message.key)
    md = message_markdown(m, service="Microsoft 365")
    assert_safe(md)
    assert "[the run](<https://ci.test/1>)" in md
    assert "tracker.test" not in md and "alert" not in md


async def test_a_reply_on_graph_only_without_a_secret(
    inbox: Inbox, graph: MicrosoftStandIn
) -> None:
    key = (await inbox.page("flagged")).rows[0].message.key
    scan = SecretScanner.from_manifests([MicrosoftConnector.manifest()])
    with pytest.raises(SecretFound):
        await inbox.reply(key, "```\npassword = 'hunter22'\n```", all=False, check=scan.check)
    assert graph.state.replies == []
    await inbox.reply(key, "```python\nretry()\n```", all=True, check=scan.check)
    (sent,) = graph.state.replies
    assert sent["all"] is True and "retry()" in str(sent)
