"""Snapshots of hover cards, lens titles and completion items."""

from __future__ import annotations

from lsprotocol import types

from connectors.sdk.models import (
    CheckConclusion,
    CheckRun,
    CheckSummary,
    Issue,
    ItemState,
    Label,
    PullRequest,
    RepoRef,
    ReviewState,
    User,
)
from server.lsp.cards import (
    checks_text,
    hover_card,
    issue_completion,
    lens_title,
    state_word,
    user_completion,
)
from tests.factories import numbered

REPO = RepoRef(host="github.com", owner="acme", name="app")
ALICE = User(login="alice", name="Alice A")
BOB = User(login="bob")


def summary(passed: int, failed: int = 0, pending: int = 0) -> CheckSummary:
    runs = (
        (CheckRun(name="ok", status="completed", conclusion=CheckConclusion.SUCCESS),) * passed
        + (CheckRun(name="bad", status="completed", conclusion=CheckConclusion.FAILURE),) * failed
        + (CheckRun(name="wait", status="queued", conclusion=CheckConclusion.PENDING),) * pending
    )
    return CheckSummary.from_runs("main", runs)


ISSUE = Issue(
    repo=REPO,
    ref=numbered(REPO, 123),
    title="Crash on `save` [x](javascript:alert(1))",
    state=ItemState.OPEN,
    url="https://github.com/acme/app/issues/123",
    author=BOB,
    labels=(Label(name="bug"), Label(name="ui"), Label(name="p1")),
    assignees=(ALICE, BOB),
    body="Steps:\n\n1. open <img src=x onerror=alert(1)>\n2. save",
    comments=3,
)


def pr(**kw: object) -> PullRequest:
    base: dict[str, object] = {
        "repo": REPO,
        "ref": numbered(REPO, 7, pull=True),
        "title": "Add export",
        "state": ItemState.OPEN,
        "url": "https://github.com/acme/app/pull/7",
        "author": ALICE,
        "head_ref": "feature/export",
        "base_ref": "main",
    }
    base.update(kw)
    return PullRequest.model_validate(base)


def test_issue_lens() -> None:
    assert lens_title(ISSUE) == "#123 open · bug, ui +1 · @alice…"
    plain = Issue(
        repo=REPO, ref=numbered(REPO, 5), title="t", state=ItemState.CLOSED, url="https://x"
    )
    assert lens_title(plain) == "#5 closed"


def test_pr_lenses() -> None:
    assert lens_title(pr(state=ItemState.CLOSED, merged=True, checks=summary(12))) == (
        "PR #7 merged · ✓ 12 checks"
    )
    assert lens_title(
        pr(review_state=ReviewState.CHANGES_REQUESTED, checks=summary(7, failed=2))
    ) == ("PR #7 open · changes requested · ✗ 2 of 9 checks failing")
    assert lens_title(pr(draft=True, checks=summary(1, pending=2))) == (
        "PR #7 draft · ⋯ 2 of 3 checks pending"
    )
    assert lens_title(pr(review_state=ReviewState.APPROVED, checks=summary(1))) == (
        "PR #7 open · approved · ✓ 1 check"
    )


def test_checks_text_without_checks() -> None:
    assert checks_text(None) == ""
    assert checks_text(CheckSummary(ref="main")) == ""


def test_state_words() -> None:
    assert state_word(pr(state=ItemState.MERGED)) == "merged"
    assert state_word(pr(state=ItemState.CLOSED, draft=True)) == "closed"


def test_issue_hover_card() -> None:
    assert hover_card(ISSUE) == (
        "**[#123](https://github.com/acme/app/issues/123)** "
        r"Crash on \`save\` \[x\]\(javascript:alert\(1\)\)"
        "\n\n*open* · by @bob · in acme/app · 3 comments"
        "\n\nLabels: `bug` `ui` `p1`"
        "\n\nAssignees: @alice, @bob"
        "\n\n---\n\nSteps:\n\n1. open <img>\n2. save"
        "\n\n---\n\n[Open on github.com](https://github.com/acme/app/issues/123)"
    )


def test_pr_hover_card() -> None:
    card = hover_card(
        pr(
            review_state=ReviewState.CHANGES_REQUESTED,
            requested_reviewers=(BOB,),
            checks=summary(7, failed=2),
        )
    )
    assert card == (
        "**[PR #7](https://github.com/acme/app/pull/7)** Add export"
        "\n\n*open* · by @alice · in acme/app"
        "\n\n`feature/export` → `main` · review: changes requested · requested: @bob"
        " · ✗ 2 of 9 checks failing"
        "\n\n---\n\n[Open on github.com](https://github.com/acme/app/pull/7)"
    )


def test_hostile_url_and_login_are_not_rendered() -> None:
    evil = Issue(
        repo=REPO,
        ref=numbered(REPO, 1),
        title="t",
        state=ItemState.OPEN,
        url="javascript:alert(1)",
        author=User(login="x](javascript:alert(1))"),
    )
    card = hover_card(evil)
    assert "](" not in card and "javascript:" not in card
    assert card.startswith("**#1** t")
    assert r"by @x\]javascriptalert1" in card


def test_issue_completion() -> None:
    item = issue_completion(ISSUE)
    assert item.label == "#123"
    assert item.insert_text == "#123"
    assert item.detail == "Crash on `save` [x](javascript:alert(1))"  # plain text, not Markdown
    assert item.label_details == types.CompletionItemLabelDetails(description="open")
    assert item.sort_text == f"{10**9 - 123:010d}"
    assert isinstance(item.documentation, types.MarkupContent)
    assert item.documentation.value == hover_card(ISSUE)
    other = issue_completion(pr(), insert="acme/app#7")
    assert other.insert_text == "acme/app#7"
    assert other.label_details == types.CompletionItemLabelDetails(description="PR open")


def test_user_completion() -> None:
    item = user_completion(ALICE)
    assert (item.label, item.detail, item.insert_text) == ("@alice", "Alice A", "@alice")
    assert user_completion(BOB).detail is None


def test_a_user_without_a_handle_is_shown_by_name() -> None:
    """A Jira Cloud accountId names a user to the API, but nobody writes it after ``@``."""
    opaque = User(login="5b10a2844c20165700ede21g", name="Mia Krystof", handle=False)
    item = ISSUE.model_copy(update={"assignees": (opaque,), "author": opaque, "labels": ()})
    assert lens_title(item) == "#123 open · Mia Krystof"
    assert "by Mia Krystof" in hover_card(item) and "5b10a284" not in hover_card(item)
