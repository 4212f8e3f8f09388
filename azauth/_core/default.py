"""DefaultAzureCredential: a chain whose members are data (:data:`MEMBERS`).

The same table gives DefaultAzureCredential its members and their order, the credential groups of
``AZURE_TOKEN_CREDENTIALS`` (``dev``, ``prod``, one credential's name), the built-in configuration profiles
``default``, ``dev`` and ``prod`` (:mod:`azauth.config.profiles`) and ``azauth explain``'s prediction.
"""

from __future__ import annotations

import importlib
import inspect
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from typing_extensions import Unpack

from ..params import (
    AdditionallyAllowedTenants,
    AuthorityHost,
    DefaultInteractiveBrowserClientId,
    DefaultInteractiveBrowserTenantId,
    DefaultManagedIdentityClientId,
    DefaultSharedCacheTenantId,
    DefaultSharedCacheUsername,
    DefaultVisualStudioCodeTenantId,
    DefaultWorkloadIdentityClientId,
    DefaultWorkloadIdentityTenantId,
    DeveloperProcessTimeout,
    ExcludeAzureCli,
    ExcludeAzureDeveloperCli,
    ExcludeAzurePowerShell,
    ExcludeEnvironment,
    ExcludeInteractiveBrowser,
    ExcludeManagedIdentity,
    ExcludeSharedTokenCache,
    ExcludeVisualStudioCode,
    ExcludeWorkloadIdentity,
    RequireTokenCredentialsVariable,
)
from .base import CORE_TYPES
from .chained import ChainedCore
from .runtime import RuntimeOptions, check_runtime_options

__all__ = [
    "GROUPS",
    "MEMBERS",
    "TOKEN_CREDENTIALS_VARIABLE",
    "DefaultCore",
    "Member",
    "Selection",
    "group_profile",
    "select_members",
]

_LOGGER = logging.getLogger("azauth")
TOKEN_CREDENTIALS_VARIABLE = "AZURE_TOKEN_CREDENTIALS"


@dataclass(frozen=True)
class Member:
    """One credential of DefaultAzureCredential.

    ``type``: its configuration type (and key in ``CORE_TYPES``); ``exclude``: the keyword that leaves it out;
    ``group``: ``prod`` (deployed-service credentials: their failures stop the chain) or ``dev`` (developer
    credentials: inside the chain any failure of theirs means "unavailable"); ``arguments``: the member's
    keyword -> the DefaultAzureCredential setting that feeds it (``None`` settings are not passed);
    ``selectable``: ``AZURE_TOKEN_CREDENTIALS`` may name it.
    """

    type: str
    class_name: str
    exclude: str
    group: str | None
    excluded_by_default: bool = False
    tolerant: bool = False
    arguments: Mapping[str, str] = field(default_factory=dict)
    selectable: bool = True

    @property
    def short_name(self) -> str:
        """The name ``AZURE_TOKEN_CREDENTIALS`` accepts without the ``Credential`` suffix, lower case."""
        return self.class_name.lower().removesuffix("credential")


_TENANTS = {"additionally_allowed_tenants": "additionally_allowed_tenants"}
_ENTRA = {"authority": "authority", **_TENANTS}
_TOOL = {"process_timeout": "process_timeout", **_TENANTS}

MEMBERS: tuple[Member, ...] = (
    Member("environment", "EnvironmentCredential", "exclude_environment_credential", "prod", arguments=_ENTRA),
    Member(
        "workload_identity",
        "WorkloadIdentityCredential",
        "exclude_workload_identity_credential",
        "prod",
        arguments={"client_id": "workload_identity_client_id", "tenant_id": "workload_identity_tenant_id", **_ENTRA},
    ),
    Member(
        "managed_identity",
        "ManagedIdentityCredential",
        "exclude_managed_identity_credential",
        "prod",
        arguments={"client_id": "managed_identity_client_id", "imds_probe": "imds_probe"},
    ),
    Member(
        "shared_token_cache",
        "SharedTokenCacheCredential",
        "exclude_shared_token_cache_credential",
        "dev",
        tolerant=True,
        arguments={"username": "shared_cache_username", "tenant_id": "shared_cache_tenant_id", **_ENTRA},
        selectable=False,
    ),
    Member("azure_cli", "AzureCliCredential", "exclude_cli_credential", "dev", tolerant=True, arguments=_TOOL),
    Member(
        "azure_powershell",
        "AzurePowerShellCredential",
        "exclude_powershell_credential",
        "dev",
        tolerant=True,
        arguments=_TOOL,
    ),
    Member(
        "azure_developer_cli",
        "AzureDeveloperCliCredential",
        "exclude_developer_cli_credential",
        "dev",
        tolerant=True,
        arguments=_TOOL,
    ),
    Member(
        "visual_studio_code",
        "VisualStudioCodeCredential",
        "exclude_visual_studio_code_credential",
        "dev",
        excluded_by_default=True,
        tolerant=True,
        arguments={"tenant_id": "visual_studio_code_tenant_id"},
    ),
    Member(
        "interactive_browser",
        "InteractiveBrowserCredential",
        "exclude_interactive_browser_credential",
        None,
        excluded_by_default=True,
        tolerant=True,
        arguments={
            "tenant_id": "interactive_browser_tenant_id",
            "client_id": "interactive_browser_client_id",
            **_ENTRA,
        },
    ),
)
"""DefaultAzureCredential's members in the order they are tried (the seeds' order, then the ones excluded by
default)."""

