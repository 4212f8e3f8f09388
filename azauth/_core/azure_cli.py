"""AzureCliCredential: a token from ``az account get-access-token``."""

from __future__ import annotations

from .._protocol.developer_tools.azure_cli import AZURE_CLI
from .._protocol.developer_tools.common import validate_subscription
from ..params import AdditionallyAllowedTenants, ProcessTimeout, Subscription, ToolTenantId
from .developer_tool import DeveloperToolCore

__all__ = ["AzureCliCore"]


class AzureCliCore(DeveloperToolCore, config_type="azure_cli"):
    """Authenticates by requesting a token from the Azure CLI.

    This requires previously logging in to Azure via "az login", and will use the CLI's currently logged in
    identity. The CLI runs with this process's environment, so it reads its own configuration directory
    (``AZURE_CONFIG_DIR``, default ``~/.azure``) as it does on the command line. Tokens are cached in memory: the
    CLI runs once per token, not once per ``get_token``.

    :keyword str tenant_id: Optional tenant to include in the token request.
    :keyword str subscription: The name or ID of a subscription. Set this to acquire tokens for an account other
        than the Azure CLI's current account.
    :keyword List[str] additionally_allowed_tenants: Specifies tenants in addition to the specified "tenant_id"
        for which the credential may acquire tokens. Add the wildcard value "*" to allow the credential to
        acquire tokens for any tenant the application can access.
    :keyword int process_timeout: Seconds to wait for the Azure CLI process to respond. Defaults to 10 seconds.
    """

    tool = AZURE_CLI

    def __init__(
        self,
        *,
        tenant_id: ToolTenantId = "",
        subscription: Subscription = None,
        additionally_allowed_tenants: AdditionallyAllowedTenants = (),
        process_timeout: ProcessTimeout = 10,
    ) -> None:
        self._subscription = validate_subscription(subscription) if subscription else None
        self._setup_tool(
            tenant_id=tenant_id,
            additionally_allowed_tenants=additionally_allowed_tenants,
            process_timeout=process_timeout,
        )

    @property
    def subscription(self) -> str | None:
        """The subscription given to the constructor."""
        return self._subscription
