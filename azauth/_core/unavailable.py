"""A chain member that could not be built: always unavailable, saying why."""

from __future__ import annotations

from typing import Any

from .._protocol.steps import Flow
from .base import CredentialCore, unavailable
from .token_cache import CacheEntry, CacheKey

__all__ = ["UnavailableCore"]


class UnavailableCore(CredentialCore):
    """Stands in a chain for a credential whose constructor refused its inputs (typically an environment
    that lacks them, as WorkloadIdentityCredential outside Kubernetes): the chain reports the reason and moves
    on, as DefaultAzureCredential does with the credentials it cannot construct."""

    caches_tokens = False

    def __init__(self, credential_name: str, reason: str) -> None:
        self._credential_name = credential_name
        self._reason = reason
        self._tokens = {}
        self._sender = self._new_sender({})

    def _repr_fields(self) -> dict[str, object]:
        return {"credential": self._credential_name}

    def unavailable_reason(self) -> str | None:
        return f"{self._credential_name} could not be created: {self._reason}"

    def _acquire_flow(
        self,
        scopes: tuple[str, ...],
        claims: str | None,
        tenant_id: str | None,
        enable_cae: bool,
        key: CacheKey | None,
        method: str,
    ) -> Flow[CacheEntry]:
        raise unavailable(self.unavailable_reason() or "")
        yield  # a generator, like every flow

    def _child_credentials(self) -> tuple[Any, ...]:
        return ()
