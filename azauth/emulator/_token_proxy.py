"""The AKS identity-binding token proxy (``AZURE_KUBERNETES_TOKEN_PROXY``), played by the emulator.

A TLS server on 127.0.0.1 whose certificate is issued by a CA of its own (given to the client as
``AZURE_KUBERNETES_CA_DATA`` or ``AZURE_KUBERNETES_CA_FILE``) for a name that is not 127.0.0.1 (the client reaches
it by ``AZURE_KUBERNETES_SNI_NAME``): a client that ignores the CA, or the SNI name, fails the handshake. It serves
``<path>/<tenant>/oauth2/v2.0/token`` with the emulator's own token endpoint and records the server names clients
asked for.
"""

from __future__ import annotations

import os
import re
import ssl
import threading
from typing import TYPE_CHECKING, Any

from . import _certs
from ._http import Route, Server

if TYPE_CHECKING:
    from ._emulator import Emulator

__all__ = ["TokenProxy"]

DEFAULT_SNI_NAME = "identity-binding.aks.emulator.test"
DEFAULT_PATH = "/identity-binding"


class TokenProxy:
    """The emulator's AKS token proxy: ``emu.token_proxy()`` starts it (once) and returns it."""

    def __init__(self, emulator: Emulator, tmpdir: str, *, sni_name: str = DEFAULT_SNI_NAME) -> None:
        self.sni_name = sni_name
        self.path = DEFAULT_PATH
        self.server_names: list[str | None] = []
        """The SNI server name of every TLS handshake, in order."""
        self._lock = threading.Lock()
        ca_key = _certs.cached_rsa_key("token-proxy-ca")
        ca_cert = _certs.build_certificate("azauth emulator token proxy CA", ca_key.public_key(), ca_key, ca=True)
        key = _certs.cached_rsa_key("token-proxy")
        cert = _certs.build_certificate(
            sni_name, key.public_key(), ca_key, issuer_cert=ca_cert, server_names=(sni_name,)
        )
        self.ca_pem = _certs.pem(ca_cert)
        self.ca_path = os.path.join(tmpdir, "token-proxy-ca.pem")
        with open(self.ca_path, "wb") as f:
            f.write(self.ca_pem)
        chain_path = os.path.join(tmpdir, "token-proxy.pem")
        with open(chain_path, "wb") as f:
            f.write(_certs.pem(cert) + _certs.pem(ca_cert) + _certs.key_pem(key))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(chain_path)
        context.sni_callback = self._record_server_name
        tenant = r"(?P<tenant>[^/]+)"
        route = Route(
            "POST", re.compile(rf"{re.escape(self.path)}/{tenant}/oauth2/v2\.0/token"), "token-proxy", emulator._token
        )
        self.server = Server(emulator, [route], context)

    def _record_server_name(self, _socket: Any, name: str | None, _context: Any) -> None:
        with self._lock:
            self.server_names.append(name)

    @property
    def endpoint(self) -> str:
        """``AZURE_KUBERNETES_TOKEN_PROXY``: ``https://127.0.0.1:<port>/identity-binding``."""
        return f"https://127.0.0.1:{self.server.port}{self.path}"

    def environ(self, *, ca: str = "data") -> dict[str, str]:
        """The variables AKS sets for identity binding: the proxy, its SNI name and its CA (``ca="data"``: the PEM
        in ``AZURE_KUBERNETES_CA_DATA``; ``"file"``: a path in ``AZURE_KUBERNETES_CA_FILE``)."""
        variables = {"AZURE_KUBERNETES_TOKEN_PROXY": self.endpoint, "AZURE_KUBERNETES_SNI_NAME": self.sni_name}
        if ca == "file":
            variables["AZURE_KUBERNETES_CA_FILE"] = self.ca_path
        else:
            variables["AZURE_KUBERNETES_CA_DATA"] = self.ca_pem.decode("ascii")
        return variables
