"""A :class:`~connectors.sdk.chat.Post` written as Discord messages.

Discord renders Markdown: the code goes in a fenced block with the language (highlight.js
names, mostly LSP's language ids), and the link back to the file is a masked link whose URL
is in angle brackets, so Discord shows no embed of the code host's page beneath the code.

A bot's or webhook's message holds at most 2,000 characters. A post that does not fit is
*split* into several messages, each a complete fenced block cut at line ends (a line longer
than a message is cut where it must be), rather than attached as a file: split messages
stay readable and highlighted in the channel, on every client, with no download. A post
longer than :data:`MAX_MESSAGES` messages is refused: that is a file to share, not a chat.
"""

from __future__ import annotations

from connectors.sdk import InvalidRequest
from connectors.sdk.chat import CodeBlock, Post

#: Discord's limit on a message's ``content`` (characters) for bots and webhooks.
LIMIT = 2000
#: The most messages one post may become.
MAX_MESSAGES = 10
FENCE = "```"
#: The least room for code worth starting it in the message that carries the text.
MIN_SHARE = 200
#: LSP language ids whose highlight.js name differs; the rest are the same word.
_LANGUAGES = {
    "typescriptreact": "tsx",
    "javascriptreact": "jsx",
    "shellscript": "bash",
    "plaintext": "",
    "jsonc": "json",
    "objective-c": "objectivec",
    "objective-cpp": "objectivec",
    "dockerfile": "dockerfile",
    "makefile": "makefile",
}


def language(lsp_id: str) -> str:
    """The fence's language for an LSP language id (empty: no highlighting)."""
    lang = lsp_id.strip().lower()
    lang = _LANGUAGES.get(lang, lang)
    return lang if lang.replace("-", "").replace("+", "").replace("#", "").isalnum() else ""


def defuse(body: str) -> str:
    """Code with every triple backtick broken by a zero-width space, so a fence inside the
    code (a Markdown file's own) cannot end the block early."""
    return body.replace(FENCE, "`\u200b``")


def source_line(code: CodeBlock) -> str:
    """``[src/app.py:3-7](<url>)``, or the path alone when there is no URL; empty without a
    path."""
    if not code.path:
        return f"<{code.url}>" if code.url else ""
    where = code.path
    if code.line is not None:
        where += f":{code.line}"
        if code.end_line is not None and code.end_line > code.line:
            where += f"-{code.end_line}"
    label = where.replace("[", "(").replace("]", ")")
    return f"[{label}](<{code.url}>)" if code.url else f"`{label}`"


def render(post: Post, *, limit: int = LIMIT) -> list[str]:
    """The messages to send for ``post``, in order, each at most ``limit`` characters."""
    if post.empty:
        raise InvalidRequest("Discord: nothing to send (the message is empty)")
    code = post.code if post.code is not None and post.code.body.strip() else None
    head = "\n".join(p for p in (post.text.strip(), source_line(code) if code else "") if p)
    if code is None:
        return _bounded(split_text(head, limit))
    opening, closing = f"{FENCE}{language(code.language)}\n", f"\n{FENCE}"
    body = defuse(code.body.strip("\n"))
    whole = (f"{head}\n" if head else "") + opening + body + closing
    if len(whole) <= limit:
        return [whole]
    budget = limit - len(opening) - len(closing)
    messages = split_text(head, limit) if head else []
    # The code starts in the text's last message when a useful share of it fits there.
    room = budget - (len(messages[-1]) + 1 if messages else 0)
    first = room if messages and room >= MIN_SHARE else budget
    blocks = [opening + c + closing for c in split_lines(body, budget, first=first)]
    if messages and first == room:
        messages[-1] += "\n" + blocks.pop(0)
    return _bounded(messages + blocks)


def _bounded(messages: list[str]) -> list[str]:
    if len(messages) > MAX_MESSAGES:
        raise InvalidRequest(
            f"Discord: this is {len(messages)} messages long (at most {MAX_MESSAGES} of "
            f"{LIMIT} characters); share a smaller selection"
        )
    return messages


def split_text(text: str, limit: int) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, cut at a line end, else a space,
    else wherever the limit falls."""
    out: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit + 1)
        if cut <= 0:
            cut = rest.rfind(" ", 0, limit + 1)
        if cut <= 0:
            cut = limit
        out.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    if rest:
        out.append(rest)
    return out


def split_lines(body: str, limit: int, *, first: int | None = None) -> list[str]:
    """Code in chunks of whole lines of at most ``limit`` characters (the first chunk at most
    ``first``; a longer line is cut into pieces); indentation and blank lines are kept."""
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for line in body.split("\n"):
        cap = limit if chunks or first is None else min(first, limit)
        pieces = [line[i : i + cap] for i in range(0, len(line), cap)] or [""]
        for piece in pieces:
            cap = limit if chunks or first is None else min(first, limit)
            extra = len(piece) + (1 if current else 0)
            if (current and size + extra > cap) or len(piece) > cap:
                if current:
                    chunks.append("\n".join(current))
                current, size = [], 0
                extra = len(piece)
            current.append(piece)
            size += extra
    if current:
        chunks.append("\n".join(current))
    return chunks
