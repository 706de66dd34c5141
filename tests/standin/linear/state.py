"""The stand-in's workspace: entities as dicts, Linear's error entries, and the subset of
Linear's filter inputs the connector sends (anything else is a ``Gap``, never ignored)."""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from graphql import GraphQLError


class Gap(Exception):
    """The connector used something real Linear has that this stand-in does not implement."""


def linear_error(
    message: str,
    code: str,
    kind: str,
    status: int,
    *,
    nice: str | None = None,
    path: Sequence[str | int] | None = None,
) -> dict[str, Any]:
    """One entry of ``errors`` the way Linear writes it."""
    out: dict[str, Any] = {
        "message": message,
        "extensions": {
            "code": code,
            "type": kind,
            "statusCode": status,
            "userError": status < 500,
            "userPresentableMessage": nice or message,
        },
    }
    if path is not None:
        out["path"] = list(path)
    return out


class InputError(GraphQLError):
    """A resolver's refusal, carried into ``errors`` with Linear's extensions."""

    def __init__(self, message: str, nice: str) -> None:
        super().__init__(
            message,
            extensions={
                "code": "INPUT_ERROR",
                "type": "invalid input",
                "statusCode": 400,
                "userError": True,
                "userPresentableMessage": nice,
            },
        )


def not_found(entity: str) -> InputError:
    return InputError(f"Entity not found: {entity}", f"Could not find referenced {entity}.")


# -- state -------------------------------------------------------------------------------------
DEFAULT_STATES = (
    ("Backlog", "backlog"),
    ("Todo", "unstarted"),
    ("In Progress", "started"),
    ("In Review", "started"),
    ("Done", "completed"),
    ("Canceled", "canceled"),
    ("Duplicate", "canceled"),
)


@dataclass
class LinearState:
    """One workspace: its users, teams, workflow states, labels, cycles, issues, comments and
    notifications. Entities are dicts whose keys are the schema's scalar field names plus
    ``*Id`` links that the resolvers follow."""

    org: dict[str, Any] = field(
        default_factory=lambda: {"id": str(uuid.uuid4()), "name": "Acme", "urlKey": "acme"}
    )
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    teams: dict[str, dict[str, Any]] = field(default_factory=dict)  # by id
    states: dict[str, dict[str, Any]] = field(default_factory=dict)
    labels: dict[str, dict[str, Any]] = field(default_factory=dict)
    cycles: dict[str, dict[str, Any]] = field(default_factory=dict)
    issues: dict[str, dict[str, Any]] = field(default_factory=dict)
    comments: dict[str, dict[str, Any]] = field(default_factory=dict)
    notifications: list[dict[str, Any]] = field(default_factory=list)
    clock: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def stamp(self) -> str:
        """A strictly increasing timestamp, so "most recently updated" is well defined."""
        base = datetime(2026, 1, 1, tzinfo=UTC).timestamp() + next(self.clock)
        return datetime.fromtimestamp(base, UTC).isoformat().replace("+00:00", ".000Z")

    def add_user(self, name: str, email: str, *, display: str | None = None) -> dict[str, Any]:
        uid = str(uuid.uuid4())
        handle = display or name.split()[0].lower()
        user = {
            "id": uid,
            "name": name,
            "displayName": handle,
            "email": email,
            "active": True,
            "avatarUrl": f"https://avatars.example/{handle}.png",
            "url": f"https://linear.app/{self.org['urlKey']}/profiles/{handle}",
            "createdAt": self.stamp(),
        }
        self.users[uid] = user
        return user

    def add_team(
        self, key: str, name: str, *, members: Sequence[str] = (), private: bool = False
    ) -> dict[str, Any]:
        tid = str(uuid.uuid4())
        team = {
            "id": tid,
            "key": key,
            "name": name,
            "private": private,
            "memberIds": list(members),
            "createdAt": self.stamp(),
            "next": 1,
        }
        self.teams[tid] = team
        for pos, (sname, stype) in enumerate(DEFAULT_STATES):
            sid = str(uuid.uuid4())
            self.states[sid] = {
                "id": sid,
                "name": sname,
                "type": stype,
                "position": float(pos),
                "teamId": tid,
            }
        return team

    def team(self, key: str) -> dict[str, Any]:
        return next(t for t in self.teams.values() if t["key"] == key)

    def state(self, team_key: str, name: str) -> dict[str, Any]:
        tid = self.team(team_key)["id"]
        return next(s for s in self.states.values() if s["teamId"] == tid and s["name"] == name)

    def add_label(self, name: str, *, team: str | None = None, color: str = "#eb5757") -> str:
        lid = str(uuid.uuid4())
        tid = self.team(team)["id"] if team else None
        self.labels[lid] = {"id": lid, "name": name, "color": color, "teamId": tid}
        return lid

    def add_cycle(self, team: str, number: int, name: str | None = None) -> str:
        cid = str(uuid.uuid4())
        self.cycles[cid] = {"id": cid, "number": float(number), "name": name}
        self.team(team)["activeCycleId"] = cid
        return cid

    def add_issue(
        self,
        team: str,
        title: str,
        *,
        creator: str,
        assignee: str | None = None,
        state: str = "Todo",
        description: str | None = None,
        priority: int = 0,
        labels: Sequence[str] = (),
        cycle: str | None = None,
    ) -> dict[str, Any]:
        t = self.team(team)
        number = t["next"]
        t["next"] += 1
        iid = str(uuid.uuid4())
        identifier = f"{team}-{number}"
        now = self.stamp()
        issue = {
            "id": iid,
            "identifier": identifier,
            "number": float(number),
            "title": title,
            "description": description,
            "priority": float(priority),
            "url": f"https://linear.app/{self.org['urlKey']}/issue/{identifier}/"
            + re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-"),
            "createdAt": now,
            "updatedAt": now,
            "completedAt": None,
            "canceledAt": None,
            "teamId": t["id"],
            "stateId": self.state(team, state)["id"],
            "assigneeId": assignee,
            "creatorId": creator,
            "labelIds": list(labels),
            "cycleId": cycle,
        }
        self._stamp_state(issue)
        self.issues[iid] = issue
        return issue

    def add_comment(self, issue_id: str, body: str, *, user: str) -> dict[str, Any]:
        cid = str(uuid.uuid4())
        issue = self.issues[issue_id]
        comment = {
            "id": cid,
            "body": body,
            "url": f"{issue['url']}#comment-{cid[:8]}",
            "createdAt": self.stamp(),
            "issueId": issue_id,
            "userId": user,
        }
        self.comments[cid] = comment
        issue["updatedAt"] = comment["createdAt"]
        return comment

    def mention(self, user: str, issue_id: str, *, in_comment: bool = False) -> None:
        """``user`` was mentioned in the issue (its description, or a comment)."""
        now = self.stamp()
        self.notifications.append(
            {
                "__typename": "IssueNotification",
                "id": str(uuid.uuid4()),
                "type": "issueCommentMention" if in_comment else "issueMention",
                "userId": user,
                "issueId": issue_id,
                "createdAt": now,
                "updatedAt": now,
            }
        )

    def notify(self, user: str, issue_id: str, kind: str) -> None:
        """Any other issue notification (``issueAssignedToYou``, ``issueNewComment``, ...)."""
        now = self.stamp()
        self.notifications.append(
            {
                "__typename": "IssueNotification",
                "id": str(uuid.uuid4()),
                "type": kind,
                "userId": user,
                "issueId": issue_id,
                "createdAt": now,
                "updatedAt": now,
            }
        )

    def _stamp_state(self, issue: dict[str, Any]) -> None:
        kind = self.states[issue["stateId"]]["type"]
        issue["completedAt"] = issue["updatedAt"] if kind == "completed" else None
        issue["canceledAt"] = issue["updatedAt"] if kind == "canceled" else None

    def visible_team(self, team: dict[str, Any], viewer: str) -> bool:
        return not team["private"] or viewer in team["memberIds"]

    def find_issue(self, ref: str, viewer: str) -> dict[str, Any]:
        """By UUID or identifier; an issue of a private team the viewer is not in is hidden."""
        found = self.issues.get(ref) or next(
            (i for i in self.issues.values() if i["identifier"] == ref), None
        )
        if found is None or not self.visible_team(self.teams[found["teamId"]], viewer):
            raise not_found("Issue")
        return found


