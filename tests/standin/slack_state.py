"""The Slack stand-in's workspace: people, conversations, messages, presence and snoozes,
and the grants and codes of its OAuth endpoints."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

TEAM = {"id": "T0TIELINE", "name": "Tieline Test", "domain": "tieline-test"}
WEB = f"https://{TEAM['domain']}.slack.com"


@dataclass
class Grant:
    user: str
    scopes: tuple[str, ...]
    #: A bot token (xoxb-) acts as the app's bot user.
    bot: bool = False


@dataclass
class PendingCode:
    challenge: str
    redirect_uri: str
    client_id: str
    scopes: tuple[str, ...]
    user: str


@dataclass
class SlackState:
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    presence: dict[str, str] = field(default_factory=dict)
    #: user -> epoch second the snooze ends (absent: not snoozed)
    snoozes: dict[str, int] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _clock: float = field(default_factory=lambda: float(int(time.time()) - 3600))

    def new_id(self, prefix: str) -> str:
        return f"{prefix}0{next(self._ids):07d}"

    def ts(self) -> str:
        """A message timestamp, unique and increasing (Slack's ``ts`` is its id)."""
        self._clock = max(self._clock + 1, time.time())
        return f"{self._clock:.6f}"

    def add_user(self, name: str, real_name: str, email: str) -> dict[str, Any]:
        uid = self.new_id("U")
        self.users[uid] = {
            "id": uid,
            "team_id": TEAM["id"],
            "name": name,
            "real_name": real_name,
            "deleted": False,
            "is_bot": False,
            "tz": "Europe/London",
            "profile": {
                "real_name": real_name,
                "display_name": name,
                "email": email,
                "status_text": "",
                "status_emoji": "",
                "status_expiration": 0,
            },
        }
        self.presence[uid] = "active"
        return self.users[uid]

    def add_channel(
        self,
        name: str,
        members: list[dict[str, Any]],
        *,
        private: bool = False,
        archived: bool = False,
    ) -> dict[str, Any]:
        cid = self.new_id("G" if private else "C")
        self.channels[cid] = {
            "id": cid,
            "name": name,
            "is_channel": not private,
            "is_group": private,
            "is_im": False,
            "is_mpim": False,
            "is_private": private,
            "is_archived": archived,
            "created": int(time.time()) - 86400,
            "_members": [m["id"] for m in members],
        }
        self.messages[cid] = []
        return self.channels[cid]

    def add_dm(self, me: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
        cid = self.new_id("D")
        self.channels[cid] = {
            "id": cid,
            "is_im": True,
            "user": other["id"],
            "is_user_deleted": False,
            "created": int(time.time()) - 86400,
            "_members": [me["id"], other["id"]],
        }
        self.messages[cid] = []
        return self.channels[cid]

    def add_mpim(self, people: list[dict[str, Any]]) -> dict[str, Any]:
        cid = self.new_id("G")
        name = "mpdm-" + "--".join(p["name"] for p in people) + "-1"
        self.channels[cid] = {
            "id": cid,
            "name": name,
            "is_channel": False,
            "is_group": False,
            "is_im": False,
            "is_mpim": True,
            "is_private": True,
            "is_archived": False,
            "created": int(time.time()) - 86400,
            "_members": [p["id"] for p in people],
        }
        self.messages[cid] = []
        return self.channels[cid]

    def post(
        self,
        channel: dict[str, Any],
        user: dict[str, Any],
        text: str,
        *,
        thread_ts: str | None = None,
        ts: str | None = None,
    ) -> dict[str, Any]:
        msg: dict[str, Any] = {"type": "message", "user": user["id"], "text": text}
        msg["ts"] = ts or self.ts()
        if thread_ts:
            msg["thread_ts"] = thread_ts
        self.messages[channel["id"]].append(msg)
        return msg

    def permalink(self, channel_id: str, msg: dict[str, Any]) -> str:
        link = f"{WEB}/archives/{channel_id}/p{msg['ts'].replace('.', '')}"
        if msg.get("thread_ts") and msg["thread_ts"] != msg["ts"]:
            link += "?" + urlencode({"thread_ts": msg["thread_ts"], "cid": channel_id})
        return link
