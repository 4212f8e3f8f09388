"""The one holder of every secret azauth keeps: never in a repr, a str or a log.

Pickling follows one rule (docs/decisions.md, "Pickling and secrets"): a secret handed to a constructor travels
with the credential, so the copy can authenticate, as azure-identity's pickled credentials do; a credential
configured by the process environment (``EnvironmentCredential``, ``ManagedIdentityCredential`` with its
``IDENTITY_HEADER`` / ``MSI_SECRET``) pickles as its constructor arguments and reads the environment again on the
other side, so what it read from the environment is never written into the pickle.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Generic, TypeVar

T = TypeVar("T")

__all__ = ["EnvironmentView", "SecretValue"]


class SecretValue(Generic[T]):
    """Wraps a secret; only :meth:`reveal` gives it back."""

    __slots__ = ("_value",)

    def __init__(self, value: T) -> None:
        self._value = value

    def reveal(self) -> T:
        """The secret itself, for the one place that must send it."""
        return self._value

    def __repr__(self) -> str:
        return "SecretValue('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SecretValue) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> tuple[Any, ...]:
        return (SecretValue, (self._value,))


class EnvironmentView(Mapping[str, str]):
    """The environment a credential reads (``os.environ`` or an injected mapping), read-only, whose repr names
    how many variables it has and never their values (which include secrets such as ``IDENTITY_HEADER``)."""

    __slots__ = ("source",)

    def __init__(self, source: Mapping[str, str]) -> None:
        self.source: Mapping[str, str] = source.source if isinstance(source, EnvironmentView) else source

    def __getitem__(self, key: str) -> str:
        return self.source[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.source)

    def __len__(self) -> int:
        return len(self.source)

    def __repr__(self) -> str:
        return f"EnvironmentView(<{len(self.source)} variables>)"

    __str__ = __repr__
