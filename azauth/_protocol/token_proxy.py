"""AKS identity binding: WorkloadIdentityCredential's token requests through the Kubernetes token proxy.

``enable_azure_proxy=True`` with ``AZURE_KUBERNETES_TOKEN_PROXY`` set sends each token request to the proxy
(its path prefixed to the token endpoint's path), over TLS verified with the proxy's CA
(``AZURE_KUBERNETES_CA_DATA`` or ``AZURE_KUBERNETES_CA_FILE``, re-read when the file changes) and the server
name ``AZURE_KUBERNETES_SNI_NAME``. The validation rules and messages are azure-identity 1.27's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

__all__ = ["CA_DATA_FILE_ERROR", "CUSTOM_PROXY_ENV_ERROR", "TokenProxySettings", "proxied_url", "token_proxy_settings"]

CA_DATA_FILE_ERROR = "Both AZURE_KUBERNETES_CA_FILE and AZURE_KUBERNETES_CA_DATA are set. Only one should be set."
CUSTOM_PROXY_ENV_ERROR = (
    "AZURE_KUBERNETES_TOKEN_PROXY is not set but other custom endpoint-related environment variables are present."
)


@dataclass(frozen=True, slots=True)
class TokenProxySettings:
    """The token proxy the environment names: its URL, the TLS server name and CA to verify it with."""

    endpoint: str
    sni_name: str | None = None
    ca_file: str | None = None
    ca_data: str | None = None


def token_proxy_settings(environ: Mapping[str, str]) -> TokenProxySettings | None:
    """The proxy configured by ``AZURE_KUBERNETES_*`` (``None``: not configured); ``ValueError`` when the
    configuration is contradictory or the endpoint is not a plain https URL."""
    endpoint = environ.get("AZURE_KUBERNETES_TOKEN_PROXY") or None
    sni = environ.get("AZURE_KUBERNETES_SNI_NAME") or None
    ca_file = environ.get("AZURE_KUBERNETES_CA_FILE") or None
    ca_data = environ.get("AZURE_KUBERNETES_CA_DATA") or None
    if endpoint is None:
        if sni or ca_file or ca_data:
            raise ValueError(CUSTOM_PROXY_ENV_ERROR)
        return None
    if ca_file and ca_data:
        raise ValueError(CA_DATA_FILE_ERROR)
    try:
        parts = urlsplit(endpoint)
        parts.port  # noqa: B018 - validates the port
    except ValueError:
        raise ValueError("AZURE_KUBERNETES_TOKEN_PROXY is not a valid URL") from None
    if parts.scheme != "https" or not parts.hostname:
        raise ValueError(f"AZURE_KUBERNETES_TOKEN_PROXY must use the 'https' scheme. Got '{parts.scheme}' instead.")
    if parts.username or parts.password:
        raise ValueError("AZURE_KUBERNETES_TOKEN_PROXY must not contain username or password.")
    if parts.fragment or parts.query:
        raise ValueError("AZURE_KUBERNETES_TOKEN_PROXY must not contain query parameters or a fragment.")
    return TokenProxySettings(endpoint, sni, ca_file, ca_data)


def proxied_url(proxy_endpoint: str, url: str) -> str:
    """``url`` sent to the proxy: the proxy's scheme and host, the proxy's path then ``url``'s path and query."""
    proxy, target = urlsplit(proxy_endpoint), urlsplit(url)
    path = proxy.path.rstrip("/") + "/" + target.path.lstrip("/")
    return urlunsplit((proxy.scheme, proxy.netloc, path, target.query, ""))
