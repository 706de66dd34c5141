"""Field resolvers over ``LinearState``: graphql-core executes a query with these (keyed by
parent type and field) and its default resolver (dict keys) for everything else."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLResolveInfo, default_field_resolver

from ..kit import BadRequest, connection
from .state import Gap, InputError, LinearState, matches, not_found

Json = Any


@dataclass
class Ctx:
    """What every resolver sees: the workspace and the signed-in user's id."""

    state: LinearState
    viewer: str


Info = GraphQLResolveInfo[Ctx]


Resolver = Callable[..., Any]
RESOLVERS: dict[tuple[str, str], Resolver] = {}


def resolves(type_name: str, field_name: str) -> Callable[[Resolver], Resolver]:
    def register(fn: Resolver) -> Resolver:
        RESOLVERS[(type_name, field_name)] = fn
        return fn

    return register


def _ctx(info: Info) -> Ctx:
    return info.context


def field_resolver(source: Any, info: Info, **args: Any) -> Any:
    fn = RESOLVERS.get((info.parent_type.name, info.field_name))
    if fn is not None:
        return fn(source, info, **args)
    return default_field_resolver(source, info, **args)


_PAGING = {"first", "after", "filter", "orderBy", "includeArchived"}


def _page(
    items: list[dict[str, Any]],
    args: Mapping[str, Any],
    *,
    kind: str | None = None,
    info: Info,
) -> dict[str, Any]:
    """Filter, order (newest first by ``orderBy``, default ``createdAt``) and page ``items``."""
    unknown = {k for k, v in args.items() if v is not None} - _PAGING
    if unknown:
        raise Gap(f"arguments {sorted(unknown)} of {info.parent_type.name}.{info.field_name}")
    if args.get("last") is not None or args.get("before") is not None:
        raise Gap("backward paging")
    s = _ctx(info).state
    if args.get("filter") and kind is not None:
        items = [e for e in items if matches(s, kind, e, args["filter"])]
    order = args.get("orderBy") or "createdAt"
    items = sorted(items, key=lambda e: e.get(order) or "", reverse=True)
    try:
        return connection(items, first=args.get("first"), after=args.get("after"))
    except BadRequest:  # a cursor this list never handed out (Linear's answer: undocumented)
        raise InputError("Argument Validation Error", "Invalid pagination cursor.") from None


def _visible_issues(ctx: Ctx) -> list[dict[str, Any]]:
    s = ctx.state
    return [i for i in s.issues.values() if s.visible_team(s.teams[i["teamId"]], ctx.viewer)]


@resolves("Query", "viewer")
def _viewer(_: Any, info: Info) -> dict[str, Any]:
    c = _ctx(info)
    return c.state.users[c.viewer]


@resolves("User", "organization")
def _organization(_: Any, info: Info) -> dict[str, Any]:
    return _ctx(info).state.org


@resolves("User", "assignedIssues")
def _assigned(user: dict[str, Any], info: Info, **args: Any) -> Json:
    mine = [i for i in _visible_issues(_ctx(info)) if i["assigneeId"] == user["id"]]
    return _page(mine, args, kind="Issue", info=info)


@resolves("User", "createdIssues")
def _created(user: dict[str, Any], info: Info, **args: Any) -> Json:
    mine = [i for i in _visible_issues(_ctx(info)) if i["creatorId"] == user["id"]]
    return _page(mine, args, kind="Issue", info=info)


@resolves("Query", "issue")
def _issue(_: Any, info: Info, id: str) -> dict[str, Any]:
    c = _ctx(info)
    return c.state.find_issue(id, c.viewer)


@resolves("Query", "issues")
def _issues(_: Any, info: Info, **args: Any) -> Json:
    return _page(_visible_issues(_ctx(info)), args, kind="Issue", info=info)


@resolves("Query", "teams")
def _teams(_: Any, info: Info, **args: Any) -> Json:
    c = _ctx(info)
    teams = [t for t in c.state.teams.values() if c.state.visible_team(t, c.viewer)]
    return _page(teams, args, kind="Team", info=info)


@resolves("Query", "users")
def _users(_: Any, info: Info, **args: Any) -> Json:
    return _page(list(_ctx(info).state.users.values()), args, kind="User", info=info)


@resolves("Query", "issueLabels")
def _issue_labels(_: Any, info: Info, **args: Any) -> Json:
    return _page(list(_ctx(info).state.labels.values()), args, kind="IssueLabel", info=info)


@resolves("Query", "notifications")
def _notifications(_: Any, info: Info, **args: Any) -> Json:
    c = _ctx(info)
    mine = [n for n in c.state.notifications if n["userId"] == c.viewer]
    return _page(mine, args, kind="Notification", info=info)


