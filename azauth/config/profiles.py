"""Profiles: the built-in ones, references between profiles, and the checks a whole document needs.

The built-in profiles are data, validated like a user's profile when they are used, so each becomes usable the
day the credential types it names are implemented.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from .._core.default import group_profile
from ..errors import ConfigError, ConfigProblem
from ._locations import FieldPath, Locator
from .models import CREDENTIAL_ADAPTER, PLANNED_TYPES, REGISTRY

__all__ = [
    "BUILTIN_PROFILES",
    "MAX_CHAIN_DEPTH",
    "builtin_profile",
    "check_profiles",
    "document_profiles",
    "raw_credentials",
    "resolve_profile",
    "select_profile",
]

MAX_CHAIN_DEPTH = 8
"""Deepest nesting of chains (through profile references too)."""

BUILTIN_PROFILES: dict[str, dict[str, Any]] = {
    "default": {"type": "default"},
    "dev": group_profile("dev"),
    "prod": group_profile("prod"),
}
"""Always present unless a document defines a profile of the same name. ``default`` is DefaultAzureCredential;
``dev`` (developer tools only) and ``prod`` (Environment, WorkloadIdentity, ManagedIdentity) are
DefaultAzureCredential narrowed to the member groups of ``AZURE_TOKEN_CREDENTIALS=dev|prod``, from the same
table (:data:`azauth._core.default.MEMBERS`), every ``exclude_*`` written out so that the variable does not
change them."""


def _types_in(data: Any) -> Iterator[str]:
    if isinstance(data, dict):
        if isinstance(data.get("type"), str):
            yield data["type"]
        for child in data.get("credentials") or ():
            yield from _types_in(child)


def builtin_profile(name: str) -> BaseModel:
    """The built-in profile ``name`` as a model; ``ConfigError`` names the credential types not implemented yet."""
    data = BUILTIN_PROFILES[name]
    missing = [t for t in _types_in(data) if t not in REGISTRY]
    if missing:
        names = ", ".join(PLANNED_TYPES.get(t, t) for t in missing)
        verb = "is" if len(missing) == 1 else "are"
        raise ValueError(f"the built-in profile {name!r} needs {names}, which {verb} not implemented yet in azauth")
    try:
        return CREDENTIAL_ADAPTER.validate_python(data)  # type: ignore[no-any-return]
    except ValidationError as exc:  # pragma: no cover - a built-in that no longer matches its model
        raise ValueError(f"the built-in profile {name!r} is invalid: {exc}") from None


def select_profile(explicit: str | None, environ: Mapping[str, str], document: Any) -> str:
    """The profile to build: explicit argument > ``AZAUTH_PROFILE`` > ``default_profile`` > ``default``."""
    return explicit or environ.get("AZAUTH_PROFILE") or document.default_profile or "default"


def unknown_profile_message(name: str, known: list[str]) -> str:
    """``no profile named 'x'`` with a "did you mean" and the known names."""
    close = difflib.get_close_matches(name, known, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"no profile named {name!r}{hint}; known profiles: {', '.join(known)}"


def document_profiles(data: Any) -> dict[str, tuple[Any, FieldPath]]:
    """A raw document's profiles by name, with their paths; a short-form document is the profile ``default``."""
    if not isinstance(data, dict):
        return {}
    if "type" in data and "profiles" not in data:
        return {"default": (data, ())}
    profiles = data.get("profiles")
    if not isinstance(profiles, dict):
        return {}
    return {str(name): (value, ("profiles", str(name))) for name, value in profiles.items()}


def raw_credentials(value: Any, path: FieldPath) -> Iterator[tuple[dict[str, Any], FieldPath]]:
    """Every credential mapping in a raw profile (itself and chain members, nested), with its path."""
    if not isinstance(value, dict):
        return
    yield value, path
    members = value.get("credentials") if value.get("type") == "chain" else None
    if isinstance(members, list):
        for index, child in enumerate(members):
            yield from raw_credentials(child, (*path, "credentials", index))


def check_profiles(data: Any, locator: Locator) -> list[ConfigProblem]:
    """Checks across profiles of a raw document: references to missing profiles, cycles, chains nested too
    deep, and a ``default_profile`` that does not exist. Tolerant of anything else being malformed."""
    problems: list[ConfigProblem] = []
    profiles = document_profiles(data)
    known = sorted(set(profiles) | set(BUILTIN_PROFILES))
    default_profile = data.get("default_profile") if isinstance(data, dict) else None
    if isinstance(default_profile, str) and default_profile not in known:
        problems.append(locator.problem(("default_profile",), unknown_profile_message(default_profile, known)))
    reported: set[tuple[FieldPath, str]] = set()

    def report(where: FieldPath, reason: str, message: str) -> None:
        if (where, reason) not in reported:
            reported.add((where, reason))
            problems.append(locator.problem(where, message))

    def visit(value: Any, path: FieldPath, trail: tuple[str, ...], depth: int) -> None:
        if not isinstance(value, dict):
            return
        kind = value.get("type")
        if kind == "chain" and isinstance(value.get("credentials"), list):
            if depth >= MAX_CHAIN_DEPTH:
                report(path, "depth", f"chains are nested more than {MAX_CHAIN_DEPTH} deep")
                return
            for index, child in enumerate(value["credentials"]):
                visit(child, (*path, "credentials", index), trail, depth + 1)
        elif kind == "profile" and isinstance(value.get("name"), str):
            target, where = value["name"], (*path, "name")
            if target in trail:
                cycle = " -> ".join((*trail[trail.index(target) :], target))
                report(where, "cycle", f"profile references form a cycle: {cycle}")
            elif target in profiles:
                visit(profiles[target][0], profiles[target][1], (*trail, target), depth)
            elif target in BUILTIN_PROFILES:
                try:
                    builtin_profile(target)
                except ValueError as exc:
                    report(where, "builtin", str(exc))
            else:
                report(where, "missing", unknown_profile_message(target, known))

    for name, (value, path) in profiles.items():
        visit(value, path, (name,), 0)
    return problems


def resolve_profile(document: Any, name: str, locator: Locator) -> tuple[Any, FieldPath]:
    """The credential model profile ``name`` describes, following references, and where it was written."""
    if name in document.profiles:
        return document.profiles[name], ("profiles", name)
    if name in BUILTIN_PROFILES:
        try:
            return builtin_profile(name), ()
        except ValueError as exc:
            raise ConfigError([ConfigProblem(locator.file, None, None, "", str(exc))]) from None
    known = sorted(set(document.profiles) | set(BUILTIN_PROFILES))
    raise ConfigError([ConfigProblem(locator.file, None, None, "", unknown_profile_message(name, known))])
