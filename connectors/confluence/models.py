"""Confluence's wire types: the parts of its JSON the connector reads, nothing more.

Cloud's REST v2 (https://developer.atlassian.com/cloud/confluence/rest/v2/) names a page's
space by ``spaceId`` and its parent by ``parentId``, and pages by cursor (``_links.next``).
REST v1 (Data Center's only API, Cloud's for search and attachment uploads;
https://docs.atlassian.com/ConfluenceServer/rest/8.5.0/) nests ``space``, ``version``,
``ancestors`` and ``body.storage`` as ``expand`` asks, and pages by ``start``/``limit``/
``size``. Every model ignores fields it does not name.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class CLinks(_Wire):
    webui: str | None = None
    download: str | None = None
    next: str | None = None
    base: str | None = None
    tinyui: str | None = None


class CUser(_Wire):
    """``/rest/api/user/current``: Cloud names people by ``accountId`` (``email`` when the
    profile shows it), Data Center by ``username``/``userKey``."""

    account_id: str | None = Field(default=None, alias="accountId")
    email: str | None = None
    username: str | None = None
    user_key: str | None = Field(default=None, alias="userKey")
    display_name: str | None = Field(default=None, alias="displayName")
    public_name: str | None = Field(default=None, alias="publicName")


# -- REST v2 (Cloud) ---------------------------------------------------------------------------


class V2Space(_Wire):
    id: str
    key: str
    name: str = ""
    type: str | None = None
    status: str | None = None
    homepage_id: str | None = Field(default=None, alias="homepageId")
    links: CLinks = Field(default_factory=CLinks, alias="_links")


class V2Version(_Wire):
    number: int
    created_at: datetime | None = Field(default=None, alias="createdAt")
    author_id: str | None = Field(default=None, alias="authorId")
    message: str | None = None


class V2Storage(_Wire):
    representation: str = "storage"
    value: str = ""


class V2Body(_Wire):
    storage: V2Storage | None = None


class V2Page(_Wire):
    id: str
    title: str = ""
    status: str | None = None
    space_id: str | None = Field(default=None, alias="spaceId")
    parent_id: str | None = Field(default=None, alias="parentId")
    version: V2Version | None = None
    body: V2Body | None = None
    links: CLinks = Field(default_factory=CLinks, alias="_links")


class V2Child(_Wire):
    id: str
    title: str = ""
    status: str | None = None
    type: str | None = None  # /direct-children names it; /children lists pages only
    space_id: str | None = Field(default=None, alias="spaceId")


class V2Attachment(_Wire):
    id: str
    title: str
    media_type: str | None = Field(default=None, alias="mediaType")
    download_link: str | None = Field(default=None, alias="downloadLink")


class V2List(_Wire):
    """One page of a v2 list: ``results`` and ``_links.next`` (a relative URL)."""

    results: list[dict[str, Any]] = Field(default_factory=list)
    links: CLinks = Field(default_factory=CLinks, alias="_links")


# -- REST v1 (Data Center; Cloud search and attachments) ---------------------------------------


class V1Space(_Wire):
    id: int | str | None = None
    key: str
    name: str = ""
    type: str | None = None
    links: CLinks = Field(default_factory=CLinks, alias="_links")


class V1By(_Wire):
    display_name: str | None = Field(default=None, alias="displayName")
    username: str | None = None
    account_id: str | None = Field(default=None, alias="accountId")


class V1Version(_Wire):
    number: int
    when: datetime | None = None
    by: V1By | None = None


class V1Ancestor(_Wire):
    id: str
    title: str | None = None


class V1Storage(_Wire):
    value: str = ""
    representation: str = "storage"


class V1Body(_Wire):
    storage: V1Storage | None = None


class V1Content(_Wire):
    id: str
    type: str = "page"
    status: str | None = None
    title: str = ""
    space: V1Space | None = None
    version: V1Version | None = None
    ancestors: list[V1Ancestor] = Field(default_factory=list)
    body: V1Body | None = None
    links: CLinks = Field(default_factory=CLinks, alias="_links")


class V1Page(_Wire):
    """One page of a v1 list (``start``/``limit``/``size``, ``_links.next`` while more)."""

    results: list[dict[str, Any]] = Field(default_factory=list)
    start: int = 0
    limit: int = 25
    size: int = 0
    total_size: int | None = Field(default=None, alias="totalSize")
    links: CLinks = Field(default_factory=CLinks, alias="_links")


class V1SearchContainer(_Wire):
    title: str | None = None
    display_url: str | None = Field(default=None, alias="displayUrl")


class V1SearchResult(_Wire):
    """A hit of Cloud's ``/wiki/rest/api/search``: the content, and its space as a container."""

    content: V1Content | None = None
    title: str | None = None
    url: str | None = None
    last_modified: datetime | None = Field(default=None, alias="lastModified")
    container: V1SearchContainer | None = Field(default=None, alias="resultGlobalContainer")
