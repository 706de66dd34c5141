"""Gmail polls cost what changed: an idle poll of every view is one ``history.list``, a change
the list plus the changed messages' metadata -- and a poll never shows a stale row.

Requests are counted on the stand-in's log; every one is checked against Gmail's discovery
document (history.list, getProfile's ``historyId``), and so is every answer. The history
record shapes (``messagesAdded`` / ``labelsRemoved`` entries naming id and thread) follow the
ListHistoryResponse schema; which changes Gmail records for what the user does, the sync
guide (developers.google.com/gmail/api/guides/sync) describes.
"""

from __future__ import annotations

from unittest import mock

from connectors.google.connector import PAGE, GoogleConnector
from connectors.google.gmail_sync import SHARE_SECONDS
from connectors.sdk.mail import MailPage, MailView
from server.hub.http import HubClient

from .helpers import World, connect

Conn = tuple[GoogleConnector, HubClient]
VIEWS: tuple[MailView, ...] = ("unread", "flagged", "inbox")


def _inbox(world: World) -> None:
    st = world.state
    st.add_message("m1", sender="Bob <bob@example.com>", subject="Lunch?")
    st.add_message(
        "m2", sender="Cleo <cleo@example.com>", subject="Plan", labels=("INBOX", "STARRED")
    )
    st.add_message("m3", sender="news@example.com", subject="Old news", labels=("INBOX",))


async def _poll(connector: GoogleConnector) -> dict[str, MailPage]:
    return {v: await connector.list_mail(v) for v in VIEWS}


def _since(world: World, mark: int) -> list[str]:
    """The requests after ``mark``, as ``method`` names: history, profile, list, get."""
    out = []
    for r in world.standin.log[mark:]:
        tail = r.path.split("/users/me/", 1)[1]
        out.append("get" if tail.startswith("messages/") else {"messages": "list"}.get(tail, tail))
    return out


def _rows(page: MailPage) -> list[tuple[str, str, bool, bool]]:
    return [(m.ref.key, m.subject, m.unread, m.flagged) for m in page.items]


async def test_an_idle_poll_of_three_views_costs_one_request(world: World, conn: Conn) -> None:
    _inbox(world)
    connector, _ = conn
    mark = len(world.standin.log)
    first = await _poll(connector)
    # The history starts where the profile says, read before any list; metadata once per id.
    assert _since(world, mark) == ["profile", "list", "get", "list", "get", "list", "get"]
    assert not any(p.unchanged for p in first.values())
    for _ in range(2):
        mark = len(world.standin.log)
        again = await _poll(connector)
        assert _since(world, mark) == ["history"]
        assert all(p.unchanged for p in again.values())
        assert {v: _rows(p) for v, p in again.items()} == {v: _rows(p) for v, p in first.items()}
    check = world.standin.log[-1]
    asked = dict(check.query)
    assert asked["startHistoryId"] == str(world.state.history_id)
    assert sorted(v for k, v in check.query if k == "historyTypes") == [
        "labelAdded",
        "labelRemoved",
        "messageAdded",
        "messageDeleted",
    ]


async def test_a_new_message_costs_the_lists_and_one_metadata_read(
    world: World, conn: Conn
) -> None:
    _inbox(world)
    connector, _ = conn
    await _poll(connector)
    world.state.add_message("m4", sender="Dan <dan@example.com>", subject="Fresh")
    mark = len(world.standin.log)
    after = await _poll(connector)
    assert _since(world, mark) == ["history", "list", "get", "list", "list"]
    read = next(r for r in world.standin.log[mark:] if "/messages/" in r.path)
    assert read.path.endswith("/m4")
    assert [m.subject for m in after["inbox"].items] == ["Fresh", "Old news", "Plan", "Lunch?"]
    assert [m.ref.key for m in after["unread"].items] == ["m4", "m1"]
    assert not after["inbox"].unchanged and after["inbox"].total == 4
    mark = len(world.standin.log)
    await _poll(connector)
    assert _since(world, mark) == ["history"]


async def test_a_label_change_updates_the_row(world: World, conn: Conn) -> None:
    _inbox(world)
    connector, _ = conn
    await _poll(connector)
    world.state.relabel("m1", add=("STARRED",), remove=("UNREAD",))  # read and starred
    mark = len(world.standin.log)
    after = await _poll(connector)
    assert _since(world, mark) == ["history", "list", "list", "get", "list"]
    lunch = next(m for m in after["inbox"].items if m.ref.key == "m1")
    assert not lunch.unread and lunch.flagged
    assert after["unread"].items == ()
    assert [m.ref.key for m in after["flagged"].items] == ["m2", "m1"]
    world.state.relabel("m2", remove=("STARRED",))
    flagged = await connector.list_mail("flagged")
    assert [m.ref.key for m in flagged.items] == ["m1"]
    inbox = await connector.list_mail("inbox")
    assert not next(m for m in inbox.items if m.ref.key == "m2").flagged


async def test_a_deleted_message_disappears(world: World, conn: Conn) -> None:
    _inbox(world)
    connector, _ = conn
    await _poll(connector)
    world.state.delete_message("m3")
    mark = len(world.standin.log)
    after = await _poll(connector)
    assert _since(world, mark) == ["history", "list", "list", "list"]  # nothing left to read
    assert [m.ref.key for m in after["inbox"].items] == ["m2", "m1"]


