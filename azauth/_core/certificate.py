"""CertificateCredential: a service principal authenticating with a certificate (signed assertions)."""

from __future__ import annotations

from azure.core.credentials import AccessTokenInfo
from typing_extensions import Unpack

from .._files import FileProblem, read_bounded
from .._protocol.certificates import ClientCertificate, load_certificate, sign_assertion
from .._protocol.steps import Flow
from ..params import (
    AdditionallyAllowedTenants,
    AuthorityHost,
    CachePersistence,
    CertificateData,
    CertificatePassword,
    CertificatePath,
    ClientId,
    DisableInstanceDiscovery,
    SendCertificateChain,
    TenantId,
)
from .base import CredentialCore, TokenRequest
from .runtime import RuntimeOptions

__all__ = ["CertificateCore", "read_certificate_file"]

MAX_CERTIFICATE_BYTES = 1 << 20


def read_certificate_file(path: str) -> bytes:
    """The bytes of a certificate file, with an error naming the path when it cannot be used."""
    try:
        return read_bounded(path, MAX_CERTIFICATE_BYTES)
    except FileProblem as problem:
        raise ValueError(f"certificate_path {path!r} {problem.reason}") from None


class CertificateCore(CredentialCore, config_type="certificate"):
    """Authenticates as a service principal using a certificate.

    The certificate must have an RSA private key, because this credential signs assertions using RS256.

    :param str tenant_id: ID of the service principal's tenant. Also called its "directory" ID.
    :param str client_id: The service principal's client ID
    :param str certificate_path: Optional path to a certificate file in PEM or PKCS12 format, including the
        private key. If not provided, `certificate_data` is required.

    :keyword str authority: Authority of a Microsoft Entra endpoint, for example "login.microsoftonline.com".
    :keyword bytes certificate_data: The bytes of a certificate in PEM or PKCS12 format, including the private key
    :keyword password: The certificate's password. If a unicode string, it will be encoded as UTF-8.
    :paramtype password: str or bytes
    :keyword bool send_certificate_chain: If True, the credential will send the public certificate chain in the
        x5c header of each token request's JWT. This is required for Subject Name/Issuer (SNI) authentication.
        Defaults to False.
    :keyword List[str] additionally_allowed_tenants: Specifies tenants in addition to the specified "tenant_id"
        for which the credential may acquire tokens. Add the wildcard value "*" to allow any tenant.
    :keyword cache_persistence_options: Configuration for persistent token caching. If unspecified, the credential
        will cache tokens in memory.
    :paramtype cache_persistence_options: ~azauth.TokenCachePersistenceOptions
    """

    def __init__(
        self,
        tenant_id: TenantId,
        client_id: ClientId,
        certificate_path: CertificatePath = None,
        *,
        certificate_data: CertificateData = None,
        password: CertificatePassword = None,
        send_certificate_chain: SendCertificateChain = False,
        authority: AuthorityHost = None,
        additionally_allowed_tenants: AdditionallyAllowedTenants = (),
        disable_instance_discovery: DisableInstanceDiscovery = False,
        cache_persistence_options: CachePersistence = None,
        **kwargs: Unpack[RuntimeOptions],
    ) -> None:
        if not client_id:
            raise ValueError("client_id should be the id of a Microsoft Entra application")
        if certificate_path and certificate_data:
            raise ValueError("Specify either certificate_path or certificate_data, not both")
        if certificate_path:
            data, source = read_certificate_file(certificate_path), f"certificate_path {certificate_path!r}"
        elif certificate_data:
            if not isinstance(certificate_data, (bytes, bytearray)):
                raise TypeError("certificate_data must be bytes (PEM or PKCS12)")
            data, source = bytes(certificate_data), "certificate_data"
        else:
            raise ValueError("CertificateCredential requires a value for certificate_path or certificate_data")
        self._certificate: ClientCertificate = load_certificate(data, password, source=source)
        self._send_chain = bool(send_certificate_chain)
        self._setup(
            tenant_id=tenant_id,
            client_id=client_id,
            authority=authority,
            additionally_allowed_tenants=additionally_allowed_tenants,
            runtime=kwargs,
            cache_persistence_options=cache_persistence_options,
        )

    def token_flow(self, scopes: tuple[str, ...], request: TokenRequest) -> Flow[AccessTokenInfo]:
        client_id = self._client_id or ""
        algorithm = self.assertion_algorithm(request.tenant)
        return self.client_credentials_flow(
            scopes,
            request,
            assertion=lambda audience: sign_assertion(
                self._certificate,
                client_id,
                audience,
                now=self._clock(),
                send_chain=self._send_chain,
                algorithm=algorithm,
            ),
        )
