"""azauth.aio: the async credentials, same names and keywords as the sync ones in ``azauth``.

Public names are loaded on first use, so ``import azauth.aio`` costs almost nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

_EXPORTS = {
    "CertificateCredential": ("azauth.aio._credentials", "CertificateCredential"),
    "ChainedTokenCredential": ("azauth.aio._credentials", "ChainedTokenCredential"),
    "ClientAssertionCredential": ("azauth.aio._credentials", "ClientAssertionCredential"),
    "ClientSecretCredential": ("azauth.aio._credentials", "ClientSecretCredential"),
    "get_bearer_token_provider": ("azauth._io.token_provider", "get_async_bearer_token_provider"),
}

__all__ = [
    "CertificateCredential",
    "ChainedTokenCredential",
    "ClientAssertionCredential",
    "ClientSecretCredential",
    "get_bearer_token_provider",
]
__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)

if TYPE_CHECKING:
    from .._io.token_provider import get_async_bearer_token_provider as get_bearer_token_provider
    from ._credentials import (
        CertificateCredential,
        ChainedTokenCredential,
        ClientAssertionCredential,
        ClientSecretCredential,
    )
