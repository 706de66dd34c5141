"""``tieline hub``: the same code run as a shared service for a team.

Webhooks from the team's services arrive once (:mod:`.inbox`), verified as the local web
face verifies them, and are appended to the durable event log in the store
(:mod:`server.hub.eventlog`). Every node tails that log and pushes new events to the editors
following the team's SSE stream (:mod:`.streams`), who resume on any node with
``Last-Event-ID``. Configuration by file and environment (:mod:`.config`), operations
endpoints, metrics and graceful shutdown (:mod:`.service`, :mod:`.metrics`).

It sits beside :mod:`server.web` on top of :mod:`server.hub`, reusing the web face's guards,
authenticators, webhook sources and the OAuth provider.
"""
