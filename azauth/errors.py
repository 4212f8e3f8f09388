"""The exceptions azauth raises.

::

    ValueError
     └── ConfigError                   a configuration document is invalid (every problem at once)
    azure.core.exceptions.ClientAuthenticationError
     ├── CredentialUnavailableError    the credential could not try: data, state or platform missing
     │    └── AuthenticationRequiredError   interactive authentication is required
     └── (plain ClientAuthenticationError) the credential tried and authentication failed

A chain treats ``CredentialUnavailableError`` as "try the next credential" and stops on any other
error, as azure-identity does.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from azure.core.exceptions import ClientAuthenticationError

__all__ = ["AuthenticationRequiredError", "ClientAuthenticationError", "CredentialUnavailableError"]


class CredentialUnavailableError(ClientAuthenticationError):
    """The credential did not attempt to authenticate because required data or state is unavailable."""


class AuthenticationRequiredError(CredentialUnavailableError):
    """Interactive authentication is required to acquire a token.

    This error is raised only by interactive user credentials configured not to automatically prompt for
    user interaction as needed. Its properties provide additional information that may be required to
    authenticate.

    :param scopes: Scopes requested during the failed authentication
    :param str message: An error message explaining the reason for the exception.
    :param str claims: Additional claims required in the next authentication.
    """

    def __init__(
        self, scopes: Iterable[str], message: str | None = None, claims: str | None = None, **kwargs: Any
    ) -> None:
        self._scopes = tuple(scopes)
        self._claims = claims
        if not message:
            message = "Interactive authentication is required to get a token. Call 'authenticate' to begin."
        super().__init__(message=message, **kwargs)

    @property
    def scopes(self) -> Iterable[str]:
        """Scopes requested during the failed authentication."""
        return self._scopes

    @property
    def claims(self) -> str | None:
        """Additional claims required in the next authentication."""
        return self._claims