GROUPS: dict[str, frozenset[str]] = {
    group: frozenset(m.type for m in MEMBERS if m.group == group) for group in ("dev", "prod")
}
"""``AZURE_TOKEN_CREDENTIALS=dev|prod``: the member types each group keeps."""


def group_profile(group: str) -> dict[str, Any]:
    """The built-in profile for a group: DefaultAzureCredential with every other member excluded, written out
    so that it means the same whatever ``AZURE_TOKEN_CREDENTIALS`` says."""
    return {"type": "default", **{m.exclude: m.type not in GROUPS[group] for m in MEMBERS}}


@dataclass(frozen=True)
class Selection:
    """Which members a DefaultAzureCredential uses and why the others are left out."""

    included: tuple[Member, ...]
    excluded: tuple[tuple[Member, str], ...]
    """Each member left out, with the reason (``exclude_cli_credential=True``, ``AZURE_TOKEN_CREDENTIALS=prod``...)."""
    named: Member | None
    """The one credential ``AZURE_TOKEN_CREDENTIALS`` names, if it names one."""


def _valid_values() -> str:
    return ", ".join(["dev", "prod", *(m.class_name for m in MEMBERS if m.selectable)])


def select_members(
    excludes: Mapping[str, bool | None], environ: Mapping[str, str], *, require_envvar: bool = False
) -> Selection:
    """Apply defaults, ``AZURE_TOKEN_CREDENTIALS`` and the explicit ``exclude_*`` keywords (which win), in that
    order. ``ValueError`` names the variable and the valid values when its value is unknown, or when it is unset
    and ``require_envvar`` is true."""
    raw = (environ.get(TOKEN_CREDENTIALS_VARIABLE) or "").strip()
    value = raw.lower()
    if require_envvar and not value:
        raise ValueError(
            f"{TOKEN_CREDENTIALS_VARIABLE} environment variable is required but is not set or is empty. Set it to"
            f" one of: {_valid_values()}."
        )
    named: Member | None = None
    chosen: frozenset[str] | None = None
    if value in GROUPS:
        chosen = GROUPS[value]
    elif value:
        short = value.removesuffix("credential")
        named = next((m for m in MEMBERS if m.selectable and m.short_name == short), None)
        if named is None:
            raise ValueError(
                f"Invalid value for {TOKEN_CREDENTIALS_VARIABLE}: {raw!r}. Valid values are (case-insensitive, the"
                f" 'Credential' suffix optional): {_valid_values()}."
            )
        chosen = frozenset({named.type})
    included: list[Member] = []
    excluded: list[tuple[Member, str]] = []
    for member in MEMBERS:
        explicit = excludes.get(member.exclude)
        if explicit is not None:
            out, why = bool(explicit), f"{member.exclude}={bool(explicit)}"
        elif chosen is not None:
            out, why = member.type not in chosen, f"{TOKEN_CREDENTIALS_VARIABLE}={raw}"
        else:
            out, why = member.excluded_by_default, "excluded by default"
        if out:
            excluded.append((member, why))
        else:
            included.append(member)
    return Selection(tuple(included), tuple(excluded), named)


