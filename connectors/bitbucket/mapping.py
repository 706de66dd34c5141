"""Bitbucket's words in Tieline's: pull request and issue states, review state from
participants, build statuses, pipeline and step states, and ``bitbucket-pipelines.yml``'s
custom pipelines as triggers.

Pure functions of wire models, kept apart from the connector so each rule reads (and is
tested) on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from connectors.sdk import CheckConclusion, CheckRun, ItemState, ReviewState, User
from connectors.sdk.ci import RunStatus, Trigger, TriggerInput

from .models import BbAccount, BbCommitStatus, BbParticipant, BbPullRequest, BbState

#: Issue states that are still open work (Bitbucket's issue tracker has nine states).
OPEN_ISSUE_STATES = ("new", "open", "submitted", "on hold")


def user(a: BbAccount | None) -> User | None:
    """An account as a user. ``nickname`` is what follows ``@`` in Bitbucket's editor, but a
    mention is stored by account id, so the login is a handle only when it is a nickname.
    Bitbucket Cloud shows no one's e-mail (its ``account`` and ``user`` objects have none),
    so ``email`` stays ``None`` and chat presence falls back to ``chat.reviewer_emails``."""
    if a is None:
        return None
    return User(
        login=a.login,
        name=a.display_name,
        url=a.links.web,
        avatar_url=a.links.avatar.href if a.links.avatar else None,
        handle=bool(a.nickname or a.username),
    )


def users(accounts: Sequence[BbAccount]) -> tuple[User, ...]:
    return tuple(u for u in (user(a) for a in accounts) if u is not None)


def pr_state(pr: BbPullRequest) -> ItemState:
    """``MERGED``; ``DECLINED`` and ``SUPERSEDED`` are closed; an open draft is a draft."""
    if pr.state == "MERGED":
        return ItemState.MERGED
    if pr.state in ("DECLINED", "SUPERSEDED"):
        return ItemState.CLOSED
    return ItemState.DRAFT if pr.draft else ItemState.OPEN


def issue_state(state: str) -> ItemState:
    return ItemState.OPEN if state in OPEN_ISSUE_STATES else ItemState.CLOSED


def review_state(
    participants: Sequence[BbParticipant], reviewers: Sequence[BbAccount]
) -> ReviewState:
    """Where review stands: a reviewer's "request changes" blocks first, then any approval
    approves (Bitbucket's merge checks may ask for more, which the API does not say), then
    named reviewers who have not approved mean review is required."""
    if any(p.state == "changes_requested" for p in participants):
        return ReviewState.CHANGES_REQUESTED
    if any(p.approved for p in participants):
        return ReviewState.APPROVED
    if reviewers or any(p.role == "REVIEWER" for p in participants):
        return ReviewState.REVIEW_REQUIRED
    return ReviewState.NONE


# -- build statuses ----------------------------------------------------------------------------
_STATUS = {
    "SUCCESSFUL": CheckConclusion.SUCCESS,
    "FAILED": CheckConclusion.FAILURE,
    "STOPPED": CheckConclusion.CANCELLED,
    "INPROGRESS": CheckConclusion.PENDING,
}


def status_run(s: BbCommitStatus) -> CheckRun:
    """A build status (Pipelines' own or another CI's) as a check run."""
    conclusion = _STATUS.get(s.state, CheckConclusion.NEUTRAL)
    return CheckRun(
        name=s.name or s.key,
        status="in_progress" if s.state == "INPROGRESS" else "completed",
        conclusion=conclusion,
        url=s.url,
        started_at=s.created_on,
        completed_at=None if s.state == "INPROGRESS" else s.updated_on,
    )


def latest_statuses(statuses: Sequence[BbCommitStatus]) -> list[BbCommitStatus]:
    """One status per key, the newest: a re-run build reports again under the same key."""
    newest: dict[str, BbCommitStatus] = {}
    for s in statuses:
        seen = newest.get(s.key)
        if seen is None or (s.updated_on and seen.updated_on and s.updated_on > seen.updated_on):
            newest[s.key] = s
    return list(newest.values())


# -- pipelines and steps ----------------------------------------------------------------------
_RESULT = {
    "SUCCESSFUL": CheckConclusion.SUCCESS,
    "FAILED": CheckConclusion.FAILURE,
    "ERROR": CheckConclusion.FAILURE,
    "STOPPED": CheckConclusion.CANCELLED,
    "EXPIRED": CheckConclusion.TIMED_OUT,
    "NOT_RUN": CheckConclusion.SKIPPED,
    "SKIPPED": CheckConclusion.SKIPPED,
}


def run_status(state: BbState) -> RunStatus:
    """PENDING/READY are queued; IN_PROGRESS runs unless its stage is PAUSED or HALTED (a
    manual step or a deployment waiting for someone); COMPLETED is done."""
    if state.name == "COMPLETED":
        return RunStatus.COMPLETED
    if state.name == "IN_PROGRESS":
        stage = state.stage.name if state.stage else "RUNNING"
        return RunStatus.WAITING if stage in ("PAUSED", "HALTED") else RunStatus.RUNNING
    if state.name == "PAUSED":
        return RunStatus.WAITING
    return RunStatus.QUEUED


def conclusion(state: BbState) -> CheckConclusion:
    if state.name != "COMPLETED":
        return CheckConclusion.PENDING
    result = state.result.name if state.result else ""
    return _RESULT.get(result, CheckConclusion.NEUTRAL)


# -- custom pipelines as triggers ---------------------------------------------------------------
def custom_triggers(config: Any, *, url: str | None = None) -> list[Trigger]:
    """``pipelines.custom`` of a parsed ``bitbucket-pipelines.yml``: each custom pipeline is a
    list whose first item may be ``{"variables": [{"name", "default", "allowed-values",
    "description"}]}`` -- the variables Bitbucket asks for when the pipeline is run by hand."""
    pipelines = config.get("pipelines") if isinstance(config, dict) else None
    custom = pipelines.get("custom") if isinstance(pipelines, dict) else None
    if not isinstance(custom, dict):
        return []
    out: list[Trigger] = []
    for name, items in custom.items():
        inputs: list[TriggerInput] = []
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and isinstance(item.get("variables"), list):
                inputs += [
                    _input(v) for v in item["variables"] if isinstance(v, dict) and v.get("name")
                ]
        out.append(Trigger(id=str(name), name=str(name), inputs=tuple(inputs), url=url))
    return out


def _input(v: dict[str, Any]) -> TriggerInput:
    allowed = v.get("allowed-values")
    options = tuple(str(o) for o in allowed) if isinstance(allowed, list) else ()
    default = v.get("default")
    return TriggerInput(
        name=str(v["name"]),
        description=str(v.get("description") or ""),
        type="choice" if options else "string",
        # Bitbucket's "Run pipeline" dialog asks for every variable and fills in the ones
        # with a default (bitbucket.org/blog, "Introducing default values for custom
        # pipeline variables", 2021): one without a default is the person's to give.
        required=default is None,
        default=None if default is None else str(default),
        options=options,
    )
