"""ChainedTokenCredential: try credentials in order; "unavailable" moves on, any other error stops."""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import Any

from azure.core.credentials import TokenRequestOptions
from azure.core.exceptions import ClientAuthenticationError

from .._protocol.steps import Delegate, Flow
from .._protocol.validation import validate_scopes
from ..errors import CredentialUnavailableError
from .base import CredentialCore, within_credential_chain
from .token_cache import CacheEntry, CacheKey

__all__ = ["ChainedCore", "chain_failure_message"]

_LOGGER = logging.getLogger("azauth")
TROUBLESHOOTING = "https://aka.ms/azsdk/python/identity/defaultazurecredential/troubleshoot"


def credential_name(credential: Any) -> str:
    return getattr(credential, "_credential_name", None) or type(credential).__name__


def chain_failure_message(owner: str, history: list[tuple[str, str]]) -> str:
    """azure-identity's message: one line per credential attempted, with what it said."""
    attempts = "\n\t".join(f"{name}: {error}" if error else name for name, error in history)
    return (
        f"{owner} failed to retrieve a token from the included credentials.\nAttempted credentials:\n\t{attempts}"
        f"\nTo mitigate this issue, please refer to the troubleshooting guidelines here at {TROUBLESHOOTING}."
    )


class ChainedCore(CredentialCore, config_type="chain"):
    """A sequence of credentials that is itself a credential.

    Its :func:`get_token` method calls ``get_token`` on each credential in the sequence, in order, returning
    the first valid token received. A :class:`CredentialUnavailableError` moves on to the next credential;
    any other error stops the chain. Closing the chain closes every credential in it.

    :param credentials: credential instances to form the chain
    :type credentials: ~azure.core.credentials.TokenCredential
    """

    caches_tokens = False

    def __init__(self, *credentials: Any) -> None:
        if not credentials:
            raise ValueError("at least one credential is required")
        for index, credential in enumerate(credentials):
            if not (hasattr(credential, "get_token") or hasattr(credential, "get_token_info")):
                raise TypeError(
                    f"credential {index} ({type(credential).__name__}) has neither get_token nor get_token_info"
                )
        self.credentials = credentials
        self._successful_credential: Any = None
        self._tokens = {}
        self._sender = self._new_sender({})

    def _repr_fields(self) -> dict[str, object]:
        return {"credentials": [credential_name(c) for c in self.credentials]}

    def _child_credentials(self) -> Collection[Any]:
        return self.credentials

    def _acquire_flow(
        self,
        scopes: tuple[str, ...],
        claims: str | None,
        tenant_id: str | None,
        enable_cae: bool,
        key: CacheKey | None,
        method: str,
    ) -> Flow[CacheEntry]:
        validate_scopes(scopes, method=method)
        options: TokenRequestOptions = {"enable_cae": bool(enable_cae)}
        if claims:
            options["claims"] = claims
        if tenant_id:
            options["tenant_id"] = tenant_id
        name = type(self).__name__
        history: list[tuple[str, str]] = []
        marker = within_credential_chain.set(True)
        try:
            for credential in self.credentials:
                try:
                    info = yield Delegate(credential, scopes, options)
                except CredentialUnavailableError as exc:
                    history.append((credential_name(credential), exc.message))
                    continue
                except Exception as exc:
                    history.append((credential_name(credential), str(exc)))
                    _LOGGER.debug("%s.%s: %s raised %s", name, method, credential_name(credential), exc)
                    break
                self._successful_credential = credential
                _LOGGER.info("%s acquired a token from %s", name, credential_name(credential))
                return CacheEntry(info, self._clock())
        finally:
            within_credential_chain.reset(marker)
        message = chain_failure_message(name, history)
        _LOGGER.warning(message)
        raise ClientAuthenticationError(message=message)
