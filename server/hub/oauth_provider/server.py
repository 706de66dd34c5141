"""authlib's ``AuthorizationServer`` wired to :class:`.storage.OAuthStorage`: the grants
(authorization code with S256 PKCE, refresh with rotation, device code), the device
authorization, revocation and introspection endpoints, and bearer validation for
:func:`.provider.OAuthProvider.verify`.

What authlib leaves to the application, decided here:

- PKCE is required of every client, S256 only: a request without ``code_challenge`` or with
  ``plain`` is refused at the authorization endpoint.
- A code is spent with one atomic update before tokens are issued; presenting it again is
  refused *and* revokes every token it gave (RFC 6749 §4.1.2, RFC 9700 §4.2.4).
- Every refresh issues a new refresh token and spends the old one; presenting a spent one
  revokes the whole family descended from that authorization (RFC 9700 §4.14.2).
- Introspection is for confidential clients, about their own tokens.

authlib logs issued tokens at DEBUG (``"Issue token %r"``); :func:`quiet_authlib` keeps its
loggers at INFO so no log level ever shows a token.
"""

from __future__ import annotations

import contextvars
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from authlib.oauth2.rfc6749 import (
    AuthorizationServer,
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
    OAuth2Request,
    ResourceProtector,
    UnauthorizedClientError,
)
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant, RefreshTokenGrant
from authlib.oauth2.rfc6750 import BearerTokenGenerator, BearerTokenValidator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oauth2.rfc8628 import DeviceAuthorizationEndpoint, DeviceCodeGrant

from .adapter import HttpRequest, HttpResponse, NeutralOAuth2Request, to_response
from .clients import Client
from .scopes import ALL_SCOPES
from .storage import CodeRecord, DeviceRecord, OAuthStorage, TokenRecord
from .tokens import (
    ACCESS_PREFIX,
    CODE_PREFIX,
    DEVICE_PREFIX,
    REFRESH_PREFIX,
    hash_secret,
    new_user_code,
    new_value,
)

log = logging.getLogger("tieline.oauth")
#: Tieline runs for one person: every grant is theirs.
SUBJECT = "local-user"
_CLIENT_AUTH = ["client_secret_basic", "client_secret_post", "none"]
#: The verification URI of the request being answered (it depends on the host it came to).
_verification_uri: contextvars.ContextVar[str] = contextvars.ContextVar("verification_uri")


def quiet_authlib() -> None:
    """authlib logs token responses at DEBUG; keep its loggers above that."""
    logging.getLogger("authlib").setLevel(logging.INFO)


@dataclass(frozen=True)
class Lifetimes:
    """How long each credential lives, in seconds."""

    access_token: int = 3600
    refresh_token: int = 30 * 24 * 3600
    code: int = 60
    device_code: int = 600
    device_interval: int = 5
    consent: int = 600


class TielineAuthorizationServer(AuthorizationServer):  # type: ignore[misc]
    """The authorization server over :class:`OAuthStorage`."""

    def __init__(
        self,
        storage: OAuthStorage,
        lifetimes: Lifetimes,
        on_consent: Callable[[str], None],
    ) -> None:
        super().__init__(scopes_supported=list(ALL_SCOPES))
        self.storage = storage
        self.lifetimes = lifetimes
        self.on_consent = on_consent
        self.register_token_generator(
            "default",
            BearerTokenGenerator(
                access_token_generator=lambda **_: new_value(ACCESS_PREFIX),
                refresh_token_generator=lambda **_: new_value(REFRESH_PREFIX),
                expires_generator=lambda client, grant_type: lifetimes.access_token,
            ),
        )
        self.register_grant(CodeGrant, [S256Challenge(required=True)])
        self.register_grant(RotatingRefreshGrant)
        self.register_grant(DeviceGrant)
        self.register_endpoint(DeviceEndpoint)
        self.register_endpoint(Revocation)
        self.register_endpoint(Introspection)

    # -- what authlib asks of an integration --------------------------------------------------

    def query_client(self, client_id: str) -> Client | None:
        return self.storage.get_client(client_id)

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        previous: TokenRecord | None = request.refresh_token
        code: CodeRecord | None = request.authorization_code
        refresh = token.get("refresh_token")
        self.storage.save_token(
            client_id=request.client.get_client_id(),
            subject=str(request.user or SUBJECT),
            scope=token.get("scope", ""),
            access_hash=hash_secret(token["access_token"]),
            refresh_hash=hash_secret(refresh) if refresh else None,
            family=previous.family if previous is not None else uuid.uuid4().hex,
            code_hash=previous.code_hash if previous else (code.code_hash if code else None),
            expires_in=int(token.get("expires_in", self.lifetimes.access_token)),
            refresh_expires_in=self.lifetimes.refresh_token,
        )

    def create_oauth2_request(self, request: Any) -> OAuth2Request:
        if isinstance(request, OAuth2Request):
            return request
        if isinstance(request, HttpRequest):
            return NeutralOAuth2Request(request)
        raise TypeError(f"expected an HttpRequest, got {type(request).__name__}")

    def create_json_request(self, request: Any) -> Any:
        raise NotImplementedError("no endpoint of this server takes JSON")

    def handle_response(self, status: int, body: Any, headers: Any) -> HttpResponse:
        return to_response(status, body, headers)

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        """authlib's signals: nothing listens."""


