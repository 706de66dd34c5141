"""Jira's wire types: the parts of its JSON the connector reads, nothing more.

One set of models serves REST v3 (Cloud) and v2 (Data Center): the shapes are the same
except where noted -- users are named by ``accountId`` on Cloud and by ``name``/``key`` on
Data Center; ``description`` and comment bodies are ADF documents (dicts) on v3 and wiki
markup strings on v2; the create-metadata page lists issue types under ``issueTypes`` on
Cloud and ``values`` on Data Center. Every model ignores fields it does not name, so a
new field in an answer never breaks a read.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class JUser(_Wire):
    account_id: str | None = Field(default=None, alias="accountId")
    #: Data Center: the login name and the user key (stable across renames).
    name: str | None = None
    key: str | None = None
    email: str | None = Field(default=None, alias="emailAddress")
    display_name: str | None = Field(default=None, alias="displayName")
    avatar_urls: dict[str, str] | None = Field(default=None, alias="avatarUrls")
    active: bool | None = None

    @property
    def login(self) -> str:
        """What the API accepts to name this user: the account id (Cloud) or name (DC)."""
        return self.account_id or self.name or self.key or ""

    @property
    def avatar(self) -> str | None:
        urls = self.avatar_urls or {}
        return urls.get("48x48") or next(iter(urls.values()), None)


class JStatusCategory(_Wire):
    #: ``new`` | ``indeterminate`` | ``done`` (``undefined`` for "No category").
    key: str | None = None
    name: str | None = None


class JStatus(_Wire):
    id: str | None = None
    name: str = ""
    category: JStatusCategory | None = Field(default=None, alias="statusCategory")


class JIssueType(_Wire):
    id: str | None = None
    name: str = ""
    subtask: bool = False


class JPriority(_Wire):
    name: str | None = None


class JProject(_Wire):
    id: str | None = None
    key: str = ""
    name: str | None = None


class JComment(_Wire):
    id: str
    #: ADF (v3) or wiki markup (v2).
    body: Any = None
    author: JUser | None = None
    created: datetime | None = None


class JComments(_Wire):
    """The ``comment`` field of an issue: a page of its comments and their total."""

    total: int = 0
    comments: list[JComment] = Field(default_factory=list)


class JFields(_Wire):
    """An issue's fields. Custom fields (``customfield_10020``, the sprint) are kept as extra
    attributes: which one is the sprint is only known at run time."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    summary: str = ""
    status: JStatus | None = None
    issuetype: JIssueType | None = None
    priority: JPriority | None = None
    assignee: JUser | None = None
    reporter: JUser | None = None
    labels: list[str] = Field(default_factory=list)
    created: datetime | None = None
    updated: datetime | None = None
    resolutiondate: datetime | None = None
    #: ADF (v3) or wiki markup (v2); ``None`` when empty or not asked for.
    description: Any = None
    comment: JComments | None = None
    project: JProject | None = None

    def custom(self, field_id: str) -> Any:
        """The raw value of a custom field, or ``None``."""
        return (self.model_extra or {}).get(field_id)


class JIssue(_Wire):
    id: str
    key: str
    fields: JFields = Field(default_factory=JFields)


class JSearchTokenPage(_Wire):
    """``POST /rest/api/3/search/jql`` (Cloud): token-paged, no total."""

    issues: list[JIssue] = Field(default_factory=list)
    next_page_token: str | None = Field(default=None, alias="nextPageToken")
    is_last: bool | None = Field(default=None, alias="isLast")


class JSearchOffsetPage(_Wire):
    """``POST /rest/api/2/search`` (Data Center): ``startAt``/``maxResults``/``total``."""

    issues: list[JIssue] = Field(default_factory=list)
    start_at: int = Field(default=0, alias="startAt")
    max_results: int = Field(default=0, alias="maxResults")
    total: int | None = None


class JProjectPage(_Wire):
    """``GET /rest/api/3/project/search``."""

    values: list[JProject] = Field(default_factory=list)
    start_at: int = Field(default=0, alias="startAt")
    max_results: int = Field(default=0, alias="maxResults")
    total: int | None = None
    is_last: bool | None = Field(default=None, alias="isLast")


class JFieldSchema(_Wire):
    type: str | None = None
    custom: str | None = None


class JField(_Wire):
    """One entry of ``GET /rest/api/N/field``."""

    id: str
    name: str | None = None
    custom: bool = False
    schema_: JFieldSchema | None = Field(default=None, alias="schema")


class JTransition(_Wire):
    id: str
    name: str = ""
    to: JStatus = Field(default_factory=JStatus)
    is_available: bool | None = Field(default=None, alias="isAvailable")


class JTransitions(_Wire):
    transitions: list[JTransition] = Field(default_factory=list)


class JCreatedIssue(_Wire):
    id: str
    key: str


class JCreateMetaIssueTypes(_Wire):
    """``GET /rest/api/N/issue/createmeta/{project}/issuetypes``: Cloud names the list
    ``issueTypes``, Data Center (8.4+) ``values``."""

    issue_types: list[JIssueType] = Field(
        default_factory=list, validation_alias=AliasChoices("issueTypes", "values")
    )
    start_at: int = Field(default=0, alias="startAt")
    max_results: int = Field(default=0, alias="maxResults")
    total: int | None = None
    is_last: bool | None = Field(default=None, alias="isLast")


class JAccessibleResource(_Wire):
    """One site an OAuth token reaches (``GET {gateway}/oauth/token/accessible-resources``);
    ``id`` is the site's cloud id."""

    id: str
    url: str
    name: str | None = None
    scopes: list[str] = Field(default_factory=list)


class JSprint(_Wire):
    """A sprint as Cloud's sprint field holds it (Data Center may still send a string)."""

    id: int | None = None
    name: str = ""
    #: ``active`` | ``future`` | ``closed`` (Data Center strings say ``ACTIVE`` ...).
    state: str | None = None
