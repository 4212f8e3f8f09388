"""What both bearer-token providers share: scope validation and the reuse rule for the last token."""

from __future__ import annotations

from azure.core.credentials import AccessTokenInfo, TokenRequestOptions

from .._protocol.validation import validate_scopes
from .token_cache import CacheEntry

__all__ = ["ProviderState"]


class ProviderState:
    """The last token a provider handed out, reused until its refresh point (as credentials cache)."""

    __slots__ = ("entry", "options", "scopes")

    def __init__(self, scopes: tuple[str, ...]) -> None:
        self.scopes = validate_scopes(scopes, method="get_bearer_token_provider")
        self.options: TokenRequestOptions = {}
        self.entry: CacheEntry | None = None

    def current(self, now: float) -> str | None:
        entry = self.entry
        return entry.info.token if entry is not None and now < entry.refresh_at else None

    def store(self, info: AccessTokenInfo, now: float) -> str:
        self.entry = CacheEntry(info, now)
        return info.token
