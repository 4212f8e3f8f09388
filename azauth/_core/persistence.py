"""The persistent token cache as the credential core sees it: validated settings and the store interface.

The store itself (files, locks, encryption) lives in ``azauth._io.persistence``; the driver mixin opens it and
every call on it runs as a ``Blocking`` step, so async credentials never touch the disk on the event loop.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from azure.core.credentials import AccessTokenInfo

__all__ = ["PersistedKey", "PersistenceSettings", "TokenStore", "persistence_settings"]

T = TypeVar("T")

CONFIG_SETTING_ATTRIBUTE = "_azauth_config_setting"
"""Set on persistence options built from a configuration: the configuration key that allows an unencrypted
cache, named by the encryption error instead of the keyword."""

CAE_SUFFIX = ".cae"
NON_CAE_SUFFIX = ".nocae"


@dataclass(frozen=True, slots=True)
class PersistenceSettings:
    """A credential's persistence options, checked at construction and frozen."""

    name: str
    allow_unencrypted_storage: bool
    environ: Mapping[str, str]
    setting: str = "TokenCachePersistenceOptions(allow_unencrypted_storage=True)"
    """How the application allows an unencrypted cache, for the error saying it can't be encrypted: the
    keyword, or the configuration key when the credential was built from a configuration."""

    def file_name(self, cae: bool) -> str:
        """The cache's file name: CAE and non-CAE tokens live in separate caches, as in azure-identity."""
        return self.name + (CAE_SUFFIX if cae else NON_CAE_SUFFIX)

    def __repr__(self) -> str:
        return f"PersistenceSettings(name={self.name!r}, allow_unencrypted_storage={self.allow_unencrypted_storage})"


class PersistedKey(Protocol):
    """Where a credential's tokens live in the msal cache document, and how they are read and written: an app's
    access token (``AppTokenKey``) or a user's tokens (``UserTokenKey``). A credential core names its kind
    through ``CredentialCore._persisted_key``."""

    def find(self, document: MutableMapping[str, Any], now: float) -> AccessTokenInfo | None:
        """The unexpired access token stored under this key."""

    def add(self, document: MutableMapping[str, Any], record: Any, now: float) -> None:
        """Store ``record`` (what the credential's flow obtained) under this key, as msal does."""


class TokenStore(Protocol):
    """A persistent msal token cache. Every method blocks; none raises for I/O trouble."""

    def lookup(self, key: PersistedKey, now: float) -> AccessTokenInfo | None:
        """The unexpired token stored under ``key`` (reloaded when another process changed the cache)."""

    def read(self, query: Callable[[MutableMapping[str, Any]], T]) -> T | None:
        """``query`` applied to the current cache document (``None`` when the cache can't be read)."""

    def save(self, key: PersistedKey, record: Any, now: float) -> None:
        """Merge ``record`` into the cache under the cross-process lock; skips, with a warning, when it can't."""


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
    setting = getattr(options, CONFIG_SETTING_ATTRIBUTE, None)
    if isinstance(setting, str) and setting:
        return PersistenceSettings(name, allow, environ, setting)
    return PersistenceSettings(name, allow, environ)
