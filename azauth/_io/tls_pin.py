"""Checking a server's certificate thumbprint before a request is sent to it.

Service Fabric's managed-identity endpoint presents a self-signed certificate whose SHA-1 thumbprint is given in
``IDENTITY_SERVER_THUMBPRINT``. Chain validation cannot succeed, so the request itself is sent without it, after
this check has connected once and compared the certificate's thumbprint (both drivers call it; the async one
from a worker thread).
"""

from __future__ import annotations

import hashlib
import socket
import ssl
from urllib.parse import urlsplit

from azure.core.exceptions import ClientAuthenticationError, ServiceRequestError

__all__ = ["check_pinned_certificate"]


def _normalize(thumbprint: str) -> str:
    return "".join(ch for ch in thumbprint if ch not in ": ").upper()


def check_pinned_certificate(url: str, thumbprint: str, timeout: float | None) -> None:
    """Raise unless the TLS server at ``url`` presents a certificate with this SHA-1 ``thumbprint``.

    ``ServiceRequestError`` when the server cannot be reached (the caller may retry);
    ``ClientAuthenticationError`` when it presents another certificate (nothing is sent to it).
    """
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or 443
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the certificate is self-signed: its thumbprint is what we check
    try:
        with (
            socket.create_connection((host, port), timeout=timeout or 10.0) as raw,
            context.wrap_socket(raw, server_hostname=host) as tls,
        ):
            der = tls.getpeercert(binary_form=True)
    except OSError as exc:
        raise ServiceRequestError(f"could not connect to {host}:{port} to check its certificate: {exc}") from None
    actual = hashlib.sha1(der or b"").hexdigest().upper()
    if actual != _normalize(thumbprint):
        raise ClientAuthenticationError(
            message=f"The TLS certificate of {host}:{port} has SHA-1 thumbprint {actual}, not the"
            f" {_normalize(thumbprint)} given in IDENTITY_SERVER_THUMBPRINT: refusing to send the request"
        )