async def test_an_out_of_date_history_id_reads_in_full(world: World, conn: Conn) -> None:
    _inbox(world)
    connector, _ = conn
    await _poll(connector)
    world.state.expire_history()
    world.state.relabel("m3", add=("UNREAD",))
    mark = len(world.standin.log)
    after = await _poll(connector)
    # 404, then as on a first poll: the profile's historyId, every message read anew (once).
    unread, flagged, inbox = ["list", "get", "get"], ["list", "get"], ["list"]
    assert _since(world, mark) == ["history", "profile", *unread, *flagged, *inbox]
    assert [m.ref.key for m in after["unread"].items] == ["m3", "m1"]
    assert not any(p.unchanged for p in after.values())
    mark = len(world.standin.log)
    assert all(p.unchanged for p in (await _poll(connector)).values())
    assert _since(world, mark) == ["history"]


async def test_history_is_read_page_by_page(world: World, conn: Conn) -> None:
    _inbox(world)
    connector, _ = conn
    await _poll(connector)
    for i in range(5):
        world.state.add_message(f"n{i}", sender="bot@example.com", subject=f"Build {i}")
    with mock.patch("connectors.google.client.HISTORY_PAGE", 2):
        mark = len(world.standin.log)
        inbox = await connector.list_mail("inbox")
    assert _since(world, mark) == ["history"] * 3 + ["list"] + ["get"] * 5
    assert [m.ref.key for m in inbox.items][:5] == ["n4", "n3", "n2", "n1", "n0"]
    tokens = [dict(r.query).get("pageToken") for r in world.standin.log[mark : mark + 3]]
    assert tokens[0] is None and all(tokens[1:])


async def test_one_check_serves_the_views_of_one_poll_only(world: World, conn: Conn) -> None:
    """A check is shared by other views for a few seconds, never by the same view twice."""
    _inbox(world)
    connector, _ = conn
    now = [1000.0]
    connector.mail_sync.clock = lambda: now[0]
    await _poll(connector)
    mark = len(world.standin.log)
    await connector.list_mail("inbox")
    now[0] += SHARE_SECONDS + 1
    await connector.list_mail("unread")  # too late to share the inbox's check
    assert _since(world, mark) == ["history", "history"]


async def test_later_pages_read_metadata_once(world: World, conn: Conn) -> None:
    for i in range(PAGE + 5):
        world.state.add_message(f"n{i:02}", sender="bot@example.com", subject=f"Build {i}")
    connector, _ = conn
    first = await connector.list_mail("inbox")
    second = await connector.list_mail("inbox", cursor=first.next_cursor)
    assert len(second.items) == 5
    mark = len(world.standin.log)
    again = await connector.list_mail("inbox", cursor=first.next_cursor)
    assert _since(world, mark) == ["history", "list"]
    assert _rows(again) == _rows(second)
    world.state.relabel("n00", remove=("UNREAD",))
    mark = len(world.standin.log)
    changed = await connector.list_mail("inbox", cursor=first.next_cursor)
    assert _since(world, mark) == ["history", "list", "get"]
    assert not next(m for m in changed.items if m.ref.key == "n00").unread


async def test_never_a_stale_row(world: World, conn: Conn) -> None:
    """After each change, every view is what a connector with no cache reads."""
    _inbox(world)
    connector, _ = conn
    fresh_connector, fresh_http = connect(world.standin.url)
    st = world.state
    changes = [
        lambda: st.add_message("m4", sender="Dan <dan@example.com>", subject="Fresh"),
        lambda: st.relabel("m4", remove=("UNREAD",)),
        lambda: st.relabel("m3", add=("STARRED", "UNREAD")),
        lambda: st.delete_message("m2"),
        lambda: st.relabel("m1", remove=("INBOX",)),  # archived
        lambda: st.relabel("m1", add=("INBOX",)),
        lambda: (st.expire_history(), st.delete_message("m4")),
        lambda: None,
    ]
    try:
        await _poll(connector)
        for change in changes:
            change()
            after = await _poll(connector)
            fresh_connector.mail_sync.forget()
            truth = await _poll(fresh_connector)
            assert {v: _rows(p) for v, p in after.items()} == {
                v: _rows(p) for v, p in truth.items()
            }
    finally:
        await fresh_http.aclose()
    assert not world.standin.violations


async def test_history_answers_only_the_types_asked(world: World, conn: Conn) -> None:
    """The stand-in's history.list, straight through the client: records after the id given,
    of the ``historyTypes`` asked, each naming the message and the labels it moved."""
    _inbox(world)
    connector, _ = conn
    start = (await connector.client.profile()).history_id
    assert start is not None
    world.state.relabel("m1", add=("STARRED",), remove=("UNREAD",))
    world.state.delete_message("m3")
    pages = [p async for p in connector.client.history_pages(start, types=("labelRemoved",))]
    ((record,),) = [p.history for p in pages]
    (entry,) = record.labels_removed
    assert entry.message.id == "m1" and entry.label_ids == ("UNREAD",)
    assert pages[-1].history_id == str(world.state.history_id) and int(record.id) > int(start)
    everything = [p async for p in connector.client.history_pages(start)]
    assert [r.message_ids() for p in everything for r in p.history] == [{"m1"}, {"m1"}, {"m3"}]
