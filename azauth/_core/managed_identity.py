"""ManagedIdentityCredential: the identity Azure gives a resource, from whichever host the environment names."""

from __future__ import annotations

import functools
import logging
import os
import sys
import warnings
from collections.abc import Mapping

from azure.core.credentials import AccessTokenInfo
from typing_extensions import Unpack

from .._files import FileProblem, read_bounded
from .._protocol.managed_identity import (
    EndpointState,
    Policy,
    detect_host,
    scopes_to_resource,
    select_identity,
    token_flow,
)
from .._protocol.managed_identity.flow import ARC_KEY_MAX_BYTES
from .._protocol.steps import Flow
from .._secret import SecretValue
from ..params import (
    AzureArcKeyDirectory,
    ImdsProbe,
    ImdsProbeConnectTimeout,
    ImdsProbeTimeout,
    ManagedIdentityClientId,
    ManagedIdentityConfig,
    ManagedIdentityDeadline,
)
from .base import CredentialCore, TokenRequest, unavailable, within_credential_chain
from .embedded import embed
from .runtime import RuntimeOptions, check_seconds
from .token_cache import CacheKey
from .workload_identity import WorkloadIdentityCore

__all__ = ["ManagedIdentityCore", "read_arc_key"]

_LOGGER = logging.getLogger("azauth")
_LOG_NAMES = {
    "service_fabric": "Service Fabric managed identity",
    "app_service": "App Service managed identity",
    "azure_arc": "Azure Arc managed identity",
    "azure_ml": "Azure ML managed identity",
    "cloud_shell": "Cloud Shell managed identity",
    "workload_identity": "workload identity",
    "imds": "IMDS",
}
"""How azure-identity names each host in its "ManagedIdentityCredential will use ..." INFO message."""
_PINNED_IGNORES = ("transport", "proxies", "connection_verify")
TROUBLESHOOT = "https://aka.ms/azsdk/python/identity/managedidentitycredential/troubleshoot"
MAX_TOKEN_FILE_BYTES = 64 * 1024
_DEFAULTS = Policy()
NO_HOST = (
    "ManagedIdentityCredential: no managed identity endpoint found. The target Azure platform could not"
    " be determined from environment variables (IDENTITY_ENDPOINT is set without IDENTITY_HEADER or"
    f" IMDS_ENDPOINT). Visit {TROUBLESHOOT} to troubleshoot this issue."
)


def default_arc_key_directory(environ: Mapping[str, str]) -> str | None:
    """Where the Azure Arc agent writes its challenge key files on this platform (``None``: unsupported)."""
    if sys.platform.startswith("linux"):
        return "/var/opt/azcmagent/tokens"
    if sys.platform.startswith("win"):
        program_data = environ.get("PROGRAMDATA") or environ.get("ProgramData")
        return os.path.join(program_data, "AzureConnectedMachineAgent", "Tokens") if program_data else None
    return None


def read_arc_key(path: str, *, directory: str) -> str:
    """Read an Azure Arc key file: a regular ``.key`` file inside ``directory`` (symlinks resolved), at most
    4096 bytes, checked on the open file so it cannot be swapped in between."""
    real = os.path.realpath(path)
    if os.path.dirname(real) != os.path.realpath(directory) or not real.endswith(".key"):
        raise ValueError(f"{path!r} resolves outside the agent's token directory or is not a .key file")
    try:
        data = read_bounded(real, ARC_KEY_MAX_BYTES)
    except FileProblem as problem:
        raise ValueError(f"the file {problem.reason}") from None
    return data.decode("utf-8").strip()


