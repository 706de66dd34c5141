"""A message as the read-only Markdown document the editor opens, and as an issue's text:
headers first, the HTML body sanitised (no script in any form, no tracking pixel, links only
http(s)/mailto), a text body shown as written."""

from __future__ import annotations

import html

from connectors.sdk.mail import MailAddress, MailMessage
from server.hub.mail import issue_from, message_markdown, row_marks
from tests.mail.fake import connector as fake
from tests.text.test_hostile_html import check_mail
from tests.text.test_sanitize import assert_safe, render


def _hostile(world: fake.World) -> MailMessage:
    return world.add(
        "ada",
        5,
        subject="Outage <b>now</b> ](javascript:alert(1))",
        sender=MailAddress(email="eve@example.test", name="Eve *admin* <script>"),
        cc=(MailAddress(email="ops@example.test"),),
        flagged=True,
        unread=True,
        body_html=fake.HOSTILE,
        body_text=None,
    )


def test_a_hostile_mail_renders_as_safe_markdown(world: fake.World) -> None:
    m = _hostile(world)
    md = message_markdown(m, service="Fake Mail")
    assert_safe(md)
    check_mail(fake.HOSTILE)
    shown = render(md)
    text = html.unescape(shown)
    assert "alert(" not in md.replace("javascript:alert(1))", "")  # only the subject's words
    assert "pixel.gif" not in md and "<img" not in shown
    assert '<a href="https://docs.example.test/runbook">the runbook</a>' in shown
    assert '<a href="mailto:ops@example.test">ops</a>' in shown
    assert "<script>shown, not run</script>" in text  # written-out markup stays visible
    # Headers: each value inert, whatever the sender put in it.
    assert md.startswith("# Outage \\<b\\>now\\</b\\> \\]\\(javascript:alert\\(1\\)\\)\n")
    assert "<h1>Outage &lt;b&gt;now&lt;/b&gt; ](javascript:alert(1))</h1>" in shown
    assert "**From:** Eve \\*admin\\* \\<script\\> \\<eve@example.test\\>" in md
    assert "**Cc:** ops@example.test" in md and "**Mailbox:** Fake Mail" in md
    assert "**Marks:** unread, flagged" in md
    assert "[Open in the mail client](<https://mail.example.test/m/ada-5>)" in md


def test_a_text_body_is_shown_as_written(world: fake.World) -> None:
    text = "Hi *all*,\n<b>not bold</b>\n\n# not a heading\n[x](javascript:y)"
    m = world.add("ada", 1, body_text=text)
    md = message_markdown(m)
    shown = html.unescape(render(md))
    assert "Hi *all*,<br />\n<b>not bold</b>" in shown
    assert "# not a heading" in shown and "<h1>" not in shown.split("<hr />")[1]
    assert "[x](javascript:y)" in shown and 'href="javascript' not in shown


def test_a_link_back_only_when_it_is_a_web_link(world: fake.World) -> None:
    m = world.add("ada", 1, url="javascript:alert(1)")
    assert "mail client" not in message_markdown(m)
    assert "mail client" not in issue_from(m)[1]


def test_an_issue_from_a_message_quotes_it_under_a_header_and_links_back(
    world: fake.World,
) -> None:
    m = _hostile(world)
    title, body = issue_from(m)
    assert title == "Outage <b>now</b> ](javascript:alert(1))"  # a title is plain text
    head, _, rest = body.partition("\n\n")
    assert head.startswith("On Mon 02 Mar 2026 ") and head.endswith(
        "Eve \\*admin\\* \\<script\\> \\<eve@example.test\\> wrote:"
    )
    assert all(line.startswith(">") for line in rest.split("\n\n[The message")[0].splitlines())
    assert body.rstrip().endswith(
        "[The message in the mail client](<https://mail.example.test/m/ada-5>)"
    )
    assert_safe(body)
    assert "pixel.gif" not in body and "<script>alert" not in body


def test_row_marks() -> None:
    from connectors.sdk.models import ItemRef

    ref = ItemRef(connector="c", host="h", scope="inbox", key="k")
    assert row_marks(MailMessage(ref=ref, unread=True, flagged=True)) == "● ⚑"
    assert row_marks(MailMessage(ref=ref)) == ""
