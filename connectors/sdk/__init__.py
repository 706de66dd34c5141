"""The contract between the hub and connectors.

Connectors import from here and nowhere else in Tieline: the manifest model, capability
protocols, shared domain models, the error hierarchy and secret redaction.
"""

from __future__ import annotations

from .capabilities import CAPABILITIES, CIProvider, CodeHost, IssueTracker
from .connector import Connector, ConnectorContext
from .errors import (
    AuthError,
    CapabilityError,
    ConfigError,
    ConsentRequired,
    InvalidRequest,
    ManifestError,
    NotFound,
    PermissionDenied,
    RateLimited,
    ReauthRequired,
    Resolution,
    ServiceError,
    ServiceUnavailable,
    TielineError,
    TransportError,
    classify_status,
)
from .manifest import Manifest
from .models import (
    CheckConclusion,
    CheckResult,
    CheckRun,
    CheckSummary,
    Comment,
    Health,
    Issue,
    ItemState,
    Label,
    Page,
    PullRequest,
    RepoRef,
    ReviewState,
    User,
)
from .redact import redact, register_secret
from .registry import Registry, default_registry

__all__ = [
    "CAPABILITIES",
    "AuthError",
    "CIProvider",
    "CapabilityError",
    "CheckConclusion",
    "CheckResult",
    "CheckRun",
    "CheckSummary",
    "CodeHost",
    "Comment",
    "ConfigError",
    "Connector",
    "ConnectorContext",
    "ConsentRequired",
    "Health",
    "InvalidRequest",
    "Issue",
    "IssueTracker",
    "ItemState",
    "Label",
    "Manifest",
    "ManifestError",
    "NotFound",
    "Page",
    "PermissionDenied",
    "PullRequest",
    "RateLimited",
    "ReauthRequired",
    "Registry",
    "RepoRef",
    "Resolution",
    "ReviewState",
    "ServiceError",
    "ServiceUnavailable",
    "TielineError",
    "TransportError",
    "User",
    "classify_status",
    "default_registry",
    "redact",
    "register_secret",
]
