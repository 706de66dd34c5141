"""Outgoing webhooks, in the manner of Svix and the Standard Webhooks specification.

Events on the hub's bus become *messages* for the endpoints whose filters match; each message
is delivered by durable jobs on the hub's job queue, signed (``webhook-id``,
``webhook-timestamp``, ``webhook-signature: v1,...``), retried on Svix's schedule, and logged
attempt by attempt. The modules, one job each:

- :mod:`.signing` -- secrets and signatures (Standard Webhooks);
- :mod:`.keys` -- secrets in the vault, only their record ids in the database;
- :mod:`.template` -- JMESPath payload templates, on a budget;
- :mod:`.ssrf` -- which addresses may be reached, checked at connect time;
- :mod:`.sender` -- one guarded, pooled HTTP POST, its outcome as data;
- :mod:`.schedule` -- when a failed message is tried again;
- :mod:`.claims` -- delivery jobs claimed and acked in batches;
- :mod:`.fanout` -- the event subscriber making messages and their first jobs;
- :mod:`.dispatcher` -- delivering and recording outcomes;
- :mod:`.repository` -- the SQL of the three webhook tables;
- :mod:`.service` -- :class:`Webhooks`, what the hub and the command line call.
"""

from __future__ import annotations

from .dispatcher import DELIVER_JOB, Dispatcher, Policy
from .errors import AddressRefused, InvalidEndpoint, TemplateError, UnknownEndpoint, WebhookError
from .fanout import TEST_EVENT
from .models import Attempt, Endpoint, Message, MessageState, Outcome, Trigger
from .service import Created, LogEntry, Webhooks
from .signing import SignatureInvalid, sign, verify

__all__ = [
    "DELIVER_JOB",
    "TEST_EVENT",
    "AddressRefused",
    "Attempt",
    "Created",
    "Dispatcher",
    "Endpoint",
    "InvalidEndpoint",
    "LogEntry",
    "Message",
    "MessageState",
    "Outcome",
    "Policy",
    "SignatureInvalid",
    "TemplateError",
    "Trigger",
    "UnknownEndpoint",
    "WebhookError",
    "Webhooks",
    "sign",
    "verify",
]
