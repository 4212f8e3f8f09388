"""Profiles: the built-in ones, references between profiles, and the checks a whole document needs.

The built-in profiles are data, validated like a user's profile when they are used, so each becomes usable the
day the credential types it names are implemented.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator, Mapping
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


Reference = tuple[FieldPath, str, int]
"""A profile reference inside a profile: where its ``name`` is, the profile it names, the chains around it."""


def _scan_profile(
    value: Any, path: FieldPath, report: Callable[[FieldPath, str, str], None]
) -> tuple[int, list[Reference]]:
    """A profile's own chain height (levels of chains, references not followed) and its references;
    chains nested too deep within it are reported. Iterative."""
    height = 0
    references: list[Reference] = []
    stack: list[tuple[Any, FieldPath, int]] = [(value, path, 0)]
    while stack:
        node, where, depth = stack.pop()
        if not isinstance(node, dict):
            continue
        kind = node.get("type")
        if kind == "chain" and isinstance(node.get("credentials"), list):
            if depth >= MAX_CHAIN_DEPTH:
                report(where, "depth", f"chains are nested more than {MAX_CHAIN_DEPTH} deep")
                continue
            height = max(height, depth + 1)
            stack.extend((child, (*where, "credentials", i), depth + 1) for i, child in enumerate(node["credentials"]))
        elif kind == "profile" and isinstance(node.get("name"), str):
            references.append(((*where, "name"), node["name"], depth))
    return height, references


def _components(graph: Mapping[str, list[str]]) -> list[list[str]]:
    """Strongly connected components of ``graph`` (Tarjan's algorithm, iterative), sinks first."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, position = work.pop()
            if position == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            targets = graph[node]
            if position < len(targets):
                work.append((node, position + 1))
                target = targets[position]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            if work:  # returning to the caller: propagate the low link
                caller = work[-1][0]
                low[caller] = min(low[caller], low[node])
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                found.append(component)
    return found


def _cycle_text(start: str, target: str, graph: Mapping[str, list[str]], members: set[str]) -> str:
    """``start -> target -> ... -> start``: a shortest way back within one component."""
    previous: dict[str, str] = {}
    queue, seen = [target], {target}
    for node in queue:
        if node == start:
            break
        for nxt in graph[node]:
            if nxt in members and nxt not in seen:
                seen.add(nxt)
                previous[nxt] = node
                queue.append(nxt)
    route = [start]
    while route[-1] != target:
        route.append(previous[route[-1]])
    return " -> ".join([start, *reversed(route)])


def check_profiles(data: Any, locator: Locator) -> list[ConfigProblem]:
    """Checks across profiles of a raw document: references to missing profiles, cycles, chains nested too
    deep, and a ``default_profile`` that does not exist. Tolerant of anything else being malformed.

    Linear in the size of the document: each profile is scanned once and its chain height computed once,
    however often it is referenced (a naive walk following every reference is exponential).
    """
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

    scanned = {name: _scan_profile(value, path, report) for name, (value, path) in profiles.items()}
    graph = {name: [t for _, t, _ in refs if t in profiles] for name, (_, refs) in scanned.items()}
    builtin_problems: dict[str, str | None] = {}
    for refs in (refs for _, refs in scanned.values()):
        for where, target, _ in refs:
            if target in profiles:
                continue
            if target in BUILTIN_PROFILES:
                if target not in builtin_problems:
                    try:
                        builtin_profile(target)
                        builtin_problems[target] = None
                    except ValueError as exc:
                        builtin_problems[target] = str(exc)
                if builtin_problems[target]:
                    report(where, "builtin", builtin_problems[target] or "")
            else:
                report(where, "missing", unknown_profile_message(target, known))
    heights: dict[str, int] = {}
    for component in _components(graph):  # sinks first: a profile's targets have their heights already
        members = set(component)
        cyclic = len(component) > 1 or component[0] in graph[component[0]]
        for name in component:
            height, refs = scanned[name]
            for where, target, depth in refs:
                if target not in profiles:
                    continue
                if cyclic and target in members:
                    report(
                        where, "cycle", f"profile references form a cycle: {_cycle_text(name, target, graph, members)}"
                    )
                    continue
                below = heights.get(target, 0)
                if below <= MAX_CHAIN_DEPTH < depth + below:  # reported here, not again at every referrer
                    report(where, "depth", f"chains are nested more than {MAX_CHAIN_DEPTH} deep (through {target!r})")
                height = max(height, depth + below)
            heights[name] = min(height, MAX_CHAIN_DEPTH + 1)
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
