"""The errors outgoing webhooks raise on purpose, all under :class:`WebhookError`.

::

    TielineError
    └── WebhookError
        ├── InvalidEndpoint      (also ConfigError) a URL, filter or template that cannot work
        │   └── TemplateError    the payload template does not compile, or failed on an event
        ├── UnknownEndpoint      (also NoSuchRecord) no endpoint or message with that id
        └── AddressRefused       the SSRF guard refused where a URL leads

Messages name the endpoint and the reason, never a secret or a URL's query string (a
Slack-style hook URL carries its token in the path, so error texts show scheme and host only).
"""

from __future__ import annotations

from connectors.sdk.errors import ConfigError, NoSuchRecord, TielineError


class WebhookError(TielineError):
    """Base of every outgoing-webhook error."""


class InvalidEndpoint(WebhookError, ConfigError):
    """The endpoint as given cannot work: a bad URL, an empty filter, a bad template."""


class TemplateError(InvalidEndpoint):
    """The JMESPath template does not compile, exceeds its limits, or failed on an event."""


class UnknownEndpoint(WebhookError, NoSuchRecord):
    """No endpoint (or message) has this id."""


class AddressRefused(WebhookError):
    """The host resolves to an address outside what webhooks may reach (private ranges,
    link-local, multicast, reserved), or does not resolve at all."""