@resolves("IssueNotification", "issue")
def _notification_issue(n: dict[str, Any], info: Info) -> dict[str, Any]:
    return _ctx(info).state.issues[n["issueId"]]


@resolves("Issue", "state")
def _issue_state(i: dict[str, Any], info: Info) -> dict[str, Any]:
    return _ctx(info).state.states[i["stateId"]]


@resolves("Issue", "team")
def _issue_team(i: dict[str, Any], info: Info) -> dict[str, Any]:
    return _ctx(info).state.teams[i["teamId"]]


@resolves("Issue", "assignee")
def _issue_assignee(i: dict[str, Any], info: Info) -> dict[str, Any] | None:
    return _ctx(info).state.users.get(i["assigneeId"] or "")


@resolves("Issue", "creator")
def _issue_creator(i: dict[str, Any], info: Info) -> dict[str, Any] | None:
    return _ctx(info).state.users.get(i["creatorId"] or "")


@resolves("Issue", "cycle")
def _issue_cycle(i: dict[str, Any], info: Info) -> dict[str, Any] | None:
    return _ctx(info).state.cycles.get(i["cycleId"] or "")


@resolves("Issue", "labels")
def _issue_labels_of(i: dict[str, Any], info: Info, **args: Any) -> Json:
    s = _ctx(info).state
    return _page([s.labels[lid] for lid in i["labelIds"]], args, kind="IssueLabel", info=info)


@resolves("Issue", "comments")
def _issue_comments(i: dict[str, Any], info: Info, **args: Any) -> Json:
    mine = [c for c in _ctx(info).state.comments.values() if c["issueId"] == i["id"]]
    return _page(mine, args, info=info)


@resolves("Comment", "user")
def _comment_user(c: dict[str, Any], info: Info) -> dict[str, Any] | None:
    return _ctx(info).state.users.get(c["userId"] or "")


@resolves("Team", "states")
def _team_states(t: dict[str, Any], info: Info, **args: Any) -> Json:
    s = _ctx(info).state
    mine = [st for st in s.states.values() if st["teamId"] == t["id"]]
    return _page(mine, args, kind="WorkflowState", info=info)


@resolves("Team", "members")
def _team_members(t: dict[str, Any], info: Info, **args: Any) -> Json:
    s = _ctx(info).state
    return _page([s.users[u] for u in t["memberIds"]], args, kind="User", info=info)


@resolves("Mutation", "issueCreate")
def _issue_create(_: Any, info: Info, input: dict[str, Any]) -> Json:
    c = _ctx(info)
    s = c.state
    extra = set(input) - {"teamId", "title", "description", "labelIds"}
    if extra:
        raise Gap(f"IssueCreateInput fields {sorted(extra)}")
    team = s.teams.get(input["teamId"])
    if team is None or not s.visible_team(team, c.viewer):
        raise not_found("Team")
    if not input.get("title"):
        raise InputError("Argument Validation Error", "Title is required.")
    for lid in input.get("labelIds") or ():
        label = s.labels.get(lid)
        if label is None or label["teamId"] not in (None, team["id"]):
            raise not_found("IssueLabel")
    issue = s.add_issue(
        team["key"],
        input["title"],
        creator=c.viewer,
        description=input.get("description"),
        labels=input.get("labelIds") or (),
    )
    return {"success": True, "lastSyncId": 1.0, "issue": issue}


@resolves("Mutation", "issueUpdate")
def _issue_update(_: Any, info: Info, id: str, input: dict[str, Any]) -> Json:
    c = _ctx(info)
    s = c.state
    issue = s.find_issue(id, c.viewer)
    if set(input) - {"stateId"}:
        raise Gap(f"IssueUpdateInput fields {sorted(set(input) - {'stateId'})}")
    target = s.states.get(input["stateId"] or "")
    if target is None or target["teamId"] != issue["teamId"]:
        raise not_found("WorkflowState")
    issue["stateId"] = target["id"]
    issue["updatedAt"] = s.stamp()
    s._stamp_state(issue)
    return {"success": True, "lastSyncId": 2.0, "issue": issue}


_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@resolves("Mutation", "commentCreate")
def _comment_create(_: Any, info: Info, input: dict[str, Any]) -> Json:
    c = _ctx(info)
    s = c.state
    if set(input) - {"issueId", "body"}:
        raise Gap(f"CommentCreateInput fields {sorted(set(input) - {'issueId', 'body'})}")
    issue_id = input.get("issueId") or ""
    if not _UUID.match(issue_id):  # see the module docstring: UUIDs only, on purpose
        raise not_found("Issue")
    issue = s.find_issue(issue_id, c.viewer)
    if not input.get("body"):
        raise InputError("Argument Validation Error", "Comment body is required.")
    comment = s.add_comment(issue["id"], input["body"], user=c.viewer)
    return {"success": True, "lastSyncId": 3.0, "comment": comment}
