"""How a post becomes Discord messages: a fenced block with the language, a masked link back
to the file whose URL is in angle brackets (no embed), and splitting at 2,000 characters."""

from __future__ import annotations

import pytest

from connectors.discord.format import LIMIT, MAX_MESSAGES, language, render, split_lines
from connectors.sdk import InvalidRequest
from connectors.sdk.chat import CodeBlock, Post

URL = "https://github.com/octo/app/blob/abc123/src/app.py#L3-L7"


def test_code_with_its_language_and_a_link_back_in_one_message() -> None:
    code = CodeBlock(
        body="def f():\n    return 1\n",
        language="python",
        path="src/app.py",
        line=3,
        end_line=7,
        url=URL,
    )
    (msg,) = render(Post(text="Look at this", code=code))
    assert msg == (
        f"Look at this\n[src/app.py:3-7](<{URL}>)\n```python\ndef f():\n    return 1\n```"
    )


def test_a_path_without_url_and_a_single_line() -> None:
    (msg,) = render(Post(code=CodeBlock(body="x", language="rust", path="a.rs", line=9)))
    assert msg == "`a.rs:9`\n```rust\nx\n```"


@pytest.mark.parametrize(
    ("lsp", "fence"),
    [
        ("typescriptreact", "tsx"),
        ("shellscript", "bash"),
        ("plaintext", ""),
        ("go", "go"),
        ("c++ ; rm", ""),
        ("csharp", "csharp"),
    ],
)
def test_lsp_language_ids_become_highlight_names(lsp: str, fence: str) -> None:
    assert language(lsp) == fence


def test_a_fence_inside_the_code_cannot_close_the_block() -> None:
    (msg,) = render(Post(code=CodeBlock(body="```\nnot the end\n```", language="markdown")))
    assert msg.count("```") == 2 and msg.startswith("```markdown\n") and msg.endswith("\n```")


def test_a_long_post_is_split_into_complete_fenced_blocks_at_line_ends() -> None:
    lines = [f"line_{n:04d} = {n}  # padding padding padding" for n in range(120)]
    body = "\n".join(lines)
    code = CodeBlock(body=body, language="python", path="big.py", line=1, url=URL)
    messages = render(Post(text="A big one", code=code))
    assert len(messages) > 1
    assert all(len(m) <= LIMIT for m in messages)
    assert messages[0].startswith(f"A big one\n[big.py:1](<{URL}>)\n```python\n")
    blocks = []
    for m in messages:
        fenced = m[m.index("```python\n") :]
        assert fenced.endswith("\n```")
        blocks.append(fenced[len("```python\n") : -len("\n```")])
    assert "\n".join(blocks).split("\n") == lines  # every line, whole, in order


def test_a_line_longer_than_a_message_is_cut() -> None:
    chunks = split_lines("a" * 25 + "\nb", 10)
    assert chunks == ["a" * 10, "a" * 10, "a" * 5 + "\nb"]
    assert split_lines("aa\nbb\ncc", 10, first=2) == ["aa", "bb\ncc"]


def test_long_text_alone_is_split_at_spaces() -> None:
    words = " ".join(f"word{n}" for n in range(700))
    messages = render(Post(text=words))
    assert len(messages) > 1 and all(len(m) <= LIMIT for m in messages)
    assert " ".join(messages).split() == words.split()


def test_an_empty_or_an_enormous_post_is_refused() -> None:
    with pytest.raises(InvalidRequest, match="empty"):
        render(Post(text="  "))
    huge = CodeBlock(body="\n".join("x" * 80 for _ in range(LIMIT // 80 * (MAX_MESSAGES + 1))))
    with pytest.raises(InvalidRequest, match="smaller selection"):
        render(Post(code=huge))


@pytest.mark.parametrize("seed", range(30))
def test_any_split_keeps_every_character_within_the_limit(seed: int) -> None:
    import random

    rng = random.Random(seed)
    lines = ["x" * rng.choice([0, 1, 40, 120, 1999, 2500]) for _ in range(rng.randint(1, 6))]
    body = "\n".join(lines).strip("\n") or "x"
    text = " ".join("w" * rng.randint(1, 30) for _ in range(rng.randint(0, 150)))
    messages = render(Post(text=text, code=CodeBlock(body=body, language="py")))
    assert all(len(m) <= LIMIT for m in messages)
    code = [m[m.index("```py\n") + 6 : -4] for m in messages if "```py\n" in m]
    assert "".join(code).replace("\n", "") == body.replace("\n", "")
