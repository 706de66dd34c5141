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

# Imported now, not lazily: the function shares its name with its module, and once any code
# imports ``connectors.sdk.redact`` the package attribute would be the module instead.
from .redact import redact, register_secret

if TYPE_CHECKING:
    from .capabilities import (
        CAPABILITIES,
        CIProvider,
        CodeHost,
        IssueTracker,
        Messaging,
        Workflow,
        capability,
        provides,
    )
    from .connector import (
        FROM_CACHE,
        Connector,
        ConnectorContext,
    )
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
    from .graphql import (
        GraphQLClient,
        graphql_error,
    )
    from .manifest import (
        Manifest,
    )
    from .models import (
        CheckConclusion,
        CheckResult,
        CheckRun,
        CheckSummary,
        Comment,
        Health,
        Issue,
        ItemKind,
        ItemRef,
        ItemState,
        Label,
        Message,
        Page,
        PullRequest,
        RepoRef,
        ReviewState,
        Status,
        StatusCategory,
        Transition,
        User,
    )
    from .paging import (
        check_link,
        collect,
        graphql_cursor,
        link_cursor,
        offset_cursor,
        offset_of,
        token_cursor,
    )
    from .registry import (
        Registry,
        default_registry,
    )
    from .settings import (
        ConnectorSettings,
        settings_model,
    )

_LAZY: dict[str, str] = {
    "CAPABILITIES": ".capabilities",
    "CIProvider": ".capabilities",
    "CodeHost": ".capabilities",
    "IssueTracker": ".capabilities",
    "Messaging": ".capabilities",
    "Workflow": ".capabilities",
    "capability": ".capabilities",
    "provides": ".capabilities",
    "FROM_CACHE": ".connector",
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
    "GraphQLClient": ".graphql",
    "graphql_error": ".graphql",
    "Manifest": ".manifest",
    "CheckConclusion": ".models",
    "CheckResult": ".models",
    "CheckRun": ".models",
    "CheckSummary": ".models",
    "Comment": ".models",
    "Health": ".models",
    "Issue": ".models",
    "ItemKind": ".models",
    "ItemRef": ".models",
    "ItemState": ".models",
    "Label": ".models",
    "Message": ".models",
    "Page": ".models",
    "PullRequest": ".models",
    "RepoRef": ".models",
    "ReviewState": ".models",
    "Status": ".models",
    "StatusCategory": ".models",
    "Transition": ".models",
    "User": ".models",
    "check_link": ".paging",
    "collect": ".paging",
    "graphql_cursor": ".paging",
    "link_cursor": ".paging",
    "offset_cursor": ".paging",
    "offset_of": ".paging",
    "token_cursor": ".paging",
    "Registry": ".registry",
    "default_registry": ".registry",
    "ConnectorSettings": ".settings",
    "settings_model": ".settings",
}

__all__ = [
    "CAPABILITIES",
    "FROM_CACHE",
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
    "ConnectorSettings",
    "ConsentRequired",
    "GraphQLClient",
    "Health",
    "InvalidRequest",
    "Issue",
    "IssueTracker",
    "ItemKind",
    "ItemRef",
    "ItemState",
    "Label",
    "Manifest",
    "ManifestError",
    "Message",
    "Messaging",
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
    "Status",
    "StatusCategory",
    "TielineError",
    "Transition",
    "TransportError",
    "User",
    "Workflow",
    "capability",
    "check_link",
    "classify_status",
    "collect",
    "default_registry",
    "graphql_cursor",
    "graphql_error",
    "link_cursor",
    "offset_cursor",
    "offset_of",
    "provides",
    "redact",
    "register_secret",
    "settings_model",
    "token_cursor",
]


__getattr__, __dir__ = attach(__name__, _LAZY)
