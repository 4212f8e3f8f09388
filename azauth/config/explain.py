"""Explaining a configuration: which source and profile are used and why, the credential tree the profile
describes, and the inputs each credential finds or misses. Nothing is built: no network, no process, no
file written, and no secret value in the result.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .._core.default import MEMBERS, TOKEN_CREDENTIALS_VARIABLE, select_members
from ..errors import ConfigError, ConfigProblem
from ._locations import FieldPath, Locator, format_path
from .inputs import Finding, field_findings, type_findings
from .loader import ConfigSource, check, open_source, unknown_env_problems
from .models import PLANNED_TYPES, REGISTRY
from .profiles import BUILTIN_PROFILES, MAX_CHAIN_DEPTH, document_profiles, unknown_profile_message
from .sources import RawDocument, env_overlay
from .values import interpolate

__all__ = ["CredentialNode", "Explanation", "explain"]


@dataclass
class CredentialNode:
    """One credential of the tree: its type, where it is written, what it finds, and its members."""

    type: str
    class_name: str
    where: str
    """The field path (``profiles.app.credentials[0]``), or ``built-in dev`` for a built-in profile."""
    findings: list[Finding] = field(default_factory=list)
    members: list[CredentialNode] = field(default_factory=list)
    note: str | None = None
    """Why the credential cannot be used at all (not implemented, unknown type, cycle), or what it refers to."""
    ready: bool = True
    """Every required input is there; for a chain, it can be built and at least one member is ready."""
    buildable: bool = True
    """No input the constructor needs is missing (for a chain: in any member), so building does not fail."""
    profile: str | None = None
    """The profile this node starts, for a profile's root credential or a reference's target."""
    builtin: bool = False
    env_blocked: bool = False
    """Not buildable only for want of environment variables its constructor reads: inside a chain it is built as
    an unavailable member (the chain moves on), so it does not stop the chain from being built."""
    excluded: list[tuple[str, str]] = field(default_factory=list)
    """DefaultAzureCredential's members left out, with the reason (an ``exclude_*`` key, AZURE_TOKEN_CREDENTIALS)."""

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {
            "type": self.type,
            "class": self.class_name,
            "where": self.where,
            "profile": self.profile,
            "builtin": self.builtin,
            "ready": self.ready,
            "buildable": self.buildable,
            "note": self.note,
            "inputs": [
                {
                    "name": f.name,
                    "source": f.source,
                    "status": f.status,
                    "ok": f.ok,
                    "required": f.required,
                    "group": f.group,
                    "at_build": f.at_build,
                }
                for f in self.findings
            ],
            "members": [m.as_dict() for m in self.members],
            "excluded": [{"class": name, "reason": reason} for name, reason in self.excluded],
        }


@dataclass
class Explanation:
    """The answer of :func:`explain`."""

    source: str
    """``argument``, ``AZAUTH_CONFIG``, ``AZAUTH_*`` or ``built-in``."""
    source_path: str | None
    source_reason: str
    overlay: list[str]
    """``AZAUTH_*`` variables laid over the document."""
    profile: str
    profile_reason: str
    shadowed: list[str]
    """The document's profiles that take the place of a built-in profile of the same name."""
    root: CredentialNode | None
    problems: list[ConfigProblem]
    """Errors and warnings of the document (as ``azauth validate --resolve`` finds them without reading secrets)."""

    @property
    def ready(self) -> bool:
        """Whether the profile's credential has every input it needs and the document is valid."""
        return self.root is not None and self.root.ready and not any(p.severity == "error" for p in self.problems)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {
            "ready": self.ready,
            "source": {"kind": self.source, "path": self.source_path, "reason": self.source_reason},
            "overlay": self.overlay,
            "profile": {"name": self.profile, "reason": self.profile_reason},
            "shadowed_builtin_profiles": self.shadowed,
            "credential": self.root.as_dict() if self.root is not None else None,
            "problems": [
                {
                    "file": p.file,
                    "line": p.line,
                    "column": p.column,
                    "path": p.path,
                    "severity": p.severity,
                    "message": p.message,
                    "text": str(p),
                }
                for p in self.problems
            ],
        }


def _source(source: ConfigSource, environ: Mapping[str, str]) -> tuple[str, str | None, str]:
    if isinstance(source, Mapping):
        return "argument", None, "a mapping was given"
    configured = environ.get("AZAUTH_CONFIG") or None
    if source is not None:
        ignored = f"; AZAUTH_CONFIG={configured} is not used" if configured else ""
        return "argument", os.fspath(source), f"the FILE argument{ignored}"
    if configured is not None:
        return "AZAUTH_CONFIG", configured, "AZAUTH_CONFIG is set and no FILE argument was given"
    if env_overlay(environ)[0]:
        return "AZAUTH_*", None, "AZAUTH_* variables describe a document (no FILE argument, AZAUTH_CONFIG unset)"
    reason = "no FILE argument, AZAUTH_CONFIG unset and no AZAUTH_* variables: built-in profiles only"
    return "built-in", None, reason