# -- filters -------------------------------------------------------------------------------------
#: (entity kind, filter key) -> (kind of the related entity, how to get it from the state).
Getter = Callable[[LinearState, dict[str, Any]], Any]
_RELATIONS: dict[tuple[str, str], tuple[str, Getter]] = {
    ("Issue", "state"): ("WorkflowState", lambda s, e: s.states[e["stateId"]]),
    ("Issue", "team"): ("Team", lambda s, e: s.teams[e["teamId"]]),
    ("Issue", "assignee"): ("User", lambda s, e: s.users.get(e["assigneeId"] or "")),
    ("Issue", "creator"): ("User", lambda s, e: s.users.get(e["creatorId"] or "")),
    ("IssueLabel", "team"): ("Team", lambda s, e: s.teams.get(e["teamId"] or "")),
    ("WorkflowState", "team"): ("Team", lambda s, e: s.teams[e["teamId"]]),
}
_SCALAR_FILTERS: dict[str, set[str]] = {
    "Issue": {"id", "title", "priority", "number"},
    "WorkflowState": {"id", "type", "name"},
    "Team": {"id", "key", "name"},
    "User": {"id", "name", "displayName", "email", "active"},
    "IssueLabel": {"id", "name"},
    "Notification": {"id", "type"},
}


def _compare(value: Any, cond: Mapping[str, Any], where: str) -> bool:
    ok = True
    for op, arg in cond.items():
        if arg is None:
            continue
        low = str(value).lower() if value is not None else None
        if op == "eq":
            ok &= value == arg
        elif op == "neq":
            ok &= value != arg
        elif op == "in":
            ok &= value in arg
        elif op == "nin":
            ok &= value not in arg
        elif op == "startsWithIgnoreCase":
            ok &= low is not None and low.startswith(str(arg).lower())
        elif op == "containsIgnoreCase":
            ok &= low is not None and str(arg).lower() in low
        elif op == "null":
            ok &= (value is None) == bool(arg)
        else:
            raise Gap(f"comparator {op!r} on {where}")
    return ok


def matches(
    s: LinearState, kind: str, entity: dict[str, Any] | None, flt: Mapping[str, Any]
) -> bool:
    """Does ``entity`` (of schema type ``kind``) satisfy the filter input ``flt``?"""
    for key, cond in flt.items():
        if cond is None:
            continue
        if key == "and":
            ok = all(matches(s, kind, entity, f) for f in cond)
        elif key == "or":
            ok = any(matches(s, kind, entity, f) for f in cond)
        elif key == "null":
            ok = (entity is None) == bool(cond)
        elif entity is None:
            ok = False
        elif (kind, key) in _RELATIONS:
            target_kind, get = _RELATIONS[(kind, key)]
            ok = matches(s, target_kind, get(s, entity), cond)
        elif key in _SCALAR_FILTERS.get(kind, set()):
            ok = _compare(entity.get(key), cond, f"{kind}.{key}")
        else:
            raise Gap(f"filter {kind}.{key}")
        if not ok:
            return False
    return True
