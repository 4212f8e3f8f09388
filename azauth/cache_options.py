"""``TokenCachePersistenceOptions``: where and how a credential persists its tokens between processes."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_CACHE_NAME", "TokenCachePersistenceOptions"]

DEFAULT_CACHE_NAME = "msal.cache"
"""The name of the cache Microsoft developer tools and ``SharedTokenCacheCredential`` share."""


@dataclass(kw_only=True)
class TokenCachePersistenceOptions:
    """Options for persistent token caching.

    Most credentials accept an instance of this class to configure persistent token caching. The default values
    configure a credential to use a cache shared with Microsoft developer tools and
    :class:`~azure.identity.SharedTokenCacheCredential`. To isolate a credential's data from other applications,
    specify a `name` for the cache.

    By default, the cache is encrypted with the current platform's user data protection API (DPAPI on Windows,
    the Keychain on macOS, libsecret on Linux), and the first token request raises ``ValueError`` when this is
    not available. To configure the cache to fall back to an unencrypted file instead of raising an error,
    specify `allow_unencrypted_storage=True`.

    .. warning:: The cache contains authentication secrets. If the cache is not encrypted, protecting it is the
       application's responsibility. A breach of its contents will fully compromise accounts.

    The cache lives in ``~/.IdentityService`` (``%LOCALAPPDATA%\\.IdentityService`` on Windows), in the msal
    token-cache format; CAE and non-CAE tokens are kept apart in ``<name>.cae`` and ``<name>.nocae``.

    Example::

        cache_options = TokenCachePersistenceOptions(name="my_application")
        credential = ClientSecretCredential(tenant_id, client_id, secret, cache_persistence_options=cache_options)

    :keyword str name: prefix name of the cache, used to isolate its data from other applications. Defaults to the
        name of the cache shared by Microsoft dev tools and :class:`~azure.identity.SharedTokenCacheCredential`.
        Additional strings may be appended to the name for further isolation.
    :keyword bool allow_unencrypted_storage: whether the cache should fall back to storing its data in plain text
        when encryption isn't possible. False by default. Setting this to True does not disable encryption. The
        cache will always try to encrypt its data.
    """

    allow_unencrypted_storage: bool = False
    name: str = DEFAULT_CACHE_NAME