class ManagedIdentityCore(CredentialCore, config_type="managed_identity"):
    """Authenticates with an Azure managed identity in any hosting environment which supports managed identities.

    The host is detected from environment variables, in azure-identity's order: Service Fabric, App Service,
    Azure Arc, Azure ML, Cloud Shell, workload identity (token exchange), otherwise IMDS. This credential
    defaults to the system-assigned identity; select a user-assigned identity with ``client_id`` or
    ``identity_config``. Each attempt is bounded by ``connection_timeout`` and ``read_timeout``, and each
    ``get_token`` by ``deadline``, so a silent endpoint fails within seconds instead of hanging.

    :keyword str client_id: a user-assigned identity's client ID or, when using Pod Identity, the client ID of a
        Microsoft Entra app registration. This argument is supported in all hosting environments.
    :keyword identity_config: a mapping ``{parameter_name: value}`` specifying a user-assigned identity by its
        object or resource ID, for example ``{"object_id": "..."}``.
    :paramtype identity_config: Mapping[str, str]
    :keyword float deadline: seconds one ``get_token`` may take in all, retries included (default 100).
    :keyword bool imds_probe: probe IMDS quickly before the first request (default: only inside a chain).
    :keyword float probe_timeout: seconds the IMDS probe waits (default 1).
    :keyword float probe_connect_timeout: seconds the IMDS probe waits for its connection (default:
        ``probe_timeout``).
    :keyword str azure_arc_key_directory: the Azure Arc agent's token directory (default: the platform's).
    """

    def __init__(
        self,
        *,
        client_id: ManagedIdentityClientId = None,
        identity_config: ManagedIdentityConfig = None,
        deadline: ManagedIdentityDeadline = 100.0,
        imds_probe: ImdsProbe = None,
        probe_timeout: ImdsProbeTimeout = 1.0,
        probe_connect_timeout: ImdsProbeConnectTimeout = None,
        azure_arc_key_directory: AzureArcKeyDirectory = None,
        **kwargs: Unpack[RuntimeOptions],
    ) -> None:
        self._arguments = SecretValue(
            {  # rebuilt from them when unpickled (see CredentialCore)
                "client_id": client_id,
                "identity_config": identity_config,
                "deadline": deadline,
                "imds_probe": imds_probe,
                "probe_timeout": probe_timeout,
                "azure_arc_key_directory": azure_arc_key_directory,
                **kwargs,
            }
        )
        self._identity = select_identity(client_id, identity_config)
        if client_id == "":
            client_id = None  # "not given": a configuration's ${AZURE_CLIENT_ID:-} relies on it
        check_seconds("deadline", deadline)
        check_seconds("probe_timeout", probe_timeout)
        if probe_connect_timeout is not None:
            check_seconds("probe_connect_timeout", probe_connect_timeout)
        self._setup(tenant_id="", client_id=client_id, runtime=kwargs, tenant_required=False)
        self._host = detect_host(self._environ)
        if self._host is not None and self._host.kind == "cloud_shell" and self._identity.user_assigned:
            raise ValueError(
                "Cloud Shell provides only the signed-in user's identity: client_id and identity_config's client_id,"
                " object_id and resource_id are not supported there"
            )
        if self._host is not None and self._host.kind == "service_fabric":
            _warn_pinned_connection(kwargs)
        self._workload: WorkloadIdentityCore | None = None
        if self._host is not None and self._host.kind == "workload_identity":
            if self._identity.kind in ("object_id", "resource_id"):
                raise ValueError("Workload identity selects the identity by client_id only, not object or resource id")
            workload_client_id = self._identity.value or self._host.client_id
            if not workload_client_id:
                raise ValueError(
                    "Workload identity was selected but no client ID was provided. Configure the environment with"
                    ' AZURE_CLIENT_ID or pass a value for "client_id"'
                )
            self._workload = embed(
                WorkloadIdentityCore,
                self,
                tenant_id=self._host.tenant_id,
                client_id=workload_client_id,
                token_file_path=self._host.token_file,
                authority=self._host.endpoint,
            )
        self._policy = Policy(
            connect_timeout=float(kwargs.get("connection_timeout", _DEFAULTS.connect_timeout)),
            read_timeout=float(kwargs.get("read_timeout", _DEFAULTS.read_timeout)),
            deadline=float(deadline),
            probe_timeout=float(probe_timeout),
            probe_connect_timeout=None if probe_connect_timeout is None else float(probe_connect_timeout),
            max_retries=int(kwargs.get("retry_total", _DEFAULTS.max_retries)),
            backoff=float(kwargs.get("retry_backoff_factor", _DEFAULTS.backoff)),
            backoff_max=float(kwargs.get("retry_backoff_max", _DEFAULTS.backoff_max)),
            extra_statuses=frozenset(kwargs.get("retry_on_status_codes", ())),
        )
        self._imds_probe = imds_probe
        self._state = EndpointState()
        directory = azure_arc_key_directory or default_arc_key_directory(self._environ)
        self._read_key = functools.partial(read_arc_key, directory=directory) if directory else None
        self._key_directory = directory
        if self._host is not None:
            selected = f"{type(self).__name__} will use {_LOG_NAMES[self._host.kind]}"
            if self._identity.user_assigned:
                selected += f" with {self._identity.kind}: {self._identity.value}"
            _LOGGER.info(selected)

    def _repr_fields(self) -> dict[str, object]:
        identity = self._identity
        return {
            "host": self._host.name if self._host else None,
            identity.kind: identity.value if identity.user_assigned else None,
        }

    def unavailable_reason(self) -> str | None:
        if self._host is None:
            return NO_HOST
        return None

    def resolve_tenant(self, requested: str | None) -> str:
        return ""  # managed identity ignores tenant_id, as azure-identity does

    def _cache_key(self, scopes: tuple[str, ...], tenant_id: str | None, enable_cae: bool) -> CacheKey | None:
        return (scopes, None, enable_cae)

    def token_flow(self, scopes: tuple[str, ...], request: TokenRequest) -> Flow[AccessTokenInfo]:
        host = self._host
        if host is None:
            raise unavailable(NO_HOST)
        if host.kind == "workload_identity":
            scopes_to_resource(scopes)  # one scope, as on every other host
            assert self._workload is not None
            # WorkloadIdentityCredential's own flow: token-file rotation and the retry after a rejection
            return self._workload.token_flow(
                scopes, TokenRequest(self._workload._tenant_id, request.claims, request.enable_cae)
            )
        probe = self._imds_probe
        if probe is None:
            probe = within_credential_chain.get() and not host.pod_identity
        return token_flow(
            host,
            self._identity,
            scopes_to_resource(scopes),
            clock=self._clock,
            policy=self._policy,
            state=self._state,
            probe=host.kind == "imds" and probe,
            read_key=self._read_key or _no_key_directory,
            key_directory=self._key_directory,
        )


def _warn_pinned_connection(options: Mapping[str, object]) -> None:
    """Service Fabric's certificate is checked on a direct connection of its own, and its request is sent
    without chain verification: a transport, proxies or TLS verification given for it cannot take effect
    there, which a ``UserWarning`` says (as azure-identity warns of the options it ignores there)."""
    ignored = [name for name in _PINNED_IGNORES if options.get(name) is not None]
    if ignored:
        warnings.warn(
            "The following arguments cannot take effect for Service Fabric managed identity, whose endpoint is"
            " reached on a connection pinned to IDENTITY_SERVER_THUMBPRINT (checked directly, sent without chain"
            f" verification): {', '.join(ignored)}.",
            UserWarning,
            stacklevel=4,
        )


def _no_key_directory(path: str) -> str:
    raise ValueError("Azure Arc's token directory is unknown on this platform")
