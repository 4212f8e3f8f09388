"""ChainedTokenCredential: try credentials in order; "unavailable" moves on, any other error stops."""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from typing import Any, ClassVar

from azure.core.credentials import TokenRequestOptions
from azure.core.exceptions import ClientAuthenticationError

from .._protocol.steps import Delegate, Flow
from .._protocol.token_reply import RedactedAccessToken, RedactedAccessTokenInfo
from .._protocol.validation import validate_scopes
from ..errors import CredentialUnavailableError
from .base import CredentialCore, unavailable, within_credential_chain, within_default_credential
from .token_cache import CacheEntry, CacheKey

__all__ = ["ChainedCore", "chain_failure_message", "credential_name"]

_LOGGER = logging.getLogger("azauth")
TROUBLESHOOTING = "https://aka.ms/azsdk/python/identity/defaultazurecredential/troubleshoot"
POP_UNSUPPORTED = "Proof of possession arguments are not supported for this credential."


def credential_name(credential: Any) -> str:
    """How a chain names a member: its class name (a stand-in for a credential that could not be built names
    the credential it stands for)."""
    return str(getattr(credential, "_credential_name", None) or credential.__class__.__name__)


def chain_failure_message(owner: str, history: list[tuple[str, str]]) -> str:
    """azure-identity's message: one line per credential attempted, with what it said."""
    attempts = "\n\t".join(f"{name}: {error}" if error else name for name, error in history)
    return (
        f"{owner} failed to retrieve a token from the included credentials.\nAttempted credentials:\n\t{attempts}"
        f"\nTo mitigate this issue, please refer to the troubleshooting guidelines here at {TROUBLESHOOTING}."
    )


def static_reason(credential: Any) -> str | None:
    """Why ``credential`` cannot answer, as far as it can tell without network or process (azauth cores only)."""
    return credential.unavailable_reason() if isinstance(credential, CredentialCore) else None


