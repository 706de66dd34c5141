"""Trello (trello.com): cards on boards, their lists as a workflow, for the signed-in member."""
