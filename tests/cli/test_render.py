"""Tables that fit, text made safe for a terminal, colour only when on, and a mirrored part
of the index that no longer fits being refetched rather than trusted."""

from __future__ import annotations

import io

from hypothesis import given
from hypothesis import strategies as st

from connectors.sdk.models import ItemRef
from server.hub.sync.syncers import Index, Issues, PipelineRuns, PullRequests
from server.verbs.base import colour_wanted
from server.verbs.render import Cell, Style, cell_width, clean, cut, table


def test_the_title_column_is_cut_to_fit() -> None:
    rows = [["GitHub", "octo/app#1", "A title far too long for a narrow terminal to show", "open"]]
    lines = table(["SERVICE", "REF", "TITLE", "STATE"], rows, width=50, flex=2, style=Style(False))
    assert all(cell_width(line) <= 50 for line in lines)
    assert lines[1].startswith("GitHub   octo/app#1  A title") and "…" in lines[1]
    assert lines[1].rstrip().endswith("open")  # the other columns are whole


def test_wide_characters_count_two_columns() -> None:
    assert cell_width("課題") == 4 and cell_width("e\u0301") == 1
    assert cell_width(cut("課題の一覧を表示する", 7)) <= 7


@given(st.text(), st.integers(min_value=1, max_value=80))
def test_cut_never_exceeds_the_width(text: str, width: int) -> None:
    assert cell_width(cut(clean(text), width)) <= width


@given(st.text())
def test_clean_leaves_no_control_character(text: str) -> None:
    out = clean(text)
    assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in out)


def test_colour_only_when_on() -> None:
    assert Style(True)("x", "red") == "\x1b[31mx\x1b[0m"
    assert Style(False)("x", "red") == "x"
    coloured = table(["A"], [[Cell("x", "red")]], width=80, flex=0, style=Style(True))
    assert coloured == ["\x1b[1mA\x1b[0m", "\x1b[31mx\x1b[0m"]


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_wanted_on_a_terminal_without_no_color() -> None:
    assert colour_wanted(_Tty(), {}) is True
    assert colour_wanted(_Tty(), {"NO_COLOR": "1"}) is False
    assert colour_wanted(io.StringIO(), {}) is False


def test_a_mirrored_view_that_does_not_fit_is_refused() -> None:
    idx = Index(lists={"issues.assigned": ["a"]})
    for syncer, bad in (
        (Issues(), {"lists": {"issues.assigned": [1, 2]}}),
        (Issues(), {"lists": "nope"}),
        (PullRequests(), {"lists": {}, "branch_pulls": {"o/r@b": {"title": 3}}}),
        (PipelineRuns(), {"branches": {"o/r@b": [{"name": "x"}]}}),
        (PipelineRuns(), {}),
    ):
        assert syncer.load(idx, bad) is False
    assert idx.lists == {"issues.assigned": ["a"]}  # nothing was changed


def test_a_dumped_view_loads_back() -> None:
    ref = ItemRef(connector="github", host="github.com", scope="o/r", key="#1", number=1)
    idx = Index(lists={"issues.assigned": [ref.id], "pulls.mine": []})
    data = Issues().dump(idx)
    other = Index()
    assert Issues().load(other, data) and other.lists == {"issues.assigned": [ref.id]}