def _profile(explicit: str | None, environ: Mapping[str, str], data: Any) -> tuple[str, str]:
    if explicit:
        return explicit, "the --profile argument"
    if environ.get("AZAUTH_PROFILE"):
        return environ["AZAUTH_PROFILE"], "AZAUTH_PROFILE is set"
    chosen = data.get("default_profile") if isinstance(data, dict) and "profiles" in data else None
    if isinstance(chosen, str) and chosen:
        return _maybe_interpolated(chosen, environ), "the document's default_profile"
    return "default", "no --profile, AZAUTH_PROFILE or default_profile: the profile 'default'"


class _Walker:
    def __init__(self, raw: RawDocument, environ: Mapping[str, str]) -> None:
        self.raw = raw
        self.environ = environ
        self.profiles = document_profiles(raw.data)
        defaults = raw.data.get("defaults") if isinstance(raw.data, dict) else None
        self.defaults: Mapping[str, Any] = defaults if isinstance(defaults, dict) else {}

    def origin(self, path: FieldPath | None) -> str:
        """Where the value at ``path`` was written: ``auth.yaml:12``, ``env AZAUTH_...``, ``mapping``, ``built-in``."""
        if path is None:
            return "built-in"
        file, line, _ = self.raw.locator.position(path, key=True)
        if file.startswith("<env ") and file.endswith(">"):
            return "env " + file[len("<env ") : -1]
        if file.startswith("<"):
            return file.strip("<>")
        return f"{os.path.basename(file)}:{line}" if line is not None else os.path.basename(file)

    def profile(self, name: str, trail: tuple[str, ...], depth: int) -> CredentialNode:
        if name in self.profiles:
            value, path = self.profiles[name]
            node = self.visit(value, format_path(path) or "(top level)", trail, depth, path=path)
        elif name in BUILTIN_PROFILES:
            node = self.visit(BUILTIN_PROFILES[name], f"built-in {name}", trail, depth, builtin=True)
            node.builtin = True
        else:
            known = sorted(set(self.profiles) | set(BUILTIN_PROFILES))
            return CredentialNode(
                "profile", "(missing)", name, note=unknown_profile_message(name, known), ready=False, buildable=False
            )
        node.profile = name
        return node

    def visit(
        self,
        value: Any,
        where: str,
        trail: tuple[str, ...],
        depth: int,
        *,
        builtin: bool = False,
        path: FieldPath | None = None,
    ) -> CredentialNode:
        if not isinstance(value, dict):
            return CredentialNode("?", "?", where, note="not a credential mapping", ready=False, buildable=False)
        kind = value.get("type")
        if not isinstance(kind, str):
            return CredentialNode("?", "?", where, note="missing key 'type'", ready=False, buildable=False)
        if kind == "profile":
            target = value.get("name")
            if not isinstance(target, str):
                return CredentialNode(
                    kind, "(another profile)", where, note="missing key 'name'", ready=False, buildable=False
                )
            if target in trail:
                cycle = " -> ".join((*trail[trail.index(target) :], target))
                return CredentialNode(
                    kind, "(another profile)", where, note=f"cycle: {cycle}", ready=False, buildable=False
                )
            child = self.profile(target, (*trail, target), depth)
            note = f"uses profile {target!r}"
            return CredentialNode(
                kind,
                "(another profile)",
                where,
                members=[child],
                note=note,
                ready=child.ready,
                buildable=child.buildable,
            )
        if kind == "chain":
            class_name = REGISTRY["chain"].class_name
            members_value = value.get("credentials")
            if depth >= MAX_CHAIN_DEPTH:
                return CredentialNode(
                    kind, class_name, where, note="chains nested too deep", ready=False, buildable=False
                )
            if not isinstance(members_value, list) or not members_value:
                return CredentialNode(
                    kind, class_name, where, note="a chain needs credentials", ready=False, buildable=False
                )
            members = [
                self.visit(
                    child,
                    f"{where}.credentials[{i}]",
                    trail,
                    depth + 1,
                    builtin=builtin,
                    path=None if path is None else (*path, "credentials", i),
                )
                for i, child in enumerate(members_value)
            ]
            for member in members:
                member.builtin = builtin
            # a member that its environment keeps from being built is unavailable in the chain, as azauth token
            # finds: the chain is ready when one member is; a member whose configuration is incomplete (a secret
            # reference unset) stops the whole chain from being built
            buildable = all(m.buildable or _env_blocked(m) for m in members)
            ready = buildable and any(m.ready for m in members)
            return CredentialNode(kind, class_name, where, members=members, ready=ready, buildable=buildable)
        if kind == "default" and kind in REGISTRY:
            return self.default(value, where, builtin, path)
        findings = type_findings(kind, value, self.environ)
        if kind not in REGISTRY:
            if kind in PLANNED_TYPES:
                note = f"{PLANNED_TYPES[kind]} is not implemented yet in azauth"
                return CredentialNode(
                    kind, PLANNED_TYPES[kind], where, findings, note=note, ready=False, buildable=False
                )
            return CredentialNode(
                kind, "?", where, findings, note=f"unknown credential type {kind!r}", ready=False, buildable=False
            )

        def origin(key: str) -> str:
            return self.origin(None if path is None else (*path, key))

        from_config = field_findings(kind, value, self.environ, self.raw.base_dir, origin)
        findings = from_config + findings
        if "authority" not in value and any(f.name == "authority" for f in REGISTRY[kind].fields):
            findings.append(self._authority())
        ready = not any(f.missing for f in findings)
        buildable = not any(f.blocks_build for f in findings)
        env_blocked = not buildable and not any(f.blocks_build for f in from_config)
        return CredentialNode(
            kind, REGISTRY[kind].class_name, where, findings, ready=ready, buildable=buildable, env_blocked=env_blocked
        )

    def _authority(self) -> Finding:
        """Where a credential that names no authority gets it: ``defaults.authority``, else
        ``AZURE_AUTHORITY_HOST``, else the public cloud."""
        authority = self.defaults.get("authority")
        if isinstance(authority, str):
            where = self.origin(("defaults", "authority"))
            return Finding("authority", f"defaults.authority, {where}", _maybe_interpolated(authority, self.environ))
        if self.environ.get("AZURE_AUTHORITY_HOST"):
            return Finding("authority", "env AZURE_AUTHORITY_HOST", self.environ["AZURE_AUTHORITY_HOST"])
        return Finding("authority", "default", "login.microsoftonline.com (the public cloud)")

    def default(
        self, value: Mapping[str, Any], where: str, builtin: bool, path: FieldPath | None = None
    ) -> CredentialNode:
        """DefaultAzureCredential as the members it would try, in order, each with what it finds; the members
        left out and why. A member that lacks an input is ruled out without a request or a process."""
        class_name = REGISTRY["default"].class_name
        findings = field_findings(
            "default",
            value,
            self.environ,
            self.raw.base_dir,
            lambda key: self.origin(None if path is None else (*path, key)),
        )
        raw_variable = self.environ.get(TOKEN_CREDENTIALS_VARIABLE)
        if raw_variable:
            findings.append(Finding(TOKEN_CREDENTIALS_VARIABLE, "env", raw_variable))
        excludes = {m.exclude: value.get(m.exclude) for m in MEMBERS if isinstance(value.get(m.exclude), bool)}
        try:
            selection = select_members(excludes, self.environ, require_envvar=value.get("require_envvar") is True)
        except ValueError as exc:
            return CredentialNode("default", class_name, where, findings, note=str(exc), ready=False, buildable=False)
        members: list[CredentialNode] = []
        for index, member in enumerate(selection.included):
            at = f"{where} member {index + 1}"
            config = {key: value[setting] for key, setting in member.arguments.items() if setting in value}
            found = type_findings(member.type, config, self.environ)
            if member.type not in REGISTRY:
                note = f"{member.class_name} is not implemented yet in azauth: left out"
                members.append(CredentialNode(member.type, member.class_name, at, found, note=note, ready=False))
                continue
            missing = [f.name for f in found if f.missing]
            blocked = any(f.blocks_build for f in found)
            node = CredentialNode(
                member.type,
                member.class_name,
                at,
                found,
                ready=not missing,
                builtin=builtin,
                buildable=not blocked,
                env_blocked=blocked,
            )
            if missing:
                node.note = f"ruled out without a request or process: {', '.join(missing)} missing"
            elif member.type == "managed_identity":
                node.note = "needs an answer from the endpoint (azauth explain --probe asks)"
            members.append(node)
        node = CredentialNode(
            "default",
            class_name,
            where,
            findings,
            members=members,
            ready=any(m.ready for m in members),
            excluded=[(m.class_name, why) for m, why in selection.excluded],
        )
        return node


