"""The persistent token cache as the credential core sees it: validated settings and the store interface.

The store itself (files, locks, encryption) lives in ``azauth._io.persistence``; the driver mixin opens it and
every call on it runs as a ``Blocking`` step, so async credentials never touch the disk on the event loop.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from azure.core.credentials import AccessTokenInfo

from .._protocol.msal_cache import AppTokenKey

__all__ = ["PersistenceSettings", "TokenStore", "persistence_settings"]

CAE_SUFFIX = ".cae"
NON_CAE_SUFFIX = ".nocae"


@dataclass(frozen=True, slots=True)
class PersistenceSettings:
    """A credential's persistence options, checked at construction and frozen."""

    name: str
    allow_unencrypted_storage: bool
    environ: Mapping[str, str]

    def file_name(self, cae: bool) -> str:
        """The cache's file name: CAE and non-CAE tokens live in separate caches, as in azure-identity."""
        return self.name + (CAE_SUFFIX if cae else NON_CAE_SUFFIX)

    def __repr__(self) -> str:
        return f"PersistenceSettings(name={self.name!r}, allow_unencrypted_storage={self.allow_unencrypted_storage})"


class TokenStore(Protocol):
    """A persistent msal token cache. Both methods block; neither raises for I/O trouble."""

    def lookup(self, key: AppTokenKey, now: float) -> AccessTokenInfo | None:
        """The unexpired token stored under ``key`` (reloaded when another process changed the cache)."""

    def save(self, key: AppTokenKey, info: AccessTokenInfo, now: float) -> None:
        """Merge ``info`` into the cache under the cross-process lock; skips, with a warning, when it can't."""


def persistence_settings(options: Any, environ: Mapping[str, str]) -> PersistenceSettings | None:
    """Check ``cache_persistence_options``: ``None``, or an object with ``name`` and ``allow_unencrypted_storage``.

    azure-identity's ``TokenCachePersistenceOptions`` is accepted as well as azauth's. The name becomes a file
    name, so it must not be empty or contain a path separator.
    """
    if options is None:
        return None
    if not hasattr(options, "name") or not hasattr(options, "allow_unencrypted_storage"):
        raise TypeError(
            "cache_persistence_options must be a TokenCachePersistenceOptions, not " + type(options).__name__
        )
    name, allow = options.name, options.allow_unencrypted_storage
    if not isinstance(name, str) or not name.strip():
        raise ValueError("TokenCachePersistenceOptions.name must be a non-empty string, e.g. 'my_application'")
    if any(c in name for c in "/\\\0:") or name.strip(".") == "" or name != name.strip():
        raise ValueError(
            f"TokenCachePersistenceOptions.name {name!r} must be a plain file name (no path separator, ':' or"
            " surrounding whitespace): the cache is stored as ~/.IdentityService/<name>.nocae"
        )
    if not isinstance(allow, bool):
        raise TypeError("TokenCachePersistenceOptions.allow_unencrypted_storage must be True or False")
    return PersistenceSettings(name, allow, environ)
