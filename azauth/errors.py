"""The exceptions azauth raises.

::

    ValueError
     └── ConfigError                   a configuration document is invalid (every problem at once)
    UserWarning
     └── ConfigWarning                 a configuration is probably not what was meant (unknown AZAUTH_* variable)
    azure.core.exceptions.ClientAuthenticationError
     ├── CredentialUnavailableError    the credential could not try: data, state or platform missing
     │    └── AuthenticationRequiredError   interactive authentication is required
     └── (plain ClientAuthenticationError) the credential tried and authentication failed

A chain treats ``CredentialUnavailableError`` as "try the next credential" and stops on any other
error, as azure-identity does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from azure.core.exceptions import ClientAuthenticationError

from ._troubleshooting import see

__all__ = [
    "AuthenticationRequiredError",
    "ClientAuthenticationError",
    "ConfigError",
    "ConfigProblem",
    "ConfigWarning",
    "CredentialUnavailableError",
]


@dataclass(frozen=True)
class ConfigProblem:
    """One problem found in a configuration document: where it is, and what is wrong.

    ``file`` is a path, ``<mapping>`` or ``<env AZAUTH_...>``; ``line`` and ``column`` are 1-based and ``None``
    where the source has no positions; ``path`` is the field path, e.g. ``profiles.app.credentials[1].client_id``.
    The message never contains a secret value. Characters that are not printable (newlines, ANSI escapes,
    bidirectional overrides) in ``file``, ``path`` and ``message`` are written as escapes (``\\x1b``), so
    an untrusted document cannot forge output lines or workflow commands through its key names.
    """

    file: str
    line: int | None
    column: int | None
    path: str
    message: str
    severity: Literal["error", "warning", "note"] = "error"

    def __post_init__(self) -> None:
        for name in ("file", "path", "message"):
            value = getattr(self, name)
            if isinstance(value, str) and not value.isprintable():
                object.__setattr__(self, name, printable(value))

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}" + (f":{self.column}" if self.column is not None else "")
        field = f" {self.path}:" if self.path else ""
        prefix = "" if self.severity == "error" else f" {self.severity}:"
        return f"{where}:{prefix}{field} {self.message}"


def printable(text: str) -> str:
    """``text`` with every non-printable character written as a Python escape (``\\n``, ``\\x1b``, ``\\u202e``)."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


class ConfigError(ValueError):
    """A configuration document is invalid; :attr:`problems` lists every problem found, not just the first.

    Its text is one line per problem, ``auth.yaml:12:9: profiles.app.credentials[1].client_id: message``, and a
    last line pointing to the troubleshooting guide.
    """

    def __init__(self, problems: Sequence[ConfigProblem]) -> None:
        self.problems: tuple[ConfigProblem, ...] = tuple(problems)
        count = len(self.problems)
        header = "invalid configuration" + (f" ({count} problems)" if count > 1 else "")
        lines = [f"  {problem}" for problem in self.problems]
        super().__init__(header + ":\n" + "\n".join(lines) + f"\n{see('invalid-configuration')}")


class ConfigWarning(UserWarning):
    """A configuration is usable but probably not what was meant, e.g. an ``AZAUTH_*`` variable that matches no
    setting (``azauth validate`` reports these as errors)."""


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
