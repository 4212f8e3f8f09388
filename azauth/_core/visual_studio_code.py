"""VisualStudioCodeCredential: the user signed in to VS Code's Azure Resources extension, through the broker."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from typing import Any

from azure.core.credentials import AccessTokenInfo
from azure.core.exceptions import ClientAuthenticationError
from typing_extensions import Unpack

from .._files import FileProblem, read_bounded
from .._protocol.developer_tools.visual_studio_code import (
    AUTH_RECORD_PATHS,
    BROKER_MODULE,
    MAX_AUTH_RECORD_BYTES,
    SIGN_IN_HINT,
    VSCodeAccount,
    parse_auth_record,
)
from .._protocol.steps import Blocking, Flow
from .._protocol.token_reply import RedactedAccessTokenInfo
from .._protocol.validation import normalize_authority, validate_tenant_id
from ..errors import CredentialUnavailableError
from ..params import AdditionallyAllowedTenants, AuthorityHost, VisualStudioCodeTenantId
from .base import CredentialCore, TokenRequest, within_default_credential
from .runtime import RuntimeOptions

__all__ = ["VisualStudioCodeCore", "broker_available", "read_auth_record"]

NOT_SIGNED_IN = (
    "VisualStudioCodeCredential requires the user to be signed in to Azure via Visual Studio Code: no"
    " authentication record at {paths}. " + SIGN_IN_HINT
)
NO_BROKER = (
    "VisualStudioCodeCredential needs the platform's authentication broker, which msal reaches through the"
    f" '{BROKER_MODULE}' package; it is not installed (pip install azure-identity-broker, or msal[broker]). The"
    " broker is available on Windows, macOS and WSL; elsewhere sign in with 'az login' and use AzureCliCredential."
)


def broker_available() -> bool:
    """Whether msal's broker runtime can be imported (looked up, not imported)."""
    return importlib.util.find_spec(BROKER_MODULE) is not None


def record_paths(home: str) -> list[str]:
    """The places the extension's authentication record may be, in the order they are tried."""
    return [os.path.join(home, *parts) for parts in AUTH_RECORD_PATHS]


def read_auth_record(home: str) -> VSCodeAccount | None:
    """The account of the first authentication record found under ``home``; ``None`` when there is none;
    ``ValueError`` (naming the file, never its content) when it cannot be read or is invalid."""
    for path in record_paths(home):
        try:
            data = read_bounded(path, MAX_AUTH_RECORD_BYTES)
        except FileProblem as problem:
            if problem.kind == "missing":
                continue
            raise ValueError(f"the authentication record {path} {problem.reason}") from None
        return parse_auth_record(data, path)
    return None


def broker_token(
    account: VSCodeAccount,
    authority: str,
    tenant: str,
    scopes: tuple[str, ...],
    claims: str | None,
    clock: Callable[[], float],
) -> AccessTokenInfo:
    """Ask the broker, silently, for the recorded account's token (blocking: run through a ``Blocking`` step)."""
    import msal

    app = msal.PublicClientApplication(
        account.client_id,
        authority=f"{authority}/{tenant}",
        enable_broker_on_windows=True,
        enable_broker_on_mac=True,
        enable_broker_on_linux=True,
        enable_broker_on_wsl=True,
    )
    match = [a for a in app.get_accounts() if a.get("home_account_id") == account.home_account_id]
    if not match:
        raise CredentialUnavailableError(
            message="VisualStudioCodeCredential: the broker does not know the account of the Azure Resources"
            " extension's authentication record. " + SIGN_IN_HINT
        )
    result = app.acquire_token_silent_with_error(list(scopes), match[0], claims_challenge=claims)
    if not result or "access_token" not in result:
        error = (result or {}).get("error") or "no token"
        description = (result or {}).get("error_description") or ""
        raise ClientAuthenticationError(
            message=f"VisualStudioCodeCredential: the broker answered {error}. {description}"
        )
    return RedactedAccessTokenInfo(result["access_token"], int(clock()) + int(result.get("expires_in") or 0))


class VisualStudioCodeCore(CredentialCore, config_type="visual_studio_code"):
    """Authenticates as the Azure user signed in to Visual Studio Code via the 'Azure Resources' extension.

    It reads the extension's authentication record and asks the platform's authentication broker for the
    recorded account's token. This requires msal's broker runtime (``pip install azure-identity-broker``) and
    works where the broker does: Windows, macOS and WSL. Excluded from DefaultAzureCredential by default.

    :keyword str authority: Authority of a Microsoft Entra endpoint, for example "login.microsoftonline.com".
        Defaults to the authority in the authentication record.
    :keyword str tenant_id: A Microsoft Entra tenant ID. Defaults to the tenant specified in the authentication
        record file used by the Azure Resources extension.
    :keyword List[str] additionally_allowed_tenants: Specifies tenants in addition to the specified "tenant_id"
        for which the credential may acquire tokens. Add the wildcard value "*" to allow the credential to
        acquire tokens for any tenant the application can access.
    """

    def __init__(
        self,
        *,
        authority: AuthorityHost = None,
        tenant_id: VisualStudioCodeTenantId = None,
        additionally_allowed_tenants: AdditionallyAllowedTenants = (),
        **kwargs: Unpack[RuntimeOptions],
    ) -> None:
        if tenant_id:
            validate_tenant_id(tenant_id)
        self._explicit_authority = authority
        self._setup(
            tenant_id=tenant_id or "",
            authority=authority,
            additionally_allowed_tenants=additionally_allowed_tenants,
            runtime=kwargs,
            tenant_required=False,
        )

    def _home(self) -> str:
        return self._environ.get("HOME") or self._environ.get("USERPROFILE") or os.path.expanduser("~")

    def unavailable_reason(self) -> str | None:
        """``None`` when an authentication record exists and the broker runtime is installed; else why the
        credential cannot answer (no process, no network: a file's existence and a module lookup)."""
        paths = record_paths(self._home())
        if not any(os.path.exists(p) for p in paths):
            return NOT_SIGNED_IN.format(paths=" or ".join(paths))
        if not broker_available():
            return NO_BROKER
        return None

    def token_flow(self, scopes: tuple[str, ...], request: TokenRequest) -> Flow[AccessTokenInfo]:
        home = self._home()
        try:
            account = yield Blocking(read_auth_record, (home,))
        except ValueError as exc:
            raise CredentialUnavailableError(
                message=f"Failed to load authentication record from Visual Studio Code: {exc}"
            ) from None
        if account is None:
            raise CredentialUnavailableError(message=NOT_SIGNED_IN.format(paths=" or ".join(record_paths(home))))
        if not broker_available():
            raise CredentialUnavailableError(message=NO_BROKER)
        authority = self._authority if self._explicit_authority else normalize_authority(account.authority)
        tenant = request.tenant or account.tenant_id
        try:
            info: AccessTokenInfo = yield Blocking(
                broker_token, (account, authority, tenant, scopes, request.claims, self._clock)
            )
        except ClientAuthenticationError as exc:
            if within_default_credential.get() and not isinstance(exc, CredentialUnavailableError):
                raise CredentialUnavailableError(message=exc.message) from None
            raise
        return info

    def _repr_fields(self) -> dict[str, Any]:
        return {"tenant_id": self._tenant_id}
