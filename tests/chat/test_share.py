"""Sharing a selection: the post built from it (language, repository path, 1-based lines and
a link to those lines at the checkout's commit on the code host), the secret check, the
channel picker's order and filtering, and send errors in a person's words."""

from __future__ import annotations

import pytest

from connectors.sdk.capabilities import CodeHost, Messaging
from connectors.sdk.chat import Channel, Post
from connectors.sdk.errors import PermissionDenied, SecretFound
from server.hub.chat import (
    Recent,
    Selection,
    SendFailed,
    build_post,
    check_secrets,
    destinations,
    find,
    send,
)
from server.hub.hub import Hub
from tests.chat.conftest import Clone
from tests.chat.fakechat import connector as fakechat


def _sel(clone: Clone, body: str = "def main():\n    return 1", **kw: object) -> Selection:
    fields: dict[str, object] = {
        "path": clone.root / "src" / "app.py",
        "body": body,
        "language": "python",
        "line": 1,
        "end_line": 2,
    }
    fields.update(kw)
    return Selection(**fields)  # type: ignore[arg-type]


async def test_both_sessions_open(hub: Hub) -> None:
    assert [s.connector_id for s in hub.sessions_with(Messaging)] == ["fakechat"]
    assert [s.connector_id for s in hub.sessions_with(CodeHost)] == ["fakehost"]


async def test_the_post_carries_language_path_lines_and_the_commit_link(
    hub: Hub, clone: Clone
) -> None:
    post = build_post(hub, _sel(clone, line=3, end_line=7), "look")
    assert post.text == "look"
    assert post.code is not None
    assert post.code.language == "python"
    assert post.code.path == "src/app.py"
    assert (post.code.line, post.code.end_line) == (3, 7)
    assert post.code.url == (
        f"https://code.example.test/octo/app/blob/{clone.sha}/src/app.py#L3-L7"
    )


async def test_a_path_with_spaces_is_quoted_in_the_link(hub: Hub, clone: Clone) -> None:
    post = build_post(hub, _sel(clone, path=clone.root / "src" / "my file.py"))
    assert post.code is not None and post.code.url is not None
    assert post.code.path == "src/my file.py"
    assert post.code.url.endswith("/src/my%20file.py#L1-L2")


async def test_no_link_without_a_code_host_session(hub: Hub, clone: Clone) -> None:
    await hub.drop_sessions("fakehost", "code.example.test")
    post = build_post(hub, _sel(clone))
    assert post.code is not None
    assert post.code.path == "src/app.py" and post.code.url is None


async def test_a_file_outside_the_workspace_has_only_its_name(hub: Hub, tmp_path: object) -> None:
    from pathlib import Path

    post = build_post(hub, Selection(Path("/elsewhere/notes.md"), "x", "markdown", 1, 1))
    assert post.code is not None
    assert post.code.path == "notes.md" and post.code.url is None


async def test_a_secret_in_the_code_is_refused_naming_what_and_where(
    hub: Hub, clone: Clone
) -> None:
    token = "fkc-" + "A1b2C3d4E5f6G7h8J9"
    post = build_post(hub, _sel(clone, body=f"x = 1\nTOKEN = '{token}'"))
    with pytest.raises(SecretFound) as err:
        check_secrets(hub, post)
    assert any("Fake Chat token" in f and "line 2" in f for f in err.value.findings)
    assert token not in err.value.message
    check_secrets(hub, build_post(hub, _sel(clone)))  # clean code passes


async def test_a_private_key_is_refused_too(hub: Hub, clone: Clone) -> None:
    post = build_post(hub, _sel(clone, body="-----BEGIN RSA PRIVATE KEY-----\nMIIE\n"))
    with pytest.raises(SecretFound):
        check_secrets(hub, post)


async def test_the_picker_labels_and_filters_by_prefix(hub: Hub) -> None:
    dests = await destinations(hub)
    assert [d.label for d in dests] == [
        "#general — Fake Chat (acme)",
        "#dev — Fake Chat (acme)",
        "#random — Fake Chat (acme)",
    ]
    assert [d.name for d in await destinations(hub, "#De")] == ["#dev"]
    assert [d.name for d in await destinations(hub, "r")] == ["#random"]
    assert await destinations(hub, "nope") == []


async def test_recent_channels_come_first(hub: Hub) -> None:
    recent = Recent()
    dests = await destinations(hub, recent=recent)
    recent.used(dests[2])  # random
    recent.used(dests[1])  # then dev
    assert [d.name for d in await destinations(hub, recent=recent)] == [
        "#dev",
        "#random",
        "#general",
    ]
    recent.used(dests[2])
    assert next(d.name for d in await destinations(hub, recent=recent)) == "#random"


async def test_a_channel_without_container_is_labelled_by_the_account(
    hub: Hub, world: fakechat.World
) -> None:
    world.channels = [Channel(id="D1", name="Ana Lima", kind="dm")]
    [d] = await destinations(hub)
    assert d.label == "Ana Lima — Fake Chat (ada)"


async def test_send_keeps_the_post_and_the_thread(hub: Hub, world: fakechat.World) -> None:
    dest = find(await destinations(hub), "#dev")
    assert dest is not None
    msg = await send(dest, Post(text="hi"), thread="t1")
    assert msg.url == "https://chat.example.test/C2/p1"
    assert world.sent == [("C2", Post(text="hi"), "t1")]


async def test_a_channel_that_is_gone_is_said_so(hub: Hub, world: fakechat.World) -> None:
    dest = find(await destinations(hub), "general")
    assert dest is not None
    world.channels = world.channels[1:]  # deleted since the picker listed it
    with pytest.raises(SendFailed, match="#general on Fake Chat does not exist or is hidden"):
        await send(dest, Post(text="hi"))


async def test_a_rate_limit_says_when_to_try_again(hub: Hub, world: fakechat.World) -> None:
    dest = find(await destinations(hub), "dev")
    assert dest is not None
    world.send_error = fakechat.rate_limited(30)
    with pytest.raises(SendFailed, match=r"Fake Chat is rate limiting: try #dev on Fake Chat "
                       r"again in (29|30) s"):  # fmt: skip
        await send(dest, Post(text="hi"))
    assert world.sent == []


async def test_a_refused_post_names_the_channel(hub: Hub, world: fakechat.World) -> None:
    dest = find(await destinations(hub), "dev")
    assert dest is not None
    world.send_error = PermissionDenied("not_in_channel", status=403, service="fakechat")
    with pytest.raises(SendFailed, match="may not post to #dev on Fake Chat: not_in_channel"):
        await send(dest, Post(text="hi"))