def _env_blocked(node: CredentialNode) -> bool:
    while node.type == "profile" and node.members:
        node = node.members[0]
    return node.env_blocked


def _maybe_interpolated(text: str, environ: Mapping[str, str]) -> str:
    try:
        return interpolate(text, environ)
    except ValueError:
        return text


def explain(
    source: ConfigSource = None, *, profile: str | None = None, environ: Mapping[str, str] | None = None
) -> Explanation:
    """Explain what ``credential_from_config(source, profile=profile)`` would build, without building it."""
    env = os.environ if environ is None else environ
    kind, path, reason = _source(source, env)
    try:
        raw = open_source(source, env, warn=False)
    except ConfigError as exc:
        name, why = _profile(profile, env, None)
        return Explanation(kind, path, reason, [], name, why, [], None, list(exc.problems))
    overlay: list[str] = []
    if raw is None:
        raw = RawDocument({}, Locator("<none>"), None)
    else:
        overlay = sorted(set(raw.locator.env_names.values()))
    result = check(raw, resolve=True, environ=env, read_secrets=False)
    problems = [p for p in result.problems if p.severity != "note"]
    if not isinstance(source, Mapping):
        problems.extend(unknown_env_problems(env, "warning"))
    name, why = _profile(profile, env, raw.data)
    walker = _Walker(raw, env)
    shadowed = sorted(set(walker.profiles) & set(BUILTIN_PROFILES))
    root = walker.profile(name, (name,), 0)
    return Explanation(kind, path, reason, overlay, name, why, shadowed, root, problems)