class ChainedCore(CredentialCore, config_type="chain"):
    """A sequence of credentials that is itself a credential.

    Its :func:`get_token` method calls ``get_token`` on each credential in the sequence, in order, returning
    the first valid token received (and :func:`get_token_info` calls ``get_token_info``). A
    :class:`CredentialUnavailableError` moves on to the next credential; any other error stops the chain.
    Concurrent requests for the same token share one walk of the chain. The credential that answered is
    :attr:`selected_credential`. Closing the chain closes every credential in it.

    :param credentials: credential instances to form the chain
    :type credentials: ~azure.core.credentials.TokenCredential
    """

    caches_tokens = False
    sticky: ClassVar[bool] = False
    """After a success, the same member answers every later request without walking the chain again
    (DefaultAzureCredential); a plain chain walks from the start each time, as azure-identity's does."""
    default_chain: ClassVar[bool] = False
    """DefaultAzureCredential: while it walks, ``within_default_credential`` is set (developer tools that ran
    but gave no token say "unavailable"), and members marked tolerant may fail in any way without stopping it."""

    def __init__(self, *credentials: Any) -> None:
        self._init_chain(credentials)

    def _init_chain(self, credentials: tuple[Any, ...] | list[Any]) -> None:
        if not credentials:
            raise ValueError("at least one credential is required")
        for index, credential in enumerate(credentials):
            if not (hasattr(credential, "get_token") or hasattr(credential, "get_token_info")):
                raise TypeError(
                    f"credential {index} ({type(credential).__name__}) has neither get_token nor get_token_info"
                )
        self.credentials = tuple(credentials)
        self._selected: Any = None
        self._tokens = {}
        self._sender = self._new_sender({})

    @property
    def selected_credential(self) -> Any:
        """The member credential that answered the last successful token request, or ``None`` before any."""
        return self._selected

    def _repr_fields(self) -> dict[str, object]:
        return {"credentials": [credential_name(c) for c in self.credentials]}

    def _child_credentials(self) -> Collection[Any]:
        return self.credentials

    def unavailable_reason(self) -> str | None:
        reasons = [static_reason(c) for c in self.credentials]
        if any(reason is None for reason in reasons):
            return None
        return f"{type(self).__name__}: no member can answer ({'; '.join(r or '' for r in reasons)})"

    def _cache_key(self, scopes: tuple[str, ...], tenant_id: str | None, enable_cae: bool) -> CacheKey | None:
        # a key for single flight only: tokens stay in the members' caches (a sticky chain reads its member's)
        return (scopes, tenant_id, enable_cae)

    def _request_flow(
        self,
        scopes: tuple[str, ...],
        claims: str | None,
        tenant_id: str | None,
        enable_cae: bool,
        key: CacheKey | None,
        method: str,
        extra: Mapping[str, Any] | None,
    ) -> Flow[CacheEntry]:
        validate_scopes(scopes, method=method)
        selected = self._selected
        if self.sticky and selected is not None:
            answer = yield from self._ask(selected, method, scopes, claims, tenant_id, enable_cae, extra)
            return CacheEntry.forwarded(answer)
        name = type(self).__name__
        history: list[tuple[str, str]] = []
        marker = within_credential_chain.set(True)
        default_marker = within_default_credential.set(True) if self.default_chain else None
        try:
            for index, credential in enumerate(self.credentials):
                reason = static_reason(credential)
                if reason is not None:
                    history.append((credential_name(credential), reason))
                    continue
                try:
                    answer = yield from self._ask(credential, method, scopes, claims, tenant_id, enable_cae, extra)
                except CredentialUnavailableError as exc:
                    history.append((credential_name(credential), exc.message))
                    continue
                except Exception as exc:
                    history.append((credential_name(credential), str(exc)))
                    _LOGGER.debug("%s.%s: %s raised %s", name, method, credential_name(credential), exc)
                    if self._tolerates(index):
                        continue
                    break
                self._answered(credential)
                return CacheEntry.forwarded(answer)
        finally:
            if default_marker is not None:
                within_default_credential.reset(default_marker)
            within_credential_chain.reset(marker)
        message = chain_failure_message(name, history)
        _LOGGER.warning(message)
        raise ClientAuthenticationError(message=message)

    def _tolerates(self, index: int) -> bool:
        """Whether any failure of member ``index`` counts as "unavailable" (DefaultAzureCredential's developer
        credentials); in a plain chain only ``CredentialUnavailableError`` does."""
        return False

    def _answered(self, credential: Any) -> None:
        if credential is self._selected:
            return
        self._selected = credential
        _LOGGER.info("%s acquired a token from %s", type(self).__name__, credential_name(credential))
        if self.sticky and isinstance(credential, CredentialCore) and credential.caches_tokens:
            # the member's cache is the chain's: a cached token costs what it costs from the member itself
            self._tokens = credential._tokens

    def _ask(
        self,
        credential: Any,
        method: str,
        scopes: tuple[str, ...],
        claims: str | None,
        tenant_id: str | None,
        enable_cae: bool,
        extra: Mapping[str, Any] | None,
    ) -> Flow[Any]:
        """Call on ``credential`` the method the caller called, with the caller's arguments, and return its
        answer untouched; a member lacking that method is asked with the other one (converted)."""
        if method == "get_token":
            if hasattr(credential, "get_token"):
                kwargs = {"claims": claims, "tenant_id": tenant_id, "enable_cae": enable_cae, **(extra or {})}
                return (yield Delegate(credential, scopes, kwargs, method="get_token"))  # type: ignore[arg-type]
            options: TokenRequestOptions = {"enable_cae": enable_cae}
            if claims:
                options["claims"] = claims
            if tenant_id:
                options["tenant_id"] = tenant_id
            info = yield Delegate(credential, scopes, options, method="get_token_info")
            return RedactedAccessToken(info.token, info.expires_on)
        given: Any = extra if extra is not None else {}
        if hasattr(credential, "get_token_info"):
            return (yield Delegate(credential, scopes, given, method="get_token_info"))
        if given.get("pop"):
            raise unavailable(POP_UNSUPPORTED)
        token = yield Delegate(credential, scopes, given, method="get_token")
        return RedactedAccessTokenInfo(token.token, token.expires_on)
