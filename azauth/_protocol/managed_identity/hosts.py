"""Managed-identity hosts: which one the environment selects, and the token request each one expects.

Detection follows azure-identity's order. Each host has its own api-version, secret header and names for
the identity parameters; :func:`token_request` builds exactly what the real endpoint expects.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from azure.core.rest import HttpRequest

__all__ = [
    "IMDS_AUTHORITY",
    "IMDS_TOKEN_PATH",
    "Host",
    "Identity",
    "detect_host",
    "endpoint_problem",
    "probe_request",
    "scopes_to_resource",
    "select_identity",
    "token_request",
    "unsupported_identity",
]

IMDS_AUTHORITY = "http://169.254.169.254"
IMDS_TOKEN_PATH = "/metadata/identity/oauth2/token"

IdentityKind = Literal["system", "client_id", "object_id", "resource_id"]
HostKind = Literal["service_fabric", "app_service", "azure_arc", "azure_ml", "cloud_shell", "workload_identity", "imds"]

HOST_NAMES: dict[str, str] = {
    "service_fabric": "Service Fabric",
    "app_service": "App Service",
    "azure_arc": "Azure Arc",
    "azure_ml": "Azure ML",
    "cloud_shell": "Cloud Shell",
    "workload_identity": "workload identity",
    "imds": "IMDS",
}

# Each host's query parameter for each kind of user-assigned identity; a missing kind is not supported there.
_IDENTITY_PARAMS: dict[str, dict[str, str]] = {
    "imds": {"client_id": "client_id", "object_id": "object_id", "resource_id": "msi_res_id"},
    "app_service": {"client_id": "client_id", "object_id": "object_id", "resource_id": "mi_res_id"},
    "azure_arc": {"client_id": "client_id", "object_id": "object_id", "resource_id": "msi_res_id"},
    "azure_ml": {"client_id": "clientid"},
    "workload_identity": {"client_id": "client_id"},
    "service_fabric": {},
    "cloud_shell": {},
}
_API_VERSIONS = {
    "imds": "2018-02-01",
    "app_service": "2019-08-01",
    "azure_arc": "2020-06-01",
    "azure_ml": "2017-09-01",
    "service_fabric": "2019-07-01-preview",
}


@dataclass(frozen=True, slots=True)
class Identity:
    """The identity requested: system-assigned, or user-assigned by client, object or resource id."""

    kind: IdentityKind = "system"
    value: str = ""

    @property
    def user_assigned(self) -> bool:
        return self.kind != "system"

    def describe(self) -> str:
        if self.kind == "system":
            return "the system-assigned identity"
        return f"the user-assigned identity with {self.kind} '{self.value}'"


def select_identity(client_id: str | None, identity_config: Mapping[str, str] | None) -> Identity:
    """The identity a constructor's ``client_id`` / ``identity_config`` ask for; ``ValueError`` when ambiguous."""
    keys = ("client_id", "object_id", "resource_id")
    config = dict(identity_config or {})
    unknown = sorted(set(config) - set(keys))
    if unknown:
        raise ValueError(
            f"identity_config accepts exactly one of {', '.join(keys)}; unknown key(s): {', '.join(unknown)}"
        )
    chosen: list[tuple[IdentityKind, object]] = [(k, config[k]) for k in keys if k in config]  # type: ignore[misc]
    if client_id is not None:
        chosen.insert(0, ("client_id", client_id))
    if len(chosen) > 1:
        raise ValueError(
            "Specify one user-assigned identity: client_id, or exactly one of client_id, object_id, resource_id"
            f" in identity_config (got {', '.join(k for k, _ in chosen)})"
        )
    if not chosen:
        return Identity()
    kind, value = chosen[0]
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{kind} of a user-assigned managed identity must be a non-empty string")
    return Identity(kind, value.strip())


@dataclass(frozen=True, slots=True)
class Host:
    """A managed-identity endpoint selected by the environment.

    ``secret`` is the header value the host requires (App Service, Service Fabric, Azure ML); for workload
    identity, ``endpoint`` is the authority, ``tenant_id`` and ``token_file`` come from the environment.
    """

    kind: HostKind
    endpoint: str
    secret: str | None = None
    thumbprint: str | None = None
    tenant_id: str | None = None
    token_file: str | None = None
    client_id: str | None = None
    pod_identity: bool = False

    @property
    def name(self) -> str:
        return HOST_NAMES[self.kind]


