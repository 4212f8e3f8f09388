"""What the credentials that run a developer tool share: finding the tool on the credential's ``PATH``, the
process timeout, and the token flow around the tool's spec. Tokens are cached and single-flighted by the base
like every other credential's, so one token costs one process."""

from __future__ import annotations

import logging
import math
import shutil
import sys
from collections.abc import Sequence
from typing import ClassVar

from azure.core.credentials import AccessTokenInfo
from azure.core.exceptions import ClientAuthenticationError

from .._protocol.developer_tools.common import Tool, ToolRequest, tool_flow, validate_argument
from .._protocol.steps import Flow
from .._protocol.validation import validate_tenant_id
from ..authority_hosts import AzureAuthorityHosts
from ..errors import CredentialUnavailableError
from ..params import AdditionallyAllowedTenants, ProcessTimeout, ToolTenantId
from .base import CredentialCore, TokenRequest, within_default_credential

__all__ = ["DeveloperToolCore", "find_executable"]

_LOGGER = logging.getLogger("azauth")
WINDOWS = sys.platform.startswith("win")


def find_executable(names: Sequence[str], path: str | None) -> str | None:
    """The first of ``names`` found by ``shutil.which`` on ``path`` (a ``PATH`` value; ``None`` or empty: not
    found, so a credential never falls back to a ``PATH`` other than its own)."""
    if not path:
        return None
    for name in names:
        found = shutil.which(name, path=path)
        if found:
            return found
    return None


def check_process_timeout(value: object, owner: str) -> float:
    """``process_timeout`` as seconds; ``ValueError`` for anything but a positive finite number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{owner}: process_timeout must be a positive number of seconds, not {value!r}")
    return float(value)


class DeveloperToolCore(CredentialCore):
    """Base of the credentials that ask a developer tool (``az``, ``azd``, ``pwsh``) for a token; its
    ``__init__`` is the parameter list of those that take no more than azure-identity's three keywords."""

    tool: ClassVar[Tool]
    _process_timeout: float
    _subscription: str | None = None

    def __init__(
        self,
        *,
        tenant_id: ToolTenantId = "",
        additionally_allowed_tenants: AdditionallyAllowedTenants = (),
        process_timeout: ProcessTimeout = 10,
    ) -> None:
        self._setup_tool(
            tenant_id=tenant_id,
            additionally_allowed_tenants=additionally_allowed_tenants,
            process_timeout=process_timeout,
        )

    def _setup_tool(
        self,
        *,
        tenant_id: str,
        additionally_allowed_tenants: Sequence[str] | None,
        process_timeout: float,
    ) -> None:
        name = type(self).__name__
        if tenant_id:
            validate_tenant_id(tenant_id)
        self._process_timeout = check_process_timeout(process_timeout, name)
        self._setup(
            tenant_id=tenant_id or "",
            authority=AzureAuthorityHosts.AZURE_PUBLIC_CLOUD,  # unused: the tool knows its cloud
            additionally_allowed_tenants=additionally_allowed_tenants,
            runtime={},
            tenant_required=False,
        )

    @property
    def tenant_id(self) -> str:
        """The tenant given to the constructor (``""``: the tool's own)."""
        return self._tenant_id

    def _repr_fields(self) -> dict[str, object]:
        return {"tenant_id": self._tenant_id, "subscription": self._subscription}

    def executable(self) -> str | None:
        """The tool's path on this credential's ``PATH`` (``az.cmd`` first on Windows), or ``None``."""
        return find_executable(self.tool.candidates(WINDOWS), self._environ.get("PATH"))

    def unavailable_reason(self) -> str | None:
        """``None`` when the tool is on ``PATH`` (the credential may answer), else why it cannot: decided without
        starting a process."""
        return None if self.executable() else self.tool.not_found

    def _working_directory(self) -> str:
        """A directory the operating system controls (not the application's), as azure-identity runs the tools."""
        if not WINDOWS:
            return "/bin"
        root = self._environ.get("SYSTEMROOT") or self._environ.get("SystemRoot")
        if not root:
            raise CredentialUnavailableError(message=f"{type(self).__name__}: the SYSTEMROOT variable has no value")
        return root

    def token_flow(self, scopes: tuple[str, ...], request: TokenRequest) -> Flow[AccessTokenInfo]:
        for scope in scopes:
            validate_argument(scope, "scope")
        if request.tenant:
            validate_argument(request.tenant, "tenant_id")
        tool_request = ToolRequest(scopes, request.tenant, request.claims, self._subscription)
        executable = self.executable()
        try:
            return (
                yield from tool_flow(
                    self.tool,
                    executable,
                    tool_request,
                    timeout=self._process_timeout,
                    environ=self._environ,
                    cwd=self._working_directory() if executable else None,
                )
            )
        except ClientAuthenticationError as exc:
            if within_default_credential.get() and not isinstance(exc, CredentialUnavailableError):
                raise CredentialUnavailableError(message=exc.message) from None
            raise
