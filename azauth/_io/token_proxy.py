"""Transports to the AKS token proxy: TLS verified with the proxy's CA (re-read when its file changes) and the
proxy's server name, for requests (sync) and aiohttp (async). The URL rewriting is the flow's
(``azauth._protocol.token_proxy``)."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Mapping
from typing import Any

from azure.core.pipeline.transport import AioHttpTransport, RequestsTransport

from .._protocol.token_proxy import TokenProxySettings

__all__ = ["AsyncTokenProxyTransport", "ProxyTrust", "TokenProxyTransport", "proxy_transport_options"]

_TRANSPORT_OPTIONS = ("connection_timeout", "read_timeout", "connection_cert", "use_env_settings")


def proxy_transport_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """The credential's options the proxy's transport takes (as azure-identity passes them on)."""
    return {name: options[name] for name in _TRANSPORT_OPTIONS if name in options}


class ProxyTrust:
    """The proxy's CA and server name as an ``ssl.SSLContext``, rebuilt when ``AZURE_KUBERNETES_CA_FILE`` changes
    (an empty or unreadable file mid-rotation keeps the CA read last; on the first read it is an error)."""

    def __init__(self, settings: TokenProxySettings) -> None:
        self.server_name = settings.sni_name
        self._file = settings.ca_file
        self._data = settings.ca_data
        self._lock = threading.Lock()
        self._context: ssl.SSLContext | None = None
        self.context()  # a bad CA fails at construction, as in azure-identity

    def _reload(self) -> bool:
        """Read the CA file (a few KB, read at each token request, so a rotation is never missed however quickly
        it follows the last read); whether the CA data changed."""
        if self._file is None:
            return False
        try:
            with open(self._file, encoding="utf-8") as file:
                content = file.read(1 << 20)
        except OSError as exc:
            if self._data is None:
                raise ValueError(f"Failed to read CA file ({self._file}): {exc.strerror or exc}") from None
            return False
        if not content.strip():
            if self._data is None:
                raise ValueError(f"CA file ({self._file}) is empty. Cannot establish secure connection.")
            return False
        changed = content != self._data
        self._data = content
        return changed

    def context(self) -> ssl.SSLContext | None:
        """The context to verify the proxy with (``None``: the system's trust store)."""
        with self._lock:
            if self._reload() or (self._context is None and self._data is not None):
                try:
                    self._context = ssl.create_default_context(cadata=self._data)
                except (ssl.SSLError, ValueError) as exc:
                    raise ValueError(f"The token proxy's CA is not a PEM certificate ({type(exc).__name__})") from None
            return self._context


class _SniAdapter:
    """A requests adapter whose connections use the proxy's CA and server name."""

    def __new__(cls, trust: ProxyTrust, context: ssl.SSLContext | None) -> Any:
        from requests.adapters import HTTPAdapter

        class Adapter(HTTPAdapter):
            def init_poolmanager(self, *args: Any, **pool_kwargs: Any) -> None:
                if trust.server_name:
                    pool_kwargs["server_hostname"] = trust.server_name
                if context is not None:
                    pool_kwargs["ssl_context"] = context
                super().init_poolmanager(*args, **pool_kwargs)

        return Adapter()


class TokenProxyTransport(RequestsTransport):  # type: ignore[misc]  # azure-core exports it lazily (Any)
    """``RequestsTransport`` to the token proxy."""

    def __init__(self, settings: TokenProxySettings, **kwargs: Any) -> None:
        import requests

        self._trust = ProxyTrust(settings)
        self._mounted: ssl.SSLContext | None = None
        super().__init__(session=requests.Session(), session_owner=True, **kwargs)
        self._mount()

    def _mount(self) -> None:
        context = self._trust.context()
        assert self.session is not None
        self.session.mount("https://", _SniAdapter(self._trust, context))
        self._mounted = context

    def send(self, request: Any, **kwargs: Any) -> Any:
        if self._trust.context() is not self._mounted:  # the CA file was rotated
            self._mount()
        return super().send(request, **kwargs)


class AsyncTokenProxyTransport(AioHttpTransport):  # type: ignore[misc]  # likewise
    """``AioHttpTransport`` to the token proxy."""

    def __init__(self, settings: TokenProxySettings, **kwargs: Any) -> None:
        self._trust = ProxyTrust(settings)
        super().__init__(**kwargs)

    def _build_ssl_config(self, cert: Any, verify: Any) -> Any:
        context = self._trust.context()
        return context if context is not None else super()._build_ssl_config(cert, verify)

    async def send(self, request: Any, **config: Any) -> Any:
        if self._trust.server_name:
            config.setdefault("server_hostname", self._trust.server_name)
        return await super().send(request, **config)
