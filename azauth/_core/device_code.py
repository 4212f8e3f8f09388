"""DeviceCodeCredential: a user signs in on another device with a code (the device-authorization grant)."""

from __future__ import annotations

from typing_extensions import Unpack

from .._protocol import user_grants
from .._protocol.interactive import DEVELOPER_SIGN_ON_CLIENT_ID, device_code_sign_in
from .._protocol.steps import Flow
from ..params import (
    AdditionallyAllowedTenants,
    AuthorityHost,
    AuthRecord,
    CachePersistence,
    DeviceCodeTimeout,
    DisableAutomaticAuthentication,
    DisableInstanceDiscovery,
    EnableSupportLogging,
    InteractiveClientId,
    PromptCallback,
    UserTenantId,
)
from .base import TokenRequest
from .interactive import InteractiveCore
from .runtime import RuntimeOptions

__all__ = ["DeviceCodeCore"]


class DeviceCodeCore(InteractiveCore, config_type="device_code"):
    """Authenticates users through the device code flow.

    When :func:`get_token` is called, this credential acquires a verification URL and code from Microsoft Entra ID.
    A user must browse to the URL, enter the code, and authenticate with Microsoft Entra ID. If the user
    authenticates successfully, the credential receives an access token.

    This credential is primarily useful for authenticating a user in an environment without a web browser, such as
    an SSH session. If a web browser is available, :class:`~azauth.InteractiveBrowserCredential` is more
    convenient because it automatically opens a browser to the login page.

    :param str client_id: client ID of the application users will authenticate to. When not specified users will
        authenticate to an Azure development application.

    :keyword str authority: Authority of a Microsoft Entra endpoint, for example "login.microsoftonline.com",
        the authority for Azure Public Cloud (which is the default).
    :keyword str tenant_id: a Microsoft Entra tenant ID. Defaults to the "organizations" tenant, which can
        authenticate work or school accounts. **Required for single-tenant applications.**
    :keyword int timeout: seconds to wait for the user to authenticate. Defaults to the validity period of the
        device code as set by Microsoft Entra ID, which also prevails when **timeout** is longer.
    :keyword prompt_callback: A callback enabling control of how authentication
        instructions are presented. Must accept arguments (``verification_uri``, ``user_code``, ``expires_on``):

        - ``verification_uri`` (str) the URL the user must visit
        - ``user_code`` (str) the code the user must enter there
        - ``expires_on`` (datetime.datetime) the UTC time at which the code will expire

        If this argument isn't provided, the credential will print instructions to stdout. The async credential
        accepts a plain function or a coroutine function.
    :paramtype prompt_callback: Callable[str, str, ~datetime.datetime]
    :keyword AuthenticationRecord authentication_record: :class:`AuthenticationRecord` returned by :func:`authenticate`
    :keyword bool disable_automatic_authentication: if True, :func:`get_token` will raise
        :class:`AuthenticationRequiredError` when user interaction is required to acquire a token. Defaults to False.
    :keyword cache_persistence_options: configuration for persistent token caching. If unspecified, the credential
        will cache tokens in memory.
    :paramtype cache_persistence_options: ~azauth.TokenCachePersistenceOptions
    :keyword List[str] additionally_allowed_tenants: Specifies tenants in addition to the specified "tenant_id"
        for which the credential may acquire tokens. Add the wildcard value "*" to allow any tenant.
    """

    account_source = "device_code"

    def __init__(
        self,
        client_id: InteractiveClientId = DEVELOPER_SIGN_ON_CLIENT_ID,
        *,
        tenant_id: UserTenantId = None,
        timeout: DeviceCodeTimeout = None,
        prompt_callback: PromptCallback = None,
        authentication_record: AuthRecord = None,
        disable_automatic_authentication: DisableAutomaticAuthentication = False,
        cache_persistence_options: CachePersistence = None,
        authority: AuthorityHost = None,
        additionally_allowed_tenants: AdditionallyAllowedTenants = (),
        disable_instance_discovery: DisableInstanceDiscovery = False,
        enable_support_logging: EnableSupportLogging = False,
        **kwargs: Unpack[RuntimeOptions],
    ) -> None:
        if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0):
            raise ValueError(f"timeout must be a positive number of seconds, not {timeout!r}")
        if prompt_callback is not None and not callable(prompt_callback):
            raise TypeError("prompt_callback must be callable with (verification_uri, user_code, expires_on)")
        self._timeout = float(timeout) if timeout is not None else None
        self._prompt_callback = prompt_callback
        self._setup_user(
            client_id=client_id,
            tenant_id=tenant_id,
            authority=authority,
            authentication_record=authentication_record,
            disable_automatic_authentication=disable_automatic_authentication,
            additionally_allowed_tenants=additionally_allowed_tenants,
            cache_persistence_options=cache_persistence_options,
            runtime=kwargs,
        )

    def sign_in_flow(
        self, scopes: tuple[str, ...], request: TokenRequest, claims: str | None
    ) -> Flow[user_grants.UserTokenReply]:
        return device_code_sign_in(
            self._authority,
            request.tenant,
            self._client_id or "",
            scopes,
            now=self._clock,
            timeout=self._timeout,
            prompt_callback=self._prompt_callback,
            claims=claims,
        )
