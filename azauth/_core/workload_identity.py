"""WorkloadIdentityCredential: a Kubernetes service account token exchanged as a federated client assertion."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field

from azure.core.credentials import AccessTokenInfo
from typing_extensions import Unpack

from .._files import FileProblem, read_bounded
from .._protocol.steps import Blocking, Flow
from .._protocol.token_reply import EntraError
from ..errors import CredentialUnavailableError
from ..params import (
    AdditionallyAllowedTenants,
    AuthorityHost,
    DisableInstanceDiscovery,
    OptionalClientId,
    OptionalTenantId,
    TokenFilePath,
)
from .base import CredentialCore, TokenRequest
from .runtime import RuntimeOptions

__all__ = ["MAX_TOKEN_FILE_BYTES", "REREAD_AFTER", "TokenFile", "WorkloadIdentityCore", "read_token_file"]

_LOGGER = logging.getLogger("azauth")
MAX_TOKEN_FILE_BYTES = 64 * 1024
"""Service account tokens are a few kilobytes; a larger file is not one."""
REREAD_AFTER = 300.0
"""Seconds after which the file is read again even when it looks unchanged (kubelet rotates it hourly)."""
WORKLOAD_CONFIG_ERROR = (
    "WorkloadIdentityCredential authentication unavailable. The workload options are not fully configured. See"
    " the troubleshooting guide for more information: https://aka.ms/azsdk/python/identity/workloadidentitycredential/troubleshoot"
)


@dataclass(frozen=True)
class TokenFile:
    """The assertion read from the token file, and what the file looked like when it was read."""

    assertion: str = field(repr=False)
    signature: tuple[int, int, int, int]
    read_at: float


def _unavailable(path: str, problem: str) -> CredentialUnavailableError:
    return CredentialUnavailableError(
        message=f"WorkloadIdentityCredential: the token file {path!r} (token_file_path or AZURE_FEDERATED_TOKEN_FILE)"
        f" {problem}"
    )


def read_token_file(path: str, previous: TokenFile | None, now: float, *, force: bool = False) -> TokenFile:
    """The token file's assertion: ``previous`` when the file is unchanged (inode, mtime, size) and was read
    less than ``REREAD_AFTER`` seconds ago, else read afresh. Blocking: called through a ``Blocking`` step."""
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        raise _unavailable(path, "does not exist: is the service account token volume mounted?") from None
    except PermissionError:
        raise _unavailable(path, "is not accessible (permission denied)") from None
    except OSError as exc:
        raise _unavailable(path, f"cannot be read: {exc.strerror or type(exc).__name__}") from None
    signature = (stat.st_dev, stat.st_ino, stat.st_mtime_ns, stat.st_size)
    if not force and previous is not None and previous.signature == signature and now - previous.read_at < REREAD_AFTER:
        return previous
    if stat.st_size > MAX_TOKEN_FILE_BYTES:
        raise _unavailable(
            path, f"is {stat.st_size} bytes, larger than {MAX_TOKEN_FILE_BYTES}: not a service account token"
        )
    try:
        raw = read_bounded(path, MAX_TOKEN_FILE_BYTES)
    except FileProblem as problem:
        raise _unavailable(path, problem.reason) from None
    try:
        assertion = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise _unavailable(path, "is not text: a service account token is a JWT") from None
    if not assertion:
        raise _unavailable(path, "is empty: the service account token has not been written (yet)")
    return TokenFile(assertion, signature, now)


def assertion_rejected(error: EntraError) -> bool:
    """Whether Entra refused the client assertion itself (expired, replaced, not matching), so that a newer
    token file may succeed."""
    return error.entra_error in ("invalid_client", "unauthorized_client")


class WorkloadIdentityCore(CredentialCore, config_type="workload_identity"):
    """Authenticates using Microsoft Entra Workload ID.

    Workload identity authentication allows applications running on Azure Kubernetes to access other Azure
    resources with a Kubernetes service account token, exchanged for a Microsoft Entra token through a
    federated identity credential on the app registration. The token file is read again whenever it may have
    been rotated (its inode, modification time or size changed, or five minutes passed), and once more after
    Microsoft Entra ID rejects an assertion.

    :keyword str tenant_id: ID of the application's Microsoft Entra tenant. Also called its "directory" ID.
        Defaults to AZURE_TENANT_ID.
    :keyword str client_id: The client ID of a Microsoft Entra app registration. Defaults to AZURE_CLIENT_ID.
    :keyword str token_file_path: The path to a file containing a Kubernetes service account token that
        authenticates the identity. Defaults to AZURE_FEDERATED_TOKEN_FILE.
    :keyword str authority: Authority of a Microsoft Entra endpoint, for example "login.microsoftonline.com".
    :keyword List[str] additionally_allowed_tenants: Specifies tenants in addition to the specified "tenant_id"
        for which the credential may acquire tokens. Add the wildcard value "*" to allow any tenant.
    """

    def __init__(
        self,
        *,
        tenant_id: OptionalTenantId = None,
        client_id: OptionalClientId = None,
        token_file_path: TokenFilePath = None,
        authority: AuthorityHost = None,
        additionally_allowed_tenants: AdditionallyAllowedTenants = (),
        disable_instance_discovery: DisableInstanceDiscovery = False,
        **kwargs: Unpack[RuntimeOptions],
    ) -> None:
        given = kwargs.get("environ")
        environ = given if given is not None else self._default_environ()
        tenant_id = tenant_id or environ.get("AZURE_TENANT_ID")
        client_id = client_id or environ.get("AZURE_CLIENT_ID")
        token_file_path = token_file_path or environ.get("AZURE_FEDERATED_TOKEN_FILE")
        missing = [
            f"'{keyword}' (or {variable})"
            for keyword, variable, value in (
                ("tenant_id", "AZURE_TENANT_ID", tenant_id),
                ("client_id", "AZURE_CLIENT_ID", client_id),
                ("token_file_path", "AZURE_FEDERATED_TOKEN_FILE", token_file_path),
            )
            if not value
        ]
        if missing:
            raise ValueError(f"{WORKLOAD_CONFIG_ERROR}. Missing required arguments: {', '.join(missing)}.")
        assert tenant_id and client_id and token_file_path
        self._token_file_path = token_file_path
        self._token_file: TokenFile | None = None
        self._setup(
            tenant_id=tenant_id,
            client_id=client_id,
            authority=authority,
            additionally_allowed_tenants=additionally_allowed_tenants,
            runtime=kwargs,
        )

    def _repr_fields(self) -> dict[str, object]:
        return {**super()._repr_fields(), "token_file_path": self._token_file_path}

    def unavailable_reason(self) -> str | None:
        if self._token_file is None and not os.path.isfile(self._token_file_path):  # before the first read only
            return (
                f"WorkloadIdentityCredential: the token file {self._token_file_path!r} (token_file_path or"
                " AZURE_FEDERATED_TOKEN_FILE) does not exist: is the service account token volume mounted?"
            )
        return None

    def _read(self, force: bool) -> TokenFile:
        self._token_file = read_token_file(self._token_file_path, self._token_file, self._clock(), force=force)
        return self._token_file

    def _exchange(self, assertion: str, scopes: tuple[str, ...], request: TokenRequest) -> Flow[AccessTokenInfo]:
        return self.client_credentials_flow(scopes, request, assertion=lambda _audience: assertion)

    def token_flow(self, scopes: tuple[str, ...], request: TokenRequest) -> Flow[AccessTokenInfo]:
        used: TokenFile = yield Blocking(self._read, (False,))
        try:
            return (yield from self._exchange(used.assertion, scopes, request))
        except EntraError as exc:
            if not assertion_rejected(exc):
                raise
            fresh: TokenFile = yield Blocking(self._read, (True,))
            if fresh.assertion == used.assertion:
                raise
            _LOGGER.info(
                "WorkloadIdentityCredential: Microsoft Entra ID rejected the assertion and %s has changed since it"
                " was read; retrying once with the new token",
                self._token_file_path,
            )
        return (yield from self._exchange(fresh.assertion, scopes, request))
