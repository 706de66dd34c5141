"""The error hierarchy every connector raises and the hub understands.

Connectors never let an ``httpx`` exception escape: the HTTP stack turns a response or a
transport failure into one of these, so the hub decides what to do from the *type* alone
(retry, wait, ask the user to sign in again, give up) without parsing messages. Messages are
written for a person and never carry a secret: :func:`connectors.sdk.redact.redact` is applied
to anything that came from the wire.

::

    TielineError
    ├── ConfigError                 bad or missing configuration; the user fixes a setting
    ├── CapabilityError             a connector was asked for something it does not declare
    ├── ManifestError               a manifest failed validation
    ├── AuthError                   no usable credentials
    │   ├── ReauthRequired          401 / revoked token: prompt once, never loop
    │   └── ConsentRequired         the user has not yet agreed to the scopes
    ├── ServiceError                the service answered, and the answer is an error
    │   ├── PermissionDenied        403 that is not a rate limit: missing scope or access
    │   ├── NotFound                404 / 410
    │   ├── InvalidRequest          400 / 409 / 422: the request is wrong; retrying won't help
    │   ├── RateLimited             403/429 with a limit signal; carries ``retry_at``
    │   └── ServiceUnavailable      5xx: transient, retried with backoff
    ├── TransportError              no answer at all: DNS, refused, reset, timeout (transient)
    ├── SecretFound                 text about to be saved or shared looks like it holds a secret
    ├── FormatError                 a file to import is not in the format it claims
    ├── SyncConflict                both sides changed the same thing since the last sync
    └── StoreError                  the local database cannot do what was asked
        ├── SchemaTooNew            the database was written by a newer Tieline; never downgraded
        ├── LeaseLost               a job's lease passed to another worker; its result is discarded
        └── NoSuchRecord            the local record asked for does not exist (or no longer)

``StoreError`` and its children are raised by the hub, never by a connector; they live here so
that every error Tieline raises on purpose shares one root and one ``rpc_code`` convention.
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass


class TielineError(Exception):
    """Base of every error Tieline raises on purpose."""

    #: JSON-RPC error code used when this error answers an editor's request: LSP's
    #: RequestFailed ("syntactically correct, but it failed"), not -32603, which says the
    #: server itself broke.
    rpc_code: int = -32803

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(TielineError):
    """Configuration is invalid or incomplete."""


class CapabilityError(TielineError):
    """A connector was asked for a capability it does not declare or implement."""

    rpc_code = -32601


class ManifestError(TielineError):
    """A connector manifest failed validation."""


class AuthError(TielineError):
    """No usable credentials for a connector/account."""


class ReauthRequired(AuthError):
    """The service rejected our credentials (401). The user must sign in again."""


class ConsentRequired(AuthError):
    """The user has not granted the scopes this integration asks for."""


class ServiceError(TielineError):
    """The service answered with an error status."""

    def __init__(self, message: str, *, status: int | None = None, service: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.service = service


class PermissionDenied(ServiceError):
    """403 without a rate-limit signal: a missing scope or no access to the resource."""


class NotFound(ServiceError):
    """404 or 410: the resource does not exist (or is hidden from this account)."""


class InvalidRequest(ServiceError):
    """400/409/422: the request itself is wrong; retrying the same request cannot help."""


class RateLimited(ServiceError):
    """The service asked us to slow down; no request may be sent before ``retry_at``."""

    def __init__(
        self, message: str, *, retry_at: float, status: int | None = None, service: str = ""
    ) -> None:
        super().__init__(message, status=status, service=service)
        self.retry_at = retry_at

    @property
    def retry_after(self) -> float:
        """Seconds from now until a request may be sent again (never negative)."""
        return max(0.0, self.retry_at - time.time())


class ServiceUnavailable(ServiceError):
    """5xx: the service is having trouble; transient."""


class TransportError(TielineError):
    """No HTTP answer at all: connection refused or reset, DNS failure, timeout."""


class SecretFound(TielineError):
    """Text about to be saved or shared looks like it holds a secret (a token, a private key,
    a ``password=``). ``findings`` name what and where (``"a GitHub token", line 3``), never
    the value; the user decides, and the caller retries with the secret allowed or removed.
    """

    def __init__(self, message: str, *, findings: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.findings = findings


class FormatError(TielineError):
    """A file to import is not in the format it claims; the message names file and place."""


class SyncConflict(TielineError):
    """Both the local copy and the service's changed since they were last the same: neither
    is overwritten, and the user picks one."""


class StoreError(TielineError):
    """The local database cannot do what was asked (it is unreadable, locked, or too new)."""


class SchemaTooNew(StoreError):
    """The database's schema is newer than this code knows.

    Raised instead of opening it: writing with an older schema in mind could corrupt data that a
    newer Tieline relies on. The fix is to upgrade Tieline, or to point it at another file.
    """

    def __init__(self, message: str, *, found: int, known: int) -> None:
        super().__init__(message)
        self.found = found
        self.known = known


class LeaseLost(StoreError):
    """A job's lease expired and another worker claimed it; this worker's result is discarded.

    Work fenced by the lease (the ack, and writes made in the same transaction) is rolled back,
    which is what keeps a job's transactional effects from happening twice.
    """


class NoSuchRecord(StoreError):
    """The local record asked for (a snippet by id) does not exist, or no longer does."""


class Resolution(enum.Enum):
    """What the hub does about a failed request."""

    RETRY = "retry"  # transient: back off and try again
    WAIT = "wait"  # rate limited: wait until the allowed time, then try again
    REAUTH = "reauth"  # credentials rejected: refresh once, else prompt the user
    FAIL = "fail"  # the request is wrong or forbidden: report, do not retry


@dataclass(frozen=True)
class StatusRule:
    """One row of the HTTP status → resolution table."""

    error: type[ServiceError] | type[AuthError]
    resolution: Resolution
    meaning: str


#: The HTTP status → resolution table (Airbyte CDK style). A 403/429 that carries a
#: rate-limit signal (``retry-after`` or ``x-ratelimit-remaining: 0``) is resolved as
#: ``WAIT`` before this table is consulted; see :func:`classify_status`.
STATUS_TABLE: dict[int, StatusRule] = {
    400: StatusRule(InvalidRequest, Resolution.FAIL, "malformed request"),
    401: StatusRule(ReauthRequired, Resolution.REAUTH, "credentials missing, expired or revoked"),
    403: StatusRule(PermissionDenied, Resolution.FAIL, "missing scope or no access"),
    404: StatusRule(NotFound, Resolution.FAIL, "no such resource, or hidden from this account"),
    409: StatusRule(InvalidRequest, Resolution.FAIL, "conflict with the resource's state"),
    410: StatusRule(NotFound, Resolution.FAIL, "resource gone"),
    422: StatusRule(InvalidRequest, Resolution.FAIL, "validation failed"),
    429: StatusRule(RateLimited, Resolution.WAIT, "too many requests"),
    500: StatusRule(ServiceUnavailable, Resolution.RETRY, "server error"),
    502: StatusRule(ServiceUnavailable, Resolution.RETRY, "bad gateway"),
    503: StatusRule(ServiceUnavailable, Resolution.RETRY, "service unavailable"),
    504: StatusRule(ServiceUnavailable, Resolution.RETRY, "gateway timeout"),
}


def classify_status(status: int, *, rate_limited: bool = False) -> StatusRule | None:
    """Return the rule for an error status, or ``None`` for a success/redirect status.

    ``rate_limited`` is true when the response carries a rate-limit signal; GitHub answers a
    secondary or primary limit with 403, which must then wait rather than fail.
    """
    if status < 400:
        return None
    if rate_limited and status in (403, 429):
        return STATUS_TABLE[429]
    if status in STATUS_TABLE:
        return STATUS_TABLE[status]
    if status >= 500:
        return STATUS_TABLE[500]
    return STATUS_TABLE[400]
