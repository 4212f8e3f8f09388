"""AuthorizationCodeCredential: redeem an authorization code once, then keep going with its refresh token."""

from __future__ import annotations

from typing import Any

from azure.core.credentials import AccessTokenInfo
from azure.core.exceptions import ClientAuthenticationError
from typing_extensions import Unpack

from .._protocol import entra, user_grants
from .._protocol.msal_cache import AccountTokenKey, environment_of
from .._protocol.steps import Flow, Sleep
from .._secret import SecretValue
from ..params import (
    AdditionallyAllowedTenants,
    AuthorityHost,
    AuthorizationCode,
    CachePersistence,
    ClientId,
    OptionalClientSecret,
    RedirectUri,
    TenantId,
)
from .base import CredentialCore, TokenRequest
from .persistence import PersistedKey, TokenStore
from .runtime import RuntimeOptions

__all__ = ["AuthorizationCodeCore"]

REDEMPTION_POLL = 0.05
REDEMPTION_WAIT = 30.0
"""Seconds a request waits for a concurrent request's redemption of the code (for its refresh token)."""


class AuthorizationCodeCore(CredentialCore, config_type="authorization_code"):
    """Authenticates by redeeming an authorization code previously obtained from Microsoft Entra ID.

    The first token request redeems the code; later ones use the refresh token that came with it (rotated on
    every use). Cached tokens and the refresh token belong to the account that redeemed the code.

    :param str tenant_id: ID of the application's Microsoft Entra tenant. Also called its "directory" ID.
    :param str client_id: The application's client ID
    :param str authorization_code: The authorization code from the user's log-in
    :param str redirect_uri: The application's redirect URI. Must match the URI used to request the
        authorization code.

    :keyword str authority: Authority of a Microsoft Entra endpoint, for example "login.microsoftonline.com".
    :keyword str client_secret: One of the application's client secrets. Required only for web apps and web APIs.
    :keyword List[str] additionally_allowed_tenants: Specifies tenants in addition to the specified "tenant_id"
        for which the credential may acquire tokens. Add the wildcard value "*" to allow any tenant.
    :keyword cache_persistence_options: Configuration for persistent token caching. If unspecified, the credential
        will cache tokens in memory. The cache serves this credential only its own account's tokens, once the
        code's redemption has named the account.
    :paramtype cache_persistence_options: ~azauth.TokenCachePersistenceOptions
    """

    def __init__(
        self,
        tenant_id: TenantId,
        client_id: ClientId,
        authorization_code: AuthorizationCode,
        redirect_uri: RedirectUri,
        *,
        authority: AuthorityHost = None,
        client_secret: OptionalClientSecret = None,
        additionally_allowed_tenants: AdditionallyAllowedTenants = (),
        cache_persistence_options: CachePersistence = None,
        **kwargs: Unpack[RuntimeOptions],
    ) -> None:
        if not client_id:
            raise ValueError("client_id should be the id of a Microsoft Entra application")
        if not authorization_code:
            raise ValueError("authorization_code must be the code from the user's sign-in")
        if not redirect_uri:
            raise ValueError("redirect_uri must be the redirect URI the authorization code was requested with")
        self._code: dict[str, SecretValue[str]] = {"code": SecretValue(authorization_code)}
        self._redeeming = False
        self._redirect_uri = redirect_uri
        self._client_secret = SecretValue(client_secret) if client_secret else None
        self._refresh_token: SecretValue[str] | None = None
        self._account: user_grants.Account | None = None
        self._setup(
            tenant_id=tenant_id,
            client_id=client_id,
            authority=authority,
            additionally_allowed_tenants=additionally_allowed_tenants,
            runtime=kwargs,
            cache_persistence_options=cache_persistence_options,
        )

    def _repr_fields(self) -> dict[str, object]:
        username = self._account.username if self._account is not None else None
        return {**super()._repr_fields(), "username": username}

    def _client_auth(self) -> user_grants.ClientAuth:
        secret = self._client_secret
        return user_grants.ClientAuth(secret=secret.reveal() if secret is not None else None)

    def _cache_scope(self) -> str | None:
        account = self._account
        return f"account:{account.home_account_id}" if account is not None and account.home_account_id else None

    def _persisted_key(self, scopes: tuple[str, ...], request: TokenRequest) -> PersistedKey | None:
        account = self._account
        return AccountTokenKey(
            environment_of(self._authority),
            self._client_id or "",
            request.tenant,
            " ".join(sorted(scopes)),
            (account.username if account is not None else None) or "",
            account.home_account_id if account is not None else None,
        )

    def token_flow(self, scopes: tuple[str, ...], request: TokenRequest) -> Flow[AccessTokenInfo]:
        info, _ = yield from self._persisted_token_flow(scopes, request, None, None)
        return info

    def _persisted_token_flow(
        self, scopes: tuple[str, ...], request: TokenRequest, store: TokenStore | None, key: PersistedKey | None
    ) -> Flow[tuple[AccessTokenInfo, Any]]:
        """Redeem the code, or the refresh token that came with it; the reply is what a persistent cache records."""
        url = entra.token_url(self._authority, request.tenant)
        client_id = self._client_id or ""
        claims = entra.merge_claims(request.claims, request.enable_cae)
        waited = 0.0
        while True:
            refresh = self._refresh_token
            if refresh is not None:
                reply = yield from user_grants.refresh_token(
                    url,
                    client_id,
                    scopes,
                    token=refresh.reveal(),
                    client=self._client_auth(),
                    now=self._clock,
                    claims=claims,
                )
                return self._accept(reply), reply
            code = self._code.pop("code", None)  # dict.pop is atomic: one request redeems, concurrent ones wait
            if code is not None:
                break
            if waited >= REDEMPTION_WAIT or (waited and not self._redeeming):  # waited once: covers the moment
                # between another request taking the code and marking itself as redeeming
                raise ClientAuthenticationError(
                    message="AuthorizationCodeCredential: no authorization code or refresh token available: the code"
                    " was redeemed without a refresh token coming back, or its redemption is taking too long"
                )
            yield Sleep(REDEMPTION_POLL)  # another request is redeeming the code: use its refresh token
            waited += REDEMPTION_POLL
        self._redeeming = True
        try:
            reply = yield from user_grants.authorization_code(
                url,
                client_id,
                scopes,
                code=code.reveal(),
                redirect_uri=self._redirect_uri,
                client=self._client_auth(),
                now=self._clock,
                claims=claims,
            )
        except BaseException:
            self._code.setdefault("code", code)  # not redeemed: a later request may try again, as azure-identity
            raise
        finally:
            self._redeeming = False
        return self._accept(reply), reply

    def _accept(self, reply: user_grants.UserTokenReply) -> AccessTokenInfo:
        account = reply.account
        if self._account is None:
            self._account = account
        elif account.home_account_id and account.home_account_id != self._account.home_account_id:
            raise ClientAuthenticationError(
                message="AuthorizationCodeCredential: Microsoft Entra ID returned a token for a different account"
                " than the one that redeemed the authorization code; the token was discarded"
            )
        if reply.refresh_token:
            self._refresh_token = SecretValue(reply.refresh_token)
        return reply.info
