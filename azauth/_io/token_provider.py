"""``get_bearer_token_provider`` for sync and async credentials."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from azure.core.credentials import AccessTokenInfo

from .._core.bearer import ProviderState
from .._protocol.steps import Delegate
from .aio import adelegate
from .sync import delegate

__all__ = ["get_async_bearer_token_provider", "get_bearer_token_provider"]


def get_bearer_token_provider(credential: Any, *scopes: str) -> Callable[[], str]:
    """Returns a callable that provides a bearer token.

    It can be used for instance to write code like:

    .. code-block:: python

        from azauth import DefaultAzureCredential, get_bearer_token_provider

        credential = DefaultAzureCredential()
        bearer_token_provider = get_bearer_token_provider(credential, "https://cognitiveservices.azure.com/.default")

        # Usage
        request.headers["Authorization"] = "Bearer " + bearer_token_provider()

    :param credential: The credential used to authenticate the request.
    :type credential: ~azure.core.credentials.TokenCredential
    :param str scopes: The scopes required for the bearer token.
    :rtype: callable
    :return: A callable that returns a bearer token.
    """
    state = ProviderState(scopes)

    def wrapper() -> str:
        now = time.time()
        token = state.current(now)
        if token is None:
            info: AccessTokenInfo = delegate(Delegate(credential, state.scopes, state.options))
            token = state.store(info, time.time())
        return token

    return wrapper


def get_async_bearer_token_provider(credential: Any, *scopes: str) -> Callable[[], Awaitable[str]]:
    """Returns a coroutine function that provides a bearer token, for async credentials.

    .. code-block:: python

        from azauth.aio import DefaultAzureCredential, get_bearer_token_provider

        provider = get_bearer_token_provider(DefaultAzureCredential(), "https://cognitiveservices.azure.com/.default")
        request.headers["Authorization"] = "Bearer " + await provider()

    :param credential: The credential used to authenticate the request.
    :type credential: ~azure.core.credentials_async.AsyncTokenCredential
    :param str scopes: The scopes required for the bearer token.
    :rtype: coroutine function
    :return: A coroutine function that returns a bearer token.
    """
    state = ProviderState(scopes)

    async def wrapper() -> str:
        now = time.time()
        token = state.current(now)
        if token is None:
            info = await adelegate(Delegate(credential, state.scopes, state.options))
            token = state.store(info, time.time())
        return token

    return wrapper