def detect_host(environ: Mapping[str, str]) -> Host | None:
    """The host the environment selects, in azure-identity's order; ``None`` for a partial configuration.

    ``IDENTITY_ENDPOINT`` with neither ``IDENTITY_HEADER`` nor ``IMDS_ENDPOINT`` selects nothing, as in
    azure-identity (the credential is then unavailable).
    """
    identity_endpoint = environ.get("IDENTITY_ENDPOINT")
    if identity_endpoint:
        header = environ.get("IDENTITY_HEADER")
        if header:
            thumbprint = environ.get("IDENTITY_SERVER_THUMBPRINT")
            if thumbprint:
                return Host("service_fabric", identity_endpoint, secret=header, thumbprint=thumbprint)
            return Host("app_service", identity_endpoint, secret=header)
        if environ.get("IMDS_ENDPOINT"):
            return Host("azure_arc", identity_endpoint)
        return None
    msi_endpoint = environ.get("MSI_ENDPOINT")
    if msi_endpoint:
        secret = environ.get("MSI_SECRET")
        if secret:
            return Host("azure_ml", msi_endpoint, secret=secret)
        return Host("cloud_shell", msi_endpoint)
    authority, tenant, token_file = (
        environ.get("AZURE_AUTHORITY_HOST"),
        environ.get("AZURE_TENANT_ID"),
        environ.get("AZURE_FEDERATED_TOKEN_FILE"),
    )
    if authority and tenant and token_file:
        return Host(
            "workload_identity",
            authority,
            tenant_id=tenant,
            token_file=token_file,
            client_id=environ.get("AZURE_CLIENT_ID") or None,
        )
    pod_host = environ.get("AZURE_POD_IDENTITY_AUTHORITY_HOST")
    authority = (pod_host or IMDS_AUTHORITY).strip().rstrip("/")
    return Host("imds", authority + IMDS_TOKEN_PATH, pod_identity=bool(pod_host))


def endpoint_problem(url: str) -> str | None:
    """Why ``url`` must not receive a managed-identity request, or ``None`` when it may.

    https goes anywhere; plain http only to loopback and link-local addresses, where the traffic stays on
    the machine (or its host), so the identity header is sent nowhere else.
    """
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
        parts.port  # noqa: B018 - validates the port
    except ValueError:
        return "is not a valid URL"
    scheme = parts.scheme.lower()
    if not hostname or scheme not in ("http", "https"):
        return "must be an http(s) URL with a host"
    if parts.username or parts.password:
        return "must not contain user info"
    if scheme == "https":
        return None
    if hostname.lower() == "localhost":
        return None
    try:
        address = ipaddress.ip_address(hostname)
    except ValueError:
        return "uses plain http with a host name; plain http is accepted only for loopback and link-local addresses"
    if address.is_loopback or address.is_link_local:
        return None
    return "uses plain http to a routable address; plain http is accepted only for loopback and link-local addresses"


def scopes_to_resource(scopes: Sequence[str]) -> str:
    """The ``resource`` for a single scope; the ``/.default`` suffix is removed."""
    if len(scopes) != 1:
        raise ValueError(
            f"ManagedIdentityCredential requests one scope at a time (got {len(scopes)}); call get_token once"
            " per resource"
        )
    scope = scopes[0]
    resource = scope[: -len("/.default")] if scope.endswith("/.default") else scope
    if not resource:
        raise ValueError(f"scope {scope!r} names no resource")
    return resource


def unsupported_identity(host: Host, identity: Identity) -> str | None:
    """Why ``host`` cannot honour ``identity`` (rather than silently returning another identity's token)."""
    if not identity.user_assigned or identity.kind in _IDENTITY_PARAMS[host.kind]:
        return None
    if host.kind == "service_fabric":
        return (
            "Service Fabric does not accept a user-assigned identity at runtime: the identity is chosen by the"
            " cluster's application configuration (see https://aka.ms/servicefabricmi). Remove client_id and"
            " identity_config."
        )
    if host.kind == "cloud_shell":
        return "Cloud Shell provides only the signed-in user's identity; remove client_id and identity_config."
    supported = ", ".join(_IDENTITY_PARAMS[host.kind]) or "none"
    return f"{host.name} cannot select a user-assigned identity by {identity.kind} (supported: {supported})."


def _identity_params(host: Host, identity: Identity) -> dict[str, str]:
    if not identity.user_assigned:
        return {}
    return {_IDENTITY_PARAMS[host.kind][identity.kind]: identity.value}


def token_request(host: Host, identity: Identity, resource: str, *, authorization: str | None = None) -> HttpRequest:
    """The token request ``host`` expects (``authorization``: Azure Arc's answer to its challenge)."""
    params = {"api-version": _API_VERSIONS.get(host.kind, ""), "resource": resource}
    params.update(_identity_params(host, identity))
    if host.kind == "imds":
        return HttpRequest("GET", host.endpoint, params=params, headers={"Metadata": "true"})
    if host.kind == "app_service":
        return HttpRequest("GET", host.endpoint, params=params, headers={"X-IDENTITY-HEADER": host.secret or ""})
    if host.kind == "service_fabric":
        return HttpRequest("GET", host.endpoint, params=params, headers={"Secret": host.secret or ""})
    if host.kind == "azure_ml":
        return HttpRequest("GET", host.endpoint, params=params, headers={"secret": host.secret or ""})
    if host.kind == "azure_arc":
        headers = {"Metadata": "true"}
        if authorization is not None:
            headers["Authorization"] = f"Basic {authorization}"
        return HttpRequest("GET", host.endpoint, params=params, headers=headers)
    if host.kind == "cloud_shell":
        return HttpRequest("POST", host.endpoint, data={"resource": resource}, headers={"Metadata": "true"})
    raise ValueError(f"{host.name} has no managed-identity endpoint")  # workload identity goes to Entra


def probe_request(host: Host, resource: str) -> HttpRequest:
    """A request IMDS answers at once (400: no ``Metadata`` header) without fetching a token: any answer
    proves an endpoint is listening."""
    return HttpRequest("GET", host.endpoint, params={"api-version": _API_VERSIONS["imds"], "resource": resource})
