"""GitLab's note hook (its documented "Comment events" payloads, trimmed to the fields read)
becomes a comment on the merge request or the issue it is on; a comment on a commit or a
snippet is published under GitLab's own name."""

from __future__ import annotations

from typing import Any

from server.hub.events import EventKind
from server.web.hooks.mapping import gitlab

PROJECT = {"path_with_namespace": "group/app", "web_url": "https://gitlab.example.com/group/app"}


def _note(noteable: str, **extra: Any) -> dict[str, Any]:
    attrs = {"noteable_type": noteable, "url": "https://gitlab.example.com/group/app/-/n/1"}
    return {"object_kind": "note", "project": PROJECT, "object_attributes": attrs, **extra}


def test_a_comment_on_a_merge_request_or_an_issue() -> None:
    mr = gitlab("Note Hook", _note("MergeRequest", merge_request={"iid": 3, "title": "Fix"}), "d1")
    assert [(e.kind, e.subject, e.payload["title"]) for e in mr] == [
        (EventKind.PULL_REQUEST_COMMENTED, "group/app!3", "Fix")
    ]
    issue = gitlab("Note Hook", _note("Issue", issue={"iid": 9, "title": "Crash"}), "d2")
    assert [(e.kind, e.subject, e.payload["title"]) for e in issue] == [
        (EventKind.ISSUE_COMMENTED, "group/app#9", "Crash")
    ]
    assert issue[0].payload["host"] == "gitlab.example.com"


def test_a_comment_on_a_commit_keeps_gitlabs_name() -> None:
    (event,) = gitlab("Note Hook", _note("Commit", commit={"id": "abc"}), "d3")
    assert event.kind.startswith("gitlab.note")
