"""Managed-identity hosts: which one the environment selects, and the token request each one expects.

Detection follows azure-identity's order. Each host has its own api-version, secret header and names for
the identity parameters; :func:`token_request` builds exactly what the real endpoint expects.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from azure.core.rest import HttpRequest

from ..._secret import SecretValue

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
    """The identity requested: system-assigned, or user-assigned by client, object or resource id.

    ``extra`` holds the other ``identity_config`` entries, sent as they are as query parameters (as
    azure-identity does; e.g. ``mi_res_id`` for App Service).
    """

    kind: IdentityKind = "system"
    value: str = ""
    extra: tuple[tuple[str, str], ...] = ()

    @property
    def user_assigned(self) -> bool:
        return self.kind != "system"

    def describe(self) -> str:
        if self.kind == "system":
            return "the system-assigned identity"
        return f"the user-assigned identity with {self.kind} '{self.value}'"


_PARAM_NAME = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
_PARAM_VALUE = re.compile(r"[A-Za-z0-9_.~:/@+=,;()\-]{1,2048}")


def _passthrough(config: Mapping[str, object], keys: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """``identity_config``'s other entries as query parameters, refused unless names and values are made of
    the characters identity parameters use (no spaces, controls, ``&``, ``?`` or ``#``)."""
    extra: list[tuple[str, str]] = []
    for name, value in config.items():
        if name in keys:
            continue
        if not isinstance(name, str) or not _PARAM_NAME.fullmatch(name) or name in ("api-version", "resource"):
            raise ValueError(f"identity_config key {name!r} is not a usable query parameter name")
        if not isinstance(value, str) or not _PARAM_VALUE.fullmatch(value):
            raise ValueError(
                f"identity_config[{name!r}] must be a non-empty string of letters, digits and _ . ~ : / @ + = , ; ( ) -"
            )
        extra.append((name, value))
    return tuple(extra)


def select_identity(client_id: str | None, identity_config: Mapping[str, str] | None) -> Identity:
    """The identity a constructor's ``client_id`` / ``identity_config`` ask for; ``ValueError`` when ambiguous.

    ``client_id=""`` means "not given" (a configuration's ``${AZURE_CLIENT_ID:-}`` relies on it).
    """
    keys = ("client_id", "object_id", "resource_id")
    config = dict(identity_config or {})
    extra = _passthrough(config, keys)
    if client_id == "":
        client_id = None
    chosen: list[tuple[IdentityKind, object]] = [(k, config[k]) for k in keys if k in config]  # type: ignore[misc]
    if client_id is not None:
        chosen.insert(0, ("client_id", client_id))
    if len(chosen) > 1:
        raise ValueError(
            "Specify one user-assigned identity: client_id, or exactly one of client_id, object_id, resource_id"
            f" in identity_config (got {', '.join(k for k, _ in chosen)})"
        )
    if not chosen:
        return Identity(extra=extra)
    kind, value = chosen[0]
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{kind} of a user-assigned managed identity must be a non-empty string")
    return Identity(kind, value.strip(), extra)


@dataclass(frozen=True, slots=True)
class Host:
    """A managed-identity endpoint selected by the environment.

    ``secret`` is the header value the host requires (App Service, Service Fabric, Azure ML); for workload
    identity, ``endpoint`` is the authority, ``tenant_id`` and ``token_file`` come from the environment.
    """

    kind: HostKind
    endpoint: str
    secret: SecretValue[str] | None = None
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
                return Host("service_fabric", identity_endpoint, secret=SecretValue(header), thumbprint=thumbprint)
            return Host("app_service", identity_endpoint, secret=SecretValue(header))
        if environ.get("IMDS_ENDPOINT"):
            return Host("azure_arc", identity_endpoint)
        return None
    msi_endpoint = environ.get("MSI_ENDPOINT")
    if msi_endpoint:
        secret = environ.get("MSI_SECRET")
        if secret:
            return Host("azure_ml", msi_endpoint, secret=SecretValue(secret))
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
    params = dict(identity.extra)
    if identity.user_assigned:
        params[_IDENTITY_PARAMS[host.kind][identity.kind]] = identity.value
    return params


def _secret(host: Host) -> str:
    return host.secret.reveal() if host.secret is not None else ""


def token_request(host: Host, identity: Identity, resource: str, *, authorization: str | None = None) -> HttpRequest:
    """The token request ``host`` expects (``authorization``: Azure Arc's answer to its challenge)."""
    params = {"api-version": _API_VERSIONS.get(host.kind, ""), "resource": resource}
    params.update(_identity_params(host, identity))
    if host.kind == "imds":
        return HttpRequest("GET", host.endpoint, params=params, headers={"Metadata": "true"})
    if host.kind == "app_service":
        return HttpRequest("GET", host.endpoint, params=params, headers={"X-IDENTITY-HEADER": _secret(host)})
    if host.kind == "service_fabric":
        return HttpRequest("GET", host.endpoint, params=params, headers={"Secret": _secret(host)})
    if host.kind == "azure_ml":
        return HttpRequest("GET", host.endpoint, params=params, headers={"secret": _secret(host)})
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
