"""Teams messaging and meetings on the Graph stand-in: chats and team channels to pick from,
code sent as escaped HTML with ``<pre><code>`` and a link back to the lines, thread
replies in channels, and an instant meeting's join link."""

from __future__ import annotations

import pytest

from connectors.microsoft.connector import MicrosoftConnector
from connectors.sdk import InvalidRequest, NotFound
from connectors.sdk.calendar import Provider
from connectors.sdk.chat import CodeBlock, Post

from .helpers import World

CODE = CodeBlock(
    body='if a < b && c > "d":\n    print("<script>")\n',
    language="python",
    path="src/app.py",
    line=10,
    end_line=11,
    url="https://github.com/octo/app/blob/abc123/src/app.py#L10-L11",
)


def _teams(world: World) -> tuple[dict[str, object], dict[str, object], dict[str, object]]:
    st = world.state
    dm = st.add_chat(world.ada, None, [world.ada, world.bob])
    group = st.add_chat(world.ada, "Release crew", [world.ada, world.bob, world.eve])
    team = st.add_team([world.ada, world.bob], "Platform", ["General", "Deploys"])
    return dm, group, team


async def test_chats_and_channels_to_pick_from(world: World, conn: MicrosoftConnector) -> None:
    dm, group, team = _teams(world)
    chans = await conn.channels()
    assert chans[1].id == group["id"]
    assert [(c.name, c.kind) for c in chans] == [
        ("Bob Builder", "dm"),
        ("Release crew", "group"),
        ("General", "channel"),
        ("Deploys", "channel"),
    ]
    assert chans[0].id == dm["id"] and chans[2].id.startswith(f"{team['id']}/19:")
    assert chans[2].container == "Platform"
    assert [c.name for c in await conn.channels("de")] == ["Deploys"]


async def test_code_goes_as_escaped_html_with_a_link_back(
    world: World, conn: MicrosoftConnector
) -> None:
    _teams(world)
    deploys = next(c for c in await conn.channels("Deploys"))
    sent = await conn.send_message(deploys.id, Post(text="Look at <this> & that", code=CODE))
    posted = world.state.posted[-1]
    assert posted["body"]["contentType"] == "html"
    assert posted["body"]["content"] == (
        "<p>Look at &lt;this&gt; &amp; that</p>"
        '<pre><code class="language-python">if a &lt; b &amp;&amp; c &gt; &quot;d&quot;:\n'
        "    print(&quot;&lt;script&gt;&quot;)</code></pre>"
        '<p><a href="https://github.com/octo/app/blob/abc123/src/app.py#L10-L11">'
        "src/app.py:10-11</a></p>"
    )
    assert sent.id == posted["id"] and sent.channel == deploys.id
    assert sent.url and sent.url.startswith("https://teams.microsoft.com/l/message/")
    reply = await conn.send_message(deploys.id, Post(text="and this"), thread=sent.id)
    assert reply.thread == sent.id
    assert world.standin.log[-1].path.endswith(f"/messages/{sent.id}/replies")


async def test_chats_take_messages_but_no_threads(world: World, conn: MicrosoftConnector) -> None:
    dm, _, _ = _teams(world)
    sent = await conn.send_message(str(dm["id"]), Post(text="hi"))
    assert world.state.posted[-1]["_where"] == dm["id"] and sent.text == "hi"
    with pytest.raises(InvalidRequest, match="no threads"):
        await conn.send_message(str(dm["id"]), Post(text="hi"), thread=sent.id)
    with pytest.raises(InvalidRequest, match="nothing to send"):
        await conn.send_message(str(dm["id"]), Post(text="  "))
    with pytest.raises(NotFound):
        await conn.send_message("19:nochat@thread.v2", Post(text="hi"))


async def test_an_instant_meeting_gives_its_join_link(
    world: World, conn: MicrosoftConnector
) -> None:
    link = await conn.start_meeting("Pairing on #42", minutes=45)
    assert link.provider is Provider.TEAMS and link.source == "conference"
    meeting = world.state.meetings[-1]
    assert link.url == meeting["joinWebUrl"] and meeting["subject"] == "Pairing on #42"
