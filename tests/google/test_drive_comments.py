"""Comments on a Google Doc through Drive's comments API, on the stand-in: threads read with
their replies (every page), a comment added about a passage, a reply, and a thread resolved
by a reply with ``action: resolve``. The stand-in holds Drive's rule that comments and
replies methods have no default fields (guides/fields-parameter), so a call that forgets
``fields`` fails here as at Drive."""

from __future__ import annotations

import httpx
import pytest

from connectors.google.connector import GoogleConnector
from connectors.sdk import InvalidRequest
from server.hub.http import HubClient
from tests.standin.google_drive import GOOGLE

from .helpers import ADA, CANARY, World

Conn = tuple[GoogleConnector, HubClient]


def _doc(world: World) -> str:
    st = world.standin.drive
    doc = st.add_doc("Design", st.add("docs")["id"], {"text/markdown": b"# Design\n"})["id"]
    first = st.add_comment(doc, "Is this still true?", by="bob@example.com", quoted="we ship")
    first["replies"].append(
        {
            "kind": "drive#reply",
            "id": "AAAR0001",
            "content": "Yes, for now.",
            "author": {"displayName": "Ada", "emailAddress": ADA, "me": True},
            "createdTime": first["createdTime"],
            "deleted": False,
        }
    )
    done = st.add_comment(doc, "Typo in the title", by="cleo@example.com")
    done["resolved"] = True
    st.add_comment(doc, "Add a diagram?", by="bob@example.com")
    return doc


async def test_threads_are_read_with_their_replies_every_page(world: World, conn: Conn) -> None:
    doc = _doc(world)
    world.standin.drive.page_max = 2
    connector, _ = conn
    threads = await connector.doc_comments(doc)
    assert [t.body for t in threads] == [
        "Is this still true?",
        "Typo in the title",
        "Add a diagram?",
    ]
    first = threads[0]
    assert first.quoted == "we ship" and first.author and first.author.login == "bob@example.com"
    assert [r.body for r in first.replies] == ["Yes, for now."] and first.created_at is not None
    assert threads[1].resolved
    sent = [r for r in world.standin.log if r.path.endswith("/comments")]
    assert len(sent) == 2 and all("replies(" in dict(r.query)["fields"] for r in sent)
    open_ones = await connector.doc_comments(doc, resolved=False)
    assert [t.body for t in open_ones] == ["Is this still true?", "Add a diagram?"]


async def test_a_comment_a_reply_and_a_resolved_thread(world: World, conn: Conn) -> None:
    doc = _doc(world)
    connector, _ = conn
    made = await connector.add_doc_comment(doc, "Cite the RFC here", quoted="RFC 8252")
    assert made.quoted == "RFC 8252" and not made.resolved and made.author is not None
    assert made.author.login == ADA
    reply = await connector.reply_doc_comment(doc, made.id, "Done in rev 4")
    assert reply.body == "Done in rev 4"
    await connector.reply_doc_comment(doc, made.id, resolve=True)
    stored = world.standin.drive.comments[doc][-1]
    assert stored["resolved"] is True
    assert [r.get("action") for r in stored["replies"]] == [None, "resolve"]
    with pytest.raises(InvalidRequest):
        await connector.reply_doc_comment(doc, made.id, "  ")
    with pytest.raises(InvalidRequest):
        await connector.add_doc_comment(doc, "")


def test_the_stand_in_wants_fields_for_comments_and_known_names_only(world: World) -> None:
    doc = world.standin.drive.add_doc("D", world.standin.drive.add("x")["id"], {})["id"]
    auth = {"authorization": f"Bearer {CANARY}"}
    base = f"{world.standin.url}/drive/v3/files/{doc}"
    r = httpx.get(f"{base}/comments", headers=auth)
    assert r.status_code == 400 and "'fields' parameter is required" in r.json()["error"]["message"]
    r = httpx.get(base, params={"fields": "id,etag"}, headers=auth)
    assert r.status_code == 400 and "Invalid field selection etag" in r.json()["error"]["message"]
    r = httpx.get(base, params={"fields": "id,version,owners(emailAddress)"}, headers=auth)
    assert r.status_code == 200 and set(r.json()) == {"id", "version"}
    assert (
        r.json()["id"] == doc and world.standin.drive.files[doc]["mimeType"] == GOOGLE + "document"
    )


async def test_the_connector_provides_doc_comments_as_the_sdk_shapes(
    world: World, conn: Conn
) -> None:
    """The hub reaches comments only through the ``DocComments`` capability: the manifest
    declares it, the class implements it, and its threads are the sdk's own shape."""
    from connectors.sdk.capabilities import DocComments, missing_methods, provides
    from connectors.sdk.doccomments import DocComment as SdkDocComment

    connector, _ = conn
    assert provides(connector, DocComments) and not missing_methods(GoogleConnector, "DocComments")
    doc = _doc(world)
    cap: DocComments = connector.capability(DocComments)
    threads = await cap.doc_comments(doc, resolved=False)
    assert all(isinstance(t, SdkDocComment) for t in threads)
    first = threads[0]
    await cap.reply_doc_comment(doc, first.id, "Fixed", resolve=True)
    assert [t.body for t in await cap.doc_comments(doc, resolved=False)] == ["Add a diagram?"]
