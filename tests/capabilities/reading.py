"""What a person reads of a message as each service stores it, so the suites compare what
arrived with what was sent in one plain form whatever the service's markup.

Each reader undoes only what the service's own format defines: Slack's three entities
(``&amp;`` ``&lt;`` ``&gt;``), HTML for Teams and Graph mail, and the zero-width space that
Slack's and Discord's connectors put inside a triple backtick so code cannot close its own
fence (shown as the backticks it was). Anything else a connector changed stays changed,
and the suite sees it.
"""

from __future__ import annotations

from html.parser import HTMLParser

#: A triple backtick as Slack's and Discord's connectors defuse it inside a code block.
DEFUSED_FENCE = "`\u200b``"


def undefused(text: str) -> str:
    return text.replace(DEFUSED_FENCE, "```")


def slack_text(mrkdwn: str) -> str:
    """Slack's stored text as it reads: its entities decoded (``&amp;`` last, so an escaped
    entity in the code reads as the entity)."""
    text = undefused(mrkdwn).replace("&lt;", "<").replace("&gt;", ">")
    return text.replace("&amp;", "&")


class _Text(HTMLParser):
    """HTML as text: paragraphs apart by a blank line, ``<br>`` a line end, a link as its
    label with the address after it in angle brackets."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._href: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.out.append("\n")
        elif tag in ("p", "pre", "div") and self.out and not "".join(self.out).endswith("\n\n"):
            self.out.append("\n\n")
        elif tag == "a":
            self._href.append(dict(attrs).get("href"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href:
            href = self._href.pop()
            if href:
                self.out.append(f" <{href}>")

    def handle_data(self, data: str) -> None:
        self.out.append(data)


def html_text(markup: str) -> str:
    parser = _Text()
    parser.feed(markup)
    parser.close()
    return "".join(parser.out).strip("\n")