# -- authorization code + PKCE ------------------------------------------------------------------


class S256Challenge(CodeChallenge):  # type: ignore[misc]
    """RFC 7636 with the choices of OAuth 2.1: a challenge is required, and only S256."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: send code_challenge (S256)")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("code_challenge_method must be S256")
        super().validate_code_challenge(grant, redirect_uri)


class CodeGrant(AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = _CLIENT_AUTH
    server: TielineAuthorizationServer

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        data = request.payload.data
        self.server.storage.save_code(
            CodeRecord(
                code_hash=hash_secret(code),
                client_id=request.client.get_client_id(),
                redirect_uri=request.payload.redirect_uri,
                scope=request.scope,
                code_challenge=data["code_challenge"],
                code_challenge_method=data["code_challenge_method"],
                subject=str(request.user),
                expires_at=self.server.storage.clock() + self.server.lifetimes.code,
                used_at=None,
            )
        )

    def generate_authorization_code(self) -> str:
        return new_value(CODE_PREFIX)

    def query_authorization_code(self, code: str, client: Client) -> CodeRecord | None:
        storage = self.server.storage
        found = storage.get_code(hash_secret(code))
        if found is None or found.client_id != client.client_id:
            return None
        if found.used_at is not None:
            revoked = storage.revoke_from_code(found.code_hash)
            log.warning(
                "an authorization code of client %s was presented twice; revoked %d token(s)"
                " issued from it",
                client.client_id,
                revoked,
            )
            return None
        if found.expires_at <= storage.clock():
            return None
        return found

    def create_token_response(self) -> Any:
        found: CodeRecord = self.request.authorization_code
        if not self.server.storage.claim_code(found.code_hash):
            self.server.storage.revoke_from_code(found.code_hash)
            raise InvalidGrantError("The authorization code was used already.")
        return super().create_token_response()

    def delete_authorization_code(self, authorization_code: CodeRecord) -> None:
        """Kept (spent) until it expires, so that a second use is recognised."""

    def authenticate_user(self, authorization_code: CodeRecord) -> str:
        return authorization_code.subject


# -- refresh with rotation ------------------------------------------------------------------------


class RotatingRefreshGrant(RefreshTokenGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = _CLIENT_AUTH
    INCLUDE_NEW_REFRESH_TOKEN = True
    server: TielineAuthorizationServer

    def authenticate_refresh_token(self, refresh_token: str) -> TokenRecord | None:
        storage = self.server.storage
        found = storage.token_by_refresh(hash_secret(refresh_token))
        if found is None:
            return None
        if found.rotated_at is not None:
            revoked = storage.revoke_family(found.family)
            log.warning(
                "a spent refresh token of client %s was presented again; revoked its family"
                " (%d live token(s))",
                found.client_id,
                revoked,
            )
            return None
        return found if found.refresh_usable() else None

    def create_token_response(self) -> Any:
        found: TokenRecord = self.request.refresh_token
        if not self.server.storage.claim_refresh(found.id):
            self.server.storage.revoke_family(found.family)
            raise InvalidGrantError()
        return super().create_token_response()

    def authenticate_user(self, refresh_token: TokenRecord) -> str:
        return refresh_token.subject

    def revoke_old_credential(self, refresh_token: TokenRecord) -> None:
        """Spent already, atomically, in :meth:`create_token_response`."""


# -- device authorization grant (RFC 8628) --------------------------------------------------------


class DeviceEndpoint(DeviceAuthorizationEndpoint):  # type: ignore[misc]
    CLIENT_AUTH_METHODS = _CLIENT_AUTH
    server: TielineAuthorizationServer

    def __init__(self, server: TielineAuthorizationServer) -> None:
        super().__init__(server)
        self.EXPIRES_IN = server.lifetimes.device_code
        self.INTERVAL = server.lifetimes.device_interval

    def generate_device_code(self) -> str:
        return new_value(DEVICE_PREFIX)

    def generate_user_code(self) -> str:
        return new_user_code()

    def get_verification_uri(self) -> str:
        return _verification_uri.get()

    def save_device_credential(
        self, client_id: str, scope: str | None, data: dict[str, Any]
    ) -> None:
        client = self.server.storage.get_client(client_id)
        assert client is not None  # authenticated a moment ago
        if not client.check_grant_type(DeviceGrant.GRANT_TYPE):
            raise UnauthorizedClientError("The client may not use the device grant.")
        allowed = client.get_allowed_scope(scope)
        if allowed is None:
            raise InvalidScopeError()
        storage = self.server.storage
        storage.save_device(
            device_hash=hash_secret(data["device_code"]),
            user_code=data["user_code"],
            client_id=client_id,
            scope=allowed,
            expires_in=self.EXPIRES_IN,
            interval=self.INTERVAL,
        )
        filed = storage.create_consent(
            id=data["user_code"],
            kind="device",
            client_id=client_id,
            redirect_uri="",
            scope=allowed,
            params={},
            expires_in=self.EXPIRES_IN,
        )
        if not filed:  # a live request holds this user code: a 500, and the client asks again
            raise RuntimeError("the drawn user code is in use")
        self.server.on_consent(data["user_code"])


class DeviceGrant(DeviceCodeGrant):  # type: ignore[misc]
    server: TielineAuthorizationServer
    SLOW_DOWN_BY = 5

    def query_device_credential(self, device_code: str) -> DeviceRecord | None:
        found = self.server.storage.get_device(hash_secret(device_code))
        return None if found is None or found.used_at is not None else found

    def query_user_grant(self, user_code: str) -> tuple[str, bool] | None:
        request = self.server.storage.get_consent(user_code)
        if request is None or request.status not in ("approved", "denied"):
            return None
        return SUBJECT, request.status == "approved"

    def should_slow_down(self, credential: DeviceRecord) -> bool:
        return self.server.storage.poll_device(credential.device_hash, self.SLOW_DOWN_BY)

    def create_token_response(self) -> Any:
        found: DeviceRecord = self.request.credential
        if not self.server.storage.claim_device(found.device_hash):
            raise InvalidGrantError("The device code was used already.")
        self.server.storage.complete_consent(found.user_code)
        return super().create_token_response()


def set_verification_uri(uri: str) -> contextvars.Token[str]:
    """The ``verification_uri`` for device authorizations answered in this context."""
    return _verification_uri.set(uri)


# -- revocation and introspection -----------------------------------------------------------------


def _find(storage: OAuthStorage, value: str, hint: str | None) -> TokenRecord | None:
    digest = hash_secret(value)
    if hint == "refresh_token":
        return storage.token_by_refresh(digest) or storage.token_by_access(digest)
    return storage.token_by_access(digest) or storage.token_by_refresh(digest)


class Revocation(RevocationEndpoint):  # type: ignore[misc]
    """RFC 7009. A refresh token takes its whole family with it (§2.1: the access tokens of
    the same grant SHOULD go too); an access token takes the refresh token issued with it."""

    CLIENT_AUTH_METHODS = _CLIENT_AUTH
    server: TielineAuthorizationServer

    def query_token(self, token_string: str, token_type_hint: str | None) -> TokenRecord | None:
        return _find(self.server.storage, token_string, token_type_hint)

    def revoke_token(self, token: TokenRecord, request: OAuth2Request) -> None:
        if token.presented == "refresh_token":
            self.server.storage.revoke_family(token.family)
        else:
            self.server.storage.revoke_token(token.id)


class Introspection(IntrospectionEndpoint):  # type: ignore[misc]
    """RFC 7662, for a confidential client asking about its own tokens."""

    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
    server: TielineAuthorizationServer

    def query_token(self, token_string: str, token_type_hint: str | None) -> TokenRecord | None:
        return _find(self.server.storage, token_string, token_type_hint)

    def check_permission(self, token: TokenRecord, client: Client, request: Any) -> bool:
        return token.client_id == client.client_id

    def introspect_token(self, token: TokenRecord) -> dict[str, Any]:
        exp = token.refresh_expires_at if token.presented == "refresh_token" else token.expires_at
        out: dict[str, Any] = {
            "active": True,
            "client_id": token.client_id,
            "scope": token.scope,
            "sub": token.subject,
            "token_type": "Bearer" if token.presented == "access_token" else "refresh_token",
            "iat": int(token.issued_at),
        }
        if exp is not None:
            out["exp"] = int(exp)
        return out


# -- bearer validation --------------------------------------------------------------------------


class _Bearer(BearerTokenValidator):  # type: ignore[misc]
    def __init__(self, storage: OAuthStorage) -> None:
        super().__init__(realm="tieline")
        self.storage = storage

    def authenticate_token(self, token_string: str) -> TokenRecord | None:
        return self.storage.token_by_access(hash_secret(token_string))


@dataclass(frozen=True)
class _BearerRequest:
    """What ``ResourceProtector`` reads of a request: its headers."""

    headers: dict[str, str]


def protector(storage: OAuthStorage) -> ResourceProtector:
    p = ResourceProtector()
    p.register_token_validator(_Bearer(storage))
    return p


def bearer_request(token: str) -> _BearerRequest:
    return _BearerRequest({"Authorization": f"Bearer {token}"})


def new_request_id() -> str:
    """A consent request's id, typed by the person: the same shape as a device user code."""
    return new_user_code()