class DefaultCore(ChainedCore, config_type="default"):
    """A credential capable of handling most Azure SDK authentication scenarios.

    The identity it uses depends on the environment. When an access token is needed, it requests one using
    these identities in turn, stopping when one provides a token: a service principal configured by
    environment variables (:class:`EnvironmentCredential`), workload identity
    (:class:`WorkloadIdentityCredential`), a managed identity (:class:`ManagedIdentityCredential`), the shared
    token cache (:class:`SharedTokenCacheCredential`), the Azure CLI, Azure PowerShell and the Azure Developer
    CLI; VS Code and the interactive browser only when included. After a success, the credential that answered
    (:attr:`selected_credential`) answers every later request. Members that cannot apply (no variables, no
    program on ``PATH``) are skipped without any network request or process; managed identity is probed with
    one quick request. ``AZURE_TOKEN_CREDENTIALS`` (``dev``, ``prod`` or one credential's name) narrows the
    chain; explicit ``exclude_*`` keywords win over it.

    :keyword str authority: Authority of a Microsoft Entra endpoint, for example 'login.microsoftonline.com',
        the authority for Azure Public Cloud (which is the default). Managed identities ignore this.
    :keyword bool exclude_environment_credential: Whether to exclude a service principal configured by
        environment variables. Defaults to **False**.
    :keyword bool exclude_workload_identity_credential: Whether to exclude the workload identity. Defaults to
        **False**.
    :keyword bool exclude_managed_identity_credential: Whether to exclude managed identity. Defaults to **False**.
    :keyword bool exclude_shared_token_cache_credential: Whether to exclude the shared token cache. Defaults to
        **False**.
    :keyword bool exclude_cli_credential: Whether to exclude the Azure CLI. Defaults to **False**.
    :keyword bool exclude_powershell_credential: Whether to exclude Azure PowerShell. Defaults to **False**.
    :keyword bool exclude_developer_cli_credential: Whether to exclude the Azure Developer CLI. Defaults to
        **False**.
    :keyword bool exclude_visual_studio_code_credential: Whether to exclude stored credential from VS Code.
        Defaults to **True**.
    :keyword bool exclude_interactive_browser_credential: Whether to exclude interactive browser authentication.
        Defaults to **True**.
    :keyword str managed_identity_client_id: The client ID of a user-assigned managed identity. Defaults to the
        value of the environment variable AZURE_CLIENT_ID, if any.
    :keyword str workload_identity_client_id: The client ID of an identity assigned to the pod. Defaults to
        ``managed_identity_client_id``, else AZURE_CLIENT_ID.
    :keyword str workload_identity_tenant_id: Preferred tenant for WorkloadIdentityCredential. Defaults to
        AZURE_TENANT_ID.
    :keyword str interactive_browser_tenant_id: Tenant ID for InteractiveBrowserCredential. Defaults to
        AZURE_TENANT_ID.
    :keyword str interactive_browser_client_id: The client ID used by InteractiveBrowserCredential.
    :keyword str shared_cache_username: Preferred username for SharedTokenCacheCredential. Defaults to
        AZURE_USERNAME.
    :keyword str shared_cache_tenant_id: Preferred tenant for SharedTokenCacheCredential. Defaults to
        AZURE_TENANT_ID.
    :keyword str visual_studio_code_tenant_id: Tenant ID to use when authenticating with
        VisualStudioCodeCredential.
    :keyword int process_timeout: The timeout in seconds for developer credentials that run subprocesses.
        Defaults to **10** seconds.
    :keyword List[str] additionally_allowed_tenants: tenants in addition to each member's tenant for which the
        members may acquire tokens; '*' allows any tenant.
    :keyword bool require_envvar: If **True**, require AZURE_TOKEN_CREDENTIALS to be set; else ``ValueError``.
    """

    sticky = True
    default_chain = True

    def __init__(
        self,
        *,
        authority: AuthorityHost = None,
        exclude_environment_credential: ExcludeEnvironment = None,
        exclude_workload_identity_credential: ExcludeWorkloadIdentity = None,
        exclude_managed_identity_credential: ExcludeManagedIdentity = None,
        exclude_shared_token_cache_credential: ExcludeSharedTokenCache = None,
        exclude_cli_credential: ExcludeAzureCli = None,
        exclude_powershell_credential: ExcludeAzurePowerShell = None,
        exclude_developer_cli_credential: ExcludeAzureDeveloperCli = None,
        exclude_visual_studio_code_credential: ExcludeVisualStudioCode = None,
        exclude_interactive_browser_credential: ExcludeInteractiveBrowser = None,
        managed_identity_client_id: DefaultManagedIdentityClientId = None,
        workload_identity_client_id: DefaultWorkloadIdentityClientId = None,
        workload_identity_tenant_id: DefaultWorkloadIdentityTenantId = None,
        interactive_browser_tenant_id: DefaultInteractiveBrowserTenantId = None,
        interactive_browser_client_id: DefaultInteractiveBrowserClientId = None,
        shared_cache_username: DefaultSharedCacheUsername = None,
        shared_cache_tenant_id: DefaultSharedCacheTenantId = None,
        visual_studio_code_tenant_id: DefaultVisualStudioCodeTenantId = None,
        process_timeout: DeveloperProcessTimeout = 10,
        additionally_allowed_tenants: AdditionallyAllowedTenants = (),
        require_envvar: RequireTokenCredentialsVariable = False,
        **kwargs: Unpack[RuntimeOptions],
    ) -> None:
        check_runtime_options(type(self).__name__, kwargs)
        given = kwargs.get("environ")
        environ: Mapping[str, str] = given if given is not None else self._default_environ()
        excludes = {
            "exclude_environment_credential": exclude_environment_credential,
            "exclude_workload_identity_credential": exclude_workload_identity_credential,
            "exclude_managed_identity_credential": exclude_managed_identity_credential,
            "exclude_shared_token_cache_credential": exclude_shared_token_cache_credential,
            "exclude_cli_credential": exclude_cli_credential,
            "exclude_powershell_credential": exclude_powershell_credential,
            "exclude_developer_cli_credential": exclude_developer_cli_credential,
            "exclude_visual_studio_code_credential": exclude_visual_studio_code_credential,
            "exclude_interactive_browser_credential": exclude_interactive_browser_credential,
        }
        self.selection = selection = select_members(excludes, environ, require_envvar=require_envvar)
        managed_identity_client_id = managed_identity_client_id or environ.get("AZURE_CLIENT_ID") or None
        settings: dict[str, Any] = {
            "authority": authority,
            "additionally_allowed_tenants": list(additionally_allowed_tenants or ()) or None,
            "managed_identity_client_id": managed_identity_client_id,
            "workload_identity_client_id": workload_identity_client_id or managed_identity_client_id,
            "workload_identity_tenant_id": workload_identity_tenant_id or environ.get("AZURE_TENANT_ID") or None,
            "interactive_browser_tenant_id": interactive_browser_tenant_id or environ.get("AZURE_TENANT_ID") or None,
            "interactive_browser_client_id": interactive_browser_client_id,
            "shared_cache_username": shared_cache_username or environ.get("AZURE_USERNAME") or None,
            "shared_cache_tenant_id": shared_cache_tenant_id or environ.get("AZURE_TENANT_ID") or None,
            "visual_studio_code_tenant_id": visual_studio_code_tenant_id,
            "process_timeout": process_timeout,
            # named by AZURE_TOKEN_CREDENTIALS, managed identity is what the deployment uses: no probe, full retries
            "imds_probe": not (selection.named is not None and selection.named.type == "managed_identity"),
        }
        self.missing_members: tuple[str, ...] = tuple(
            m.class_name for m in selection.included if m.type not in CORE_TYPES
        )
        """Members selected whose credential azauth does not implement (yet): left out."""
        built = [(m, self._member(m, settings, kwargs)) for m in selection.included if m.type in CORE_TYPES]
        if not built:
            missing = (
                f"{', '.join(self.missing_members)} not implemented yet in azauth; " if self.missing_members else ""
            )
            excluded = "; ".join(f"{m.class_name}: {why}" for m, why in selection.excluded)
            raise ValueError(f"DefaultAzureCredential has no credential to try ({missing}excluded: {excluded})")
        self._tolerant = tuple(m.tolerant for m, _ in built)
        self._init_chain([credential for _, credential in built])

    def _member(self, member: Member, settings: Mapping[str, Any], runtime: Mapping[str, Any]) -> Any:
        """Build one member in this credential's mode; one that refuses its inputs stands in as unavailable."""
        module = importlib.import_module(self._credentials_module)
        cls = getattr(module, member.class_name)
        parameters = inspect.signature(cls.__init__).parameters
        takes_runtime = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
        arguments = {
            keyword: settings[setting]
            for keyword, setting in member.arguments.items()
            if settings.get(setting) is not None and keyword in parameters
        }
        if takes_runtime:
            arguments.update(runtime)
        elif "environ" in parameters and "environ" in runtime:
            arguments["environ"] = runtime["environ"]
        try:
            return cls(**arguments)
        except ValueError as exc:
            _LOGGER.debug("DefaultAzureCredential: %s could not be created: %s", member.class_name, exc)
            return module.UnavailableCredential(member.class_name, str(exc))

    def _tolerates(self, index: int) -> bool:
        return self._tolerant[index]
