"""Access-token shapes as Entra issues them: v1.0 for Microsoft's first-party resources, v2.0 for the rest.

Entra picks an access token's version from the *resource* (its app registration's accepted token version),
not from the endpoint the client called: a client of the v2.0 token endpoint asking for
``https://storage.azure.com/.default`` receives a v1.0 token, and so do Key Vault, ARM and Graph callers.
Resource servers check what they receive (Azurite, for one, accepts only ``https://sts.windows.net/``-style
issuers), so the emulator shapes tokens the same way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

__all__ = ["TOKEN_VERSIONS", "access_token_claims", "access_token_version", "issuer_for", "v1_issuer", "v2_issuer"]

TOKEN_VERSIONS = ("1.0", "2.0")

V1_ISSUER_HOST = "https://sts.windows.net"
"""Entra's v1.0 token issuer (public cloud); the emulator uses it for every v1.0 token."""

# DNS suffixes of Microsoft's first-party resources (public and sovereign clouds): storage, Key Vault, ARM,
# Graph, SQL, Service Bus / Event Hubs, Cognitive Services, Monitor, Kusto... Customer APIs live elsewhere.
_FIRST_PARTY_SUFFIXES = (
    "azure.com",
    "azure.net",
    "windows.net",
    "microsoft.com",
    "microsoftonline.com",
    "azure.cn",
    "chinacloudapi.cn",
    "usgovcloudapi.net",
    "azure.us",
    "cloudapi.de",
    "microsoftazure.de",
    "loganalytics.io",
    "applicationinsights.io",
    "powerbi.com",
)

# App ids of first-party resources that callers sometimes name directly instead of by URI.
_FIRST_PARTY_APP_IDS = frozenset(
    {
        "e406a681-f3d4-42a8-90b6-c2b029497af1",  # Azure Storage
        "cfa8b339-82a2-471a-a3c9-0fc0be7a4093",  # Azure Key Vault
        "797f4846-ba00-4fd7-ba43-dac1f8f63013",  # Azure Resource Manager
        "00000003-0000-0000-c000-000000000000",  # Microsoft Graph
        "00000002-0000-0000-c000-000000000000",  # Azure AD Graph
        "022907d3-0f1b-48f7-badc-1ba6abab6d66",  # Azure SQL Database
        "2ff814a6-3304-4ab8-85cb-cd0e6f879c1d",  # Azure Databricks
    }
)

_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def access_token_version(resource: str, forced: str | None = None) -> str:
    """The version ("1.0" or "2.0") of the access token Entra issues for ``resource``.

    ``forced`` (the emulator's ``access_token_version`` switch) wins when set; otherwise Microsoft's
    first-party resources (by URI host or app id) get "1.0", every other resource (``api://...``, a client
    id, a customer's own URI) "2.0", as apps registered with ``accessTokenAcceptedVersion: 2`` do.
    """
    if forced is not None:
        return forced
    value = resource.strip().lower()
    if _GUID.fullmatch(value):
        return "1.0" if value in _FIRST_PARTY_APP_IDS else "2.0"
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname:
        return "2.0"
    host = parts.hostname
    first_party = any(host == s or host.endswith("." + s) for s in _FIRST_PARTY_SUFFIXES)
    return "1.0" if first_party else "2.0"


def v1_issuer(tenant_id: str) -> str:
    """``https://sts.windows.net/{tenant}/``: the issuer of v1.0 tokens (and of the v1.0 discovery document)."""
    return f"{V1_ISSUER_HOST}/{tenant_id}/"


def v2_issuer(authority: str, tenant_id: str) -> str:
    """``{authority}/{tenant}/v2.0``: the issuer of v2.0 tokens (and of the v2.0 discovery document)."""
    return f"{authority}/{tenant_id}/v2.0"


def issuer_for(version: str, authority: str, tenant_id: str) -> str:
    """The issuer of a ``version`` token from the emulator at ``authority``."""
    return v1_issuer(tenant_id) if version == "1.0" else v2_issuer(authority, tenant_id)


def access_token_claims(
    version: str,
    *,
    authority: str,
    tenant_id: str,
    client_id: str,
    object_id: str,
    audience: str,
    issued_at: int,
    lifetime: int,
    token_id: str,
    extra: Mapping[str, Any],
) -> dict[str, Any]:
    """The claims of a ``version`` access token.

    ``extra`` carries grant-specific claims (``idtyp``, ``scp``, ``upn``, ``xms_cc``, ``xms_mirid``...) and the
    client's authentication method as ``appidacr`` or ``azpacr`` ("0" public, "1" secret, "2" certificate or
    managed identity); it is rendered under the version's name: v1.0 tokens name the client ``appid`` /
    ``appidacr`` and carry ``idp`` and ``unique_name``, v2.0 tokens ``azp`` / ``azpacr`` and
    ``preferred_username``.
    """
    rest = dict(extra)
    acr = rest.pop("appidacr", None) or rest.pop("azpacr", None) or ("2" if rest.get("idtyp") == "app" else "0")
    rest.pop("azpacr", None)
    claims: dict[str, Any] = {
        "aud": audience,
        "iss": issuer_for(version, authority, tenant_id),
        "iat": issued_at,
        "nbf": issued_at,
        "exp": issued_at + lifetime,
        "oid": object_id,
        "sub": object_id,
        "tid": tenant_id,
        "uti": token_id,
        "jti": token_id,
        "ver": version,
    }
    if version == "1.0":
        claims.update({"appid": client_id, "appidacr": acr})
        if rest.get("idtyp") == "app":
            claims["idp"] = v1_issuer(tenant_id)
        username = rest.pop("preferred_username", None)
        if username is not None:
            claims["unique_name"] = username
    else:
        claims.update({"azp": client_id, "azpacr": acr})
        rest.pop("upn", None)  # an optional claim in v2.0 tokens; preferred_username names the user
    claims.update(rest)
    return claims
