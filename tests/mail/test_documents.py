"""A message's document URI round-trips any id a service uses and survives pygls, which keys
open documents by the unquoted URI; a reply's code block cannot be closed by its code."""

from __future__ import annotations

from urllib.parse import unquote

from server.lsp.features.mail import code_block, mail_uri, message_of


class _Server:
    pass


def test_any_message_id_round_trips_through_a_uri_without_escapes() -> None:
    ls = _Server()
    for mid in (
        "graph:graph.microsoft.com:AAMkAGI2TG93AAA=/+x==",
        "gmail:gmail.googleapis.com:18c0f3a9e2b1d4f7",
        "x:h:ünïcode id with spaces & ?#%",
    ):
        uri = mail_uri(mid, "Re: the <b>release</b> / plan?")
        assert uri.endswith("/Re-the-b-release-b-plan.md")
        assert unquote(uri) == uri  # pygls stores documents under unquote(uri)
        assert message_of(ls, uri) == mid  # type: ignore[arg-type]
    assert message_of(ls, "tieline-mail:/!!!/x.md") is None  # type: ignore[arg-type]
    assert message_of(ls, "file:///tmp/x.md") is None  # type: ignore[arg-type]


def test_a_code_block_outlasts_the_backticks_in_its_code() -> None:
    assert code_block("print(1)\n", "python") == "```python\nprint(1)\n```"
    fenced = code_block("a\n````\nb", 'py"><script>')
    assert fenced.startswith("`````pyscript\n") and fenced.endswith("\n`````")
