"""The hub's HTTP stack: one ``httpx.AsyncClient`` per connector+account (see ``client``)."""

from __future__ import annotations

from .cache import revalidate
from .client import HttpStack, HubClient, NetworkSettings, build_client, ssl_context
from .errors import error_for_exception, error_for_response, rate_limit_retry_at
from .ratelimit import RateLimiter, TokenBucket
from .retry import RetryPolicy

__all__ = [
    "HttpStack",
    "HubClient",
    "NetworkSettings",
    "RateLimiter",
    "RetryPolicy",
    "TokenBucket",
    "build_client",
    "error_for_exception",
    "error_for_response",
    "rate_limit_retry_at",
    "revalidate",
    "ssl_context",
]
