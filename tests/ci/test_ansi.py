"""Escape sequences out of CI logs, as runners really write them."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from server.hub.ci.ansi import strip


def test_colours_links_and_progress_redraws_leave_the_text_a_terminal_shows() -> None:
    # pytest's coloured summary, an OSC 8 hyperlink (GitLab), and npm's progress bar.
    raw = (
        "\x1b[31m\x1b[1mFAILED\x1b[0m tests/test_app.py::test_x - assert 1 == 2\r\n"
        "\x1b]8;;https://example.test/job\x1b\\job 7\x1b]8;;\x1b\\\n"
        "downloading 10%\rdownloading 50%\rdownloaded\n"
        "\x1b[0Ksection_start:1700000000:build\r\x1b[0Kbuild\n"
    )
    assert strip(raw) == (
        "FAILED tests/test_app.py::test_x - assert 1 == 2\njob 7\ndownloaded\nbuild\n"
    )


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=200))
def test_text_without_control_characters_is_left_as_it_is(text: str) -> None:
    assert strip(text) == text


@given(st.text(max_size=300))
def test_nothing_a_terminal_would_interpret_survives(text: str) -> None:
    out = strip(text)
    assert "\x1b" not in out and "\r" not in out
    assert strip(out) == out
