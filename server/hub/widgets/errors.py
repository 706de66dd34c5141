"""Why a widget could not be drawn, as the routes turn it into an answer.

::

    TielineError
    └── WidgetError             base of every widget failure
        ├── BadAddress          the address names no widget (a malformed path): 400
        └── NotMirrored         the item exists nowhere in what Tieline mirrors: 404

A widget never asks the service: an item the hub has not synced (or that does not exist) is
:class:`NotMirrored`, with a message that says which item and why, for a person to read.
"""

from __future__ import annotations

from connectors.sdk.errors import TielineError


class WidgetError(TielineError):
    """A widget could not be drawn; :attr:`status` is the HTTP status that says so."""

    status: int = 500


class BadAddress(WidgetError):
    """The widget's address is malformed (no key, an empty scope, an unknown day)."""

    status = 400


class NotMirrored(WidgetError):
    """What was asked for is not in the hub's mirror: never synced, or not there at all."""

    status = 404


__all__ = ["BadAddress", "NotMirrored", "WidgetError"]
