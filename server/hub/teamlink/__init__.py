"""Push from the team hub: this Tieline follows its team hub's event stream and refreshes
only what each event names, with the person's own credentials, polling the services the hub
covers only as a safety net while the stream is up (:mod:`.link`).

The stream is the one the local web face serves (``GET /api/v1/events/stream``), so any
Tieline's web face, or ``tieline hub``, can be followed: ``text/event-stream`` with
``id: N``, ``event: <kind>``, ``data: <JSON>``, ``retry: <ms>``, ``: keep-alive``
comments and ``event: gap``; resumed with ``Last-Event-ID``; authenticated with a bearer
token of the hub's OAuth provider, kept in the vault (``team_hub.token_ref``), never in
configuration. Parsing follows the WHATWG rules (:mod:`.sse`).

What the hub sends, for a narrow refresh (the contract)
-------------------------------------------------------

``id``
    Increasing integers per hub (``tieline hub`` keeps them in its event log, so any node
    resumes them). A resumed stream must start above ``Last-Event-ID``; a first id at or
    below it reads as a reset numbering and costs a full refresh. An event without ``id``
    is applied but not resumable.
``event``
    The event's kind (as ``data.kind``); ``gap`` when events after ``Last-Event-ID`` are
    no longer held (``data`` is free): every covered session then syncs in full.
``data``
    The JSON of ``server/web/api/models.py`` ``EventOut``::

        {"id": 7, "kind": "pull_request.opened", "connector": "github", "account": "",
         "subject": "octo/app#7", "time": "2026-12-03T18:00:00+00:00",
         "payload": {"host": "github.com", "title": "...", "url": "...", ...}}

    - ``connector`` (required): the connector id whose sessions refresh (``github``,
      ``gitlab``, ``jira``, ``linear``); an unknown one refreshes nothing.
    - ``kind`` picks the parts to refresh by its subject (:data:`.refresh.KIND_STREAMS`):
      ``pull_request.*`` the pull request lists, ``issue.*`` the issue lists,
      ``check_suite.*`` / ``check_run.*`` / ``ci.*`` branch checks, pipelines and pull
      requests. Any other kind (``github.push``) refreshes nothing unless the payload
      names ``streams``.
    - ``payload.host`` (strongly wanted): the service host (``github.com``, a GitLab or
      Jira site); without it, every session of the connector refreshes.
    - ``account`` (optional, ``login@host``): only that account's session refreshes (an
      event about one person's private item); empty for organisation-wide events.
    - ``payload.streams`` (optional): the streams to refresh (``pulls``, ``issues``,
      ``ci``), overriding the kind's.
    - ``subject`` (wanted): the item in the connector's reference syntax (``octo/app#7``,
      ``group/project!3``, ``PROJ-7``); where a session's index holds that item (a lens,
      a hover card shows it, though no list does), it is fetched again on its own, in a
      job coalesced per item. Republished as it is, with ``payload.title`` / ``url``, for
      panels and outgoing hooks; ``time`` gives the lag shown in the status.
    - ``payload.team_hub`` must be absent: it marks an event a team link already
      republished, which is never applied again (no echo between a hub and its editors).

Each event is republished on the local bus with ``payload.via = "webhook"``
(:func:`server.hub.events.pushed`), so notifications and CI messages wait for the narrow
sync, which announces the person's own changes exactly as a poll would.
"""

from __future__ import annotations

from .link import MARK, REFRESH_JOB, TEAMHUB, LinkState, LinkStatus, TeamLink, record_for

__all__ = ["MARK", "REFRESH_JOB", "TEAMHUB", "LinkState", "LinkStatus", "TeamLink", "record_for"]
