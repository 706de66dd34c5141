"""Incoming webhooks, under ``/hooks/<source>``: GitHub, GitLab, Jira Cloud, Slack and
Standard Webhooks senders.

These routes authenticate by the delivery's signature (each source's own scheme, in
:mod:`.signatures`), never by the local token -- a service on the internet cannot hold it
-- and say so in code: the endpoint is :func:`~server.web.auth.self_authenticating`. A
delivery is accepted only when, in order: a secret is kept for the source (``tieline web
secret <source>``), the signature matches the exact bytes received, a signed timestamp is
within ``web.replay_window``, and its delivery id was not already accepted in the window.
Then its events (:mod:`.mapping`) are published on the hub's bus.
"""

from __future__ import annotations

from .inbox import HookInbox
from .sources import SOURCES, Delivery, Source

__all__ = ["SOURCES", "Delivery", "HookInbox", "Source"]
