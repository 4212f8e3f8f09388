"""What every azauth credential is, as azure-core's protocols: for annotating code that takes any of them.

``credential_from_config`` returns a :class:`Credential` (sync) or an :class:`AsyncCredential`, so its result
offers ``get_token``, ``get_token_info``, ``close`` and the context manager without casts::

    from azauth import credential_from_config

    with credential_from_config("azauth.yaml") as credential:
        info = credential.get_token_info("https://vault.azure.net/.default")
"""

from __future__ import annotations

from types import TracebackType

from azure.core.credentials import SupportsTokenInfo, TokenCredential
from azure.core.credentials_async import AsyncSupportsTokenInfo, AsyncTokenCredential
from typing_extensions import Protocol, Self, runtime_checkable

__all__ = ["AsyncCredential", "Credential"]


@runtime_checkable
class Credential(TokenCredential, SupportsTokenInfo, Protocol):
    """A sync credential: azure-core's ``TokenCredential`` and ``SupportsTokenInfo`` (``get_token``,
    ``get_token_info``, ``close``, ``with``)."""

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None: ...


@runtime_checkable
class AsyncCredential(AsyncTokenCredential, AsyncSupportsTokenInfo, Protocol):
    """An async credential: azure-core's ``AsyncTokenCredential`` and ``AsyncSupportsTokenInfo`` (``get_token``,
    ``get_token_info``, ``close``, ``async with``)."""

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None: ...
