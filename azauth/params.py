"""Parameter types shared by credential constructors and the configuration layer.

Each type is an ``Annotated`` alias carrying one :class:`Param`: the description shown in docs and
JSON schemas, and whether the value is a secret. Constructors are annotated with these types; the
configuration models are derived from those signatures, so a parameter is described exactly once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated

from .cache_options import TokenCachePersistenceOptions

__all__ = [
    "AdditionallyAllowedTenants",
    "AssertionFunc",
    "AuthorityHost",
    "CachePersistence",
    "CertificateData",
    "CertificatePassword",
    "CertificatePath",
    "ClientId",
    "ClientSecret",
    "DisableInstanceDiscovery",
    "Param",
    "SendCertificateChain",
    "TenantId",
]


@dataclass(frozen=True)
class Param:
    """Metadata of a constructor parameter."""

    description: str
    secret: bool = False


TenantId = Annotated[str, Param("ID of the principal's tenant, also called its 'directory' ID (a GUID or domain).")]
ClientId = Annotated[str, Param("The client (application) ID of the app registration or service principal.")]
ClientSecret = Annotated[str, Param("One of the service principal's client secrets.", secret=True)]
AuthorityHost = Annotated[
    str | None,
    Param(
        "Authority of a Microsoft Entra endpoint, e.g. 'login.microsoftonline.com' (the default, Azure Public"
        " Cloud). Defaults to AZURE_AUTHORITY_HOST when set."
    ),
]
AdditionallyAllowedTenants = Annotated[
    Sequence[str],
    Param(
        "Tenants in addition to tenant_id for which the credential may acquire tokens; '*' allows any tenant"
        " the application can access."
    ),
]
DisableInstanceDiscovery = Annotated[
    bool,
    Param(
        "Accepted for compatibility with azure-identity. azauth never sends instance-discovery requests: it"
        " validates the authority locally and builds the token endpoint from it."
    ),
]
CertificatePath = Annotated[
    str | None, Param("Path to a certificate file in PEM or PKCS12 format, including the private key.")
]
CertificateData = Annotated[
    bytes | None,
    Param("The bytes of a certificate in PEM or PKCS12 format, including the private key.", secret=True),
]
CertificatePassword = Annotated[
    str | bytes | None,
    Param("The certificate's password; a str is encoded as UTF-8.", secret=True),
]
SendCertificateChain = Annotated[
    bool,
    Param(
        "Send the public certificate chain in the x5c header of each assertion; required for Subject"
        " Name/Issuer (SNI) authentication."
    ),
]
AssertionFunc = Annotated[
    Callable[[], str], Param("A callable returning a client assertion (JWT); called for every new token.")
]
CachePersistence = Annotated[
    TokenCachePersistenceOptions | None,
    Param(
        "Configuration for persistent token caching (msal token-cache format, encrypted where the platform allows)."
        " If unspecified, the credential caches tokens in memory."
    ),
]
