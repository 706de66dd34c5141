"""Linear GraphQL wire types: the subset of the schema the documents in ``queries/`` select.

Field names follow Linear's camelCase through an alias generator, so Python reads
``issue.created_at`` while the wire says ``createdAt``. Unknown fields are ignored (a new
field never breaks parsing); a field the documents select as non-null that goes missing fails
loudly, because it means the schema moved under us.
"""

from __future__ import annotations

from datetime import datetime
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class _Wire(BaseModel):
    model_config = ConfigDict(
        extra="ignore", frozen=True, alias_generator=to_camel, populate_by_name=True
    )


T = TypeVar("T", bound=BaseModel)


class LnPageInfo(_Wire):
    has_next_page: bool = False
    end_cursor: str | None = None


class LnConnection(_Wire, Generic[T]):
    """A Relay connection's ``nodes`` and, where selected, its ``pageInfo``."""

    nodes: tuple[T, ...] = ()
    page_info: LnPageInfo | None = None


class LnUser(_Wire):
    id: str
    name: str
    display_name: str | None = None
    email: str | None = None
    avatar_url: str | None = None
    url: str | None = None


class LnOrganization(_Wire):
    id: str
    name: str
    url_key: str


class LnViewer(LnUser):
    organization: LnOrganization


class LnState(_Wire):
    """A workflow state. ``type`` is one of triage, backlog, unstarted, started, completed,
    canceled (a string in the schema, so unknown future types still parse)."""

    id: str | None = None
    name: str
    type: str
    position: float | None = None


class LnLabel(_Wire):
    id: str | None = None
    name: str
    color: str | None = None


class LnCycle(_Wire):
    number: float
    name: str | None = None


class LnTeamKey(_Wire):
    id: str | None = None
    key: str


class LnIdOnly(_Wire):
    id: str


class LnIssue(_Wire):
    id: str
    identifier: str
    title: str
    description: str | None = None
    priority: float = 0
    url: str
    created_at: datetime | None = None
    updated_at: datetime | None = None
    completed_at: datetime | None = None
    canceled_at: datetime | None = None
    state: LnState
    assignee: LnUser | None = None
    creator: LnUser | None = None
    labels: LnConnection[LnLabel] = LnConnection[LnLabel]()
    cycle: LnCycle | None = None
    team: LnTeamKey
    #: Only ``get_issue`` selects comments (their ids stand in for a count).
    comments: LnConnection[LnIdOnly] | None = None


class LnIssueRef(_Wire):
    id: str
    identifier: str


class LnComment(_Wire):
    id: str
    body: str
    url: str | None = None
    created_at: datetime | None = None
    user: LnUser | None = None


class LnTeamStates(_Wire):
    key: str
    states: LnConnection[LnState]


class LnIssueStates(_Wire):
    """An issue's current state and its team's workflow (``issue_states.graphql``)."""

    id: str
    state: LnIdOnly
    team: LnTeamStates


class LnCreateContext(_Wire):
    """``create_context.graphql``: the team (by key) and the labels found by name."""

    teams: LnConnection[LnTeamKey]
    issue_labels: LnConnection[LnLabel] | None = None


class LnIssuePayload(_Wire):
    success: bool
    issue: LnIssue | None = None


class LnCommentPayload(_Wire):
    success: bool
    comment: LnComment


class LnIssueNotification(_Wire):
    """A notification node: only ``IssueNotification`` carries an issue (the document selects
    nothing from other notification types, which then arrive as empty objects)."""

    issue: LnIssue | None = None
