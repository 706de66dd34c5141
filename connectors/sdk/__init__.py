"""The contract between the hub and connectors.

Connectors import from here and nowhere else in Tieline: the manifest model, capability
protocols, shared domain models, the error hierarchy and secret redaction.

The names below load on first use (PEP 562): ``connectors.sdk.errors`` or ``.redact`` alone
must not pull in every pydantic model and httpx, because the language server imports them
on its way to answering ``initialize``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .lazy import attach

if TYPE_CHECKING:
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

_LAZY: dict[str, str] = {
    "CAPABILITIES": ".capabilities",
    "CIProvider": ".capabilities",
    "CodeHost": ".capabilities",
    "IssueTracker": ".capabilities",
    "Connector": ".connector",
    "ConnectorContext": ".connector",
    "AuthError": ".errors",
    "CapabilityError": ".errors",
    "ConfigError": ".errors",
    "ConsentRequired": ".errors",
    "InvalidRequest": ".errors",
    "ManifestError": ".errors",
    "NotFound": ".errors",
    "PermissionDenied": ".errors",
    "RateLimited": ".errors",
    "ReauthRequired": ".errors",
    "Resolution": ".errors",
    "ServiceError": ".errors",
    "ServiceUnavailable": ".errors",
    "TielineError": ".errors",
    "TransportError": ".errors",
    "classify_status": ".errors",
    "Manifest": ".manifest",
    "CheckConclusion": ".models",
    "CheckResult": ".models",
    "CheckRun": ".models",
    "CheckSummary": ".models",
    "Comment": ".models",
    "Health": ".models",
    "Issue": ".models",
    "ItemState": ".models",
    "Label": ".models",
    "Page": ".models",
    "PullRequest": ".models",
    "RepoRef": ".models",
    "ReviewState": ".models",
    "User": ".models",
    "redact": ".redact",
    "register_secret": ".redact",
    "Registry": ".registry",
    "default_registry": ".registry",
}

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


__getattr__, __dir__ = attach(__name__, _LAZY)
