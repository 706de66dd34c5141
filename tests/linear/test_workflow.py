"""Workflow: a Linear issue may move to any workflow state of its team."""

from __future__ import annotations

import pytest

from connectors.linear.connector import LinearConnector
from connectors.sdk import InvalidRequest, ItemRef, ItemState, NotFound, StatusCategory
from server.hub.http import HubClient

from .helpers import Workspace

Conn = tuple[LinearConnector, HubClient]
ENG_1 = ItemRef.keyed("linear", "linear.app", "ENG-1")


async def test_transitions_are_the_other_states_in_workflow_order(
    ws: Workspace, conn: Conn
) -> None:
    ws.state.add_issue("ENG", "x", creator=ws.ada["id"], state="Todo")
    linear, _ = conn
    moves = await linear.transitions(ENG_1)
    assert [m.name for m in moves] == [
        "Backlog",
        "In Progress",
        "In Review",
        "Done",
        "Canceled",
        "Duplicate",
    ]
    assert [m.to.category for m in moves] == [
        StatusCategory.TODO,
        StatusCategory.IN_PROGRESS,
        StatusCategory.IN_PROGRESS,
        StatusCategory.DONE,
        StatusCategory.DONE,
        StatusCategory.DONE,
    ]
    assert moves[1].id == ws.state.state("ENG", "In Progress")["id"]


async def test_transition_moves_the_issue_and_closes_it_when_done(
    ws: Workspace, conn: Conn
) -> None:
    ws.state.add_issue("ENG", "x", creator=ws.ada["id"])
    linear, _ = conn
    moves = {m.name: m.id for m in await linear.transitions(ENG_1)}
    started = await linear.transition(ENG_1, moves["In Progress"])
    assert started.state is ItemState.OPEN
    assert started.status is not None and started.status.name == "In Progress"
    done = await linear.transition(ENG_1, moves["Done"])
    assert done.state is ItemState.CLOSED and done.closed_at is not None
    assert (await linear.get_issue(ENG_1)).status.name == "Done"  # type: ignore[union-attr]
    back = {m.name: m.id for m in await linear.transitions(ENG_1)}
    reopened = await linear.transition(ENG_1, back["Todo"])
    assert reopened.state is ItemState.OPEN and reopened.closed_at is None


async def test_a_state_of_another_team_is_refused(ws: Workspace, conn: Conn) -> None:
    ws.state.add_issue("ENG", "x", creator=ws.ada["id"])
    linear, _ = conn
    with pytest.raises(NotFound, match="WorkflowState"):
        await linear.transition(ENG_1, ws.state.state("OPS", "Done")["id"])
    with pytest.raises(InvalidRequest):
        await linear.transition(ENG_1, "")


async def test_transitions_of_a_missing_issue(ws: Workspace, conn: Conn) -> None:
    linear, _ = conn
    with pytest.raises(NotFound):
        await linear.transitions(ENG_1)
