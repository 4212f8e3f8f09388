"""Running one credential core's flow inside another credential (EnvironmentCredential picks one and embeds it).

An embedded core keeps its own parameters, validation and ``token_flow`` but has no sender, cache or driver:
its owner resolves the tenant, caches the token and performs the steps, on the owner's clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from .._protocol.certificates import AssertionAlgorithm
from .base import CredentialCore

__all__ = ["embed"]

C = TypeVar("C", bound=CredentialCore)
_CLASSES: dict[type[CredentialCore], type[CredentialCore]] = {}


class _Embedded(CredentialCore):
    _owner: CredentialCore

    def _clock(self) -> float:
        return self._owner._clock()

    def _default_environ(self) -> Mapping[str, str]:
        return self._owner._environ

    def _new_sender(self, options: Mapping[str, Any]) -> None:
        return None

    def _mode_assertion_algorithm(self) -> AssertionAlgorithm:
        return self._owner._mode_assertion_algorithm()


def embed(core: type[C], owner: CredentialCore, /, *args: Any, **kwargs: Any) -> C:
    """A ``core`` built with ``args``/``kwargs`` whose flows ``owner`` runs (``owner._environ`` must be set)."""
    cls = _CLASSES.get(core)
    if cls is None:
        cls = _CLASSES.setdefault(core, type(f"Embedded{core.__name__}", (_Embedded, core), {}))
    inner = cast(C, cls.__new__(cls))
    cast(_Embedded, inner)._owner = owner
    inner.__init__(*args, **kwargs)  # type: ignore[misc]
    return inner
