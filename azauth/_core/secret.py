"""A holder that keeps a secret out of reprs, strs and logs."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

T = TypeVar("T")

__all__ = ["SecretValue"]


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

    def __reduce__(self) -> tuple[Any, ...]:
        raise TypeError("secrets are not picklable")
