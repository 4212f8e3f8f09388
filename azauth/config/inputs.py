"""What each credential type reads besides its configuration: environment variables, files, executables, the
managed-identity host. One table (:data:`TYPE_INPUTS`), used by ``azauth explain`` to say which inputs a
credential finds or misses without building it: no network, no process, no file written.

Values are looked up in an environment mapping, files are only tested for existence and executables only
searched on ``PATH``. A secret's value never appears in a :class:`Finding`: only whether it is set.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from .._core import developer_tool, visual_studio_code
from .._core.environment import OPTIONS
from .._protocol.developer_tools.azure_cli import AZURE_CLI
from .._protocol.developer_tools.azure_developer_cli import AZURE_DEVELOPER_CLI
from .._protocol.developer_tools.azure_powershell import AZURE_POWERSHELL
from .._protocol.developer_tools.common import Tool
from .._protocol.managed_identity.hosts import detect_host
from .._protocol.pipelines import OIDC_REQUEST_URI_VARIABLE
from .models import REGISTRY, ConfigField
from .values import interpolate, references

__all__ = ["TYPE_INPUTS", "EnvInput", "Finding", "TypeInputs", "field_findings", "type_findings"]


@dataclass(frozen=True)
class Finding:
    """One input of a credential: where it comes from, what was found, and whether the credential can go on."""

    name: str
    """The field or variable, e.g. ``client_secret`` or ``AZURE_TENANT_ID``."""
    source: str
    """Where it is read: ``file``, ``env NAME``, ``${NAME}``, ``file PATH``, ``PATH``, ``defaults``..."""
    status: str
    """What was found, secret-free: ``set (literal)``, ``set``, ``unset``, ``exists``, ``missing``, a value..."""
    ok: bool = True
    required: bool = True
    group: str | None = None
    """The alternative this input belongs to (EnvironmentCredential's sets of variables)."""
    at_build: bool = False
    """Missing, it stops the credential from being built (a ``ConfigError``, even inside a chain); otherwise the
    credential is built and says it is unavailable when asked for a token (a chain moves on)."""

    @property
    def blocks_build(self) -> bool:
        """A missing input without which the credential cannot be built."""
        return self.missing and self.at_build

    @property
    def missing(self) -> bool:
        """A required input that is not there: the credential cannot authenticate."""
        return self.required and not self.ok


@dataclass(frozen=True)
class EnvInput:
    """An environment variable a credential reads.

    ``field``: the configuration key it stands in for (the variable is read only when the key is not set);
    ``secret``: report set/unset only; ``path``: the value is a file that must exist (when the token is
    requested); ``at_build``: the constructor reads it, so the credential cannot be built while it is unset.
    """

    variable: str
    field: str | None = None
    required: bool = True
    secret: bool = False
    path: bool = False
    at_build: bool = False


@dataclass(frozen=True)
class TypeInputs:
    """What a credential type reads from its surroundings.

    ``env``: variables it reads; ``alternatives``: labelled sets of variables of which one must be complete
    (EnvironmentCredential); ``executable``: a program that must be on ``PATH`` (developer tools); ``detect``:
    a custom look at the environment (the managed-identity host).
    """

    env: tuple[EnvInput, ...] = ()
    alternatives: tuple[tuple[str, tuple[EnvInput, ...]], ...] = ()
    executable: str | None = None
    detect: Callable[[Mapping[str, str], Mapping[str, Any]], list[Finding]] | None = None


_SECRET_VARIABLES = frozenset({"AZURE_CLIENT_SECRET", "AZURE_PASSWORD", "AZURE_CLIENT_CERTIFICATE_PASSWORD"})
_PATH_VARIABLES = frozenset({"AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_FEDERATED_TOKEN_FILE"})


def _env(name: str, **options: Any) -> EnvInput:
    return EnvInput(name, secret=name in _SECRET_VARIABLES, path=name in _PATH_VARIABLES, **options)


def _managed_identity_host(environ: Mapping[str, str], config: Mapping[str, Any]) -> list[Finding]:
    """Which managed-identity host the environment selects, as the credential would (no request is made)."""
    host = detect_host(environ)
    if host is None:
        status = "none: IDENTITY_ENDPOINT is set without IDENTITY_HEADER or IMDS_ENDPOINT"
        return [Finding("host", "env", status, ok=False)]
    if host.kind == "imds":
        via = "AZURE_POD_IDENTITY_AUTHORITY_HOST" if host.pod_identity else "no host variable set"
        status = f"IMDS at {host.endpoint} ({via}; reachable only on Azure, not probed)"
        return [Finding("host", "env", status)]
    variables = {
        "service_fabric": "IDENTITY_ENDPOINT, IDENTITY_HEADER, IDENTITY_SERVER_THUMBPRINT",
        "app_service": "IDENTITY_ENDPOINT, IDENTITY_HEADER",
        "azure_arc": "IDENTITY_ENDPOINT, IMDS_ENDPOINT",
        "azure_ml": "MSI_ENDPOINT, MSI_SECRET",
        "cloud_shell": "MSI_ENDPOINT",
        "workload_identity": "AZURE_AUTHORITY_HOST, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE",
    }[host.kind]
    findings = [Finding("host", f"env {variables}", f"{host.name} at {host.endpoint}")]
    if host.kind == "workload_identity":
        token_file = host.token_file or ""
        exists = os.path.isfile(token_file)
        findings.append(
            Finding("AZURE_FEDERATED_TOKEN_FILE", "env", f"{token_file} ({'exists' if exists else 'missing'})", exists)
        )
        if not (config.get("client_id") or host.client_id):
            status = "unset (workload identity needs a client id)"
            findings.append(Finding("AZURE_CLIENT_ID", "env", status, False, at_build=True))
    return findings


def _developer_tool(tool: Tool) -> Callable[[Mapping[str, str], Mapping[str, Any]], list[Finding]]:
    """The tool's executable, looked up on ``PATH`` exactly as the credential does (no process started)."""

    def detect(environ: Mapping[str, str], config: Mapping[str, Any]) -> list[Finding]:
        names = tool.candidates(developer_tool.WINDOWS)
        found = developer_tool.find_executable(names, environ.get("PATH"))
        status = found or f"not found (install: {tool.install_url}): the credential is unavailable"
        return [Finding(names[0], "PATH", status, ok=found is not None)]

    return detect


def _visual_studio_code(environ: Mapping[str, str], config: Mapping[str, Any]) -> list[Finding]:
    """The Azure Resources extension's authentication record and msal's broker runtime (looked up, not loaded)."""
    home = environ.get("HOME") or environ.get("USERPROFILE") or os.path.expanduser("~")
    paths = visual_studio_code.record_paths(home)
    record = next((p for p in paths if os.path.isfile(p)), None)
    broker = visual_studio_code.broker_available()
    return [
        Finding(
            "authentication record", "file", f"{record or paths[0]} ({'exists' if record else 'missing'})", bool(record)
        ),
        Finding("pymsalruntime", "python", "installed" if broker else "not installed (the broker)", ok=broker),
    ]


def _shared_token_cache(environ: Mapping[str, str], config: Mapping[str, Any]) -> list[Finding]:
    """The developer tools' shared msal cache: whether the file is there (its accounts are read when used)."""
    from .._core.persistence import NON_CAE_SUFFIX
    from .._io.persistence import cache_directory
    from ..cache_options import DEFAULT_CACHE_NAME

    path = os.path.join(cache_directory(environ), DEFAULT_CACHE_NAME + NON_CAE_SUFFIX)
    exists = os.path.isfile(path)
    return [Finding("shared token cache", f"file {path}", "exists" if exists else "missing", exists)]


_AUTHORITY = _env("AZURE_AUTHORITY_HOST", field="authority", required=False)

TYPE_INPUTS: dict[str, TypeInputs] = {
    "interactive_browser": TypeInputs(env=(_env("BROWSER", required=False), _AUTHORITY)),
    "device_code": TypeInputs(env=(_AUTHORITY,)),
    "shared_token_cache": TypeInputs(env=(_AUTHORITY,), detect=_shared_token_cache),
    "environment": TypeInputs(
        alternatives=tuple((label, tuple(_env(n) for n in names)) for label, names in OPTIONS),
        env=(_env("AZURE_CLIENT_CERTIFICATE_PASSWORD", required=False), _env("AZURE_AUTHORITY_HOST", required=False)),
    ),
    "workload_identity": TypeInputs(
        env=(
            _env("AZURE_TENANT_ID", field="tenant_id", at_build=True),
            _env("AZURE_CLIENT_ID", field="client_id", at_build=True),
            _env("AZURE_FEDERATED_TOKEN_FILE", field="token_file_path", at_build=True),
            _env("AZURE_AUTHORITY_HOST", field="authority", required=False),
        )
    ),
    "managed_identity": TypeInputs(detect=_managed_identity_host),
    "azure_pipelines": TypeInputs(env=(_env(OIDC_REQUEST_URI_VARIABLE),)),
    "azure_cli": TypeInputs(detect=_developer_tool(AZURE_CLI)),
    "azure_developer_cli": TypeInputs(detect=_developer_tool(AZURE_DEVELOPER_CLI)),
    "azure_powershell": TypeInputs(detect=_developer_tool(AZURE_POWERSHELL)),
    "visual_studio_code": TypeInputs(detect=_visual_studio_code),
}
"""Per credential type, what it reads besides its configuration keys (types not listed read nothing else).
Entries for types azauth does not implement yet are used the day they are."""


# ------------------------------------------------------------------------------------------ findings


def _env_finding(
    item: EnvInput, environ: Mapping[str, str], *, required: bool | None = None, group: str | None = None
) -> Finding:
    value = environ.get(item.variable) or ""
    needed = item.required if required is None else required
    if not value:
        return Finding(item.variable, "env", "unset", False, needed, group, at_build=item.at_build)
    if item.secret:
        return Finding(item.variable, "env", "set", True, needed, group)
    if item.path:
        exists = os.path.isfile(value)
        return Finding(item.variable, "env", f"{value} ({'exists' if exists else 'missing'})", exists, needed, group)
    return Finding(item.variable, "env", value, True, needed, group)


def type_findings(kind: str, config: Mapping[str, Any], environ: Mapping[str, str]) -> list[Finding]:
    """What a credential of type ``kind`` configured by ``config`` (its raw mapping) finds in ``environ``,
    on disk and on ``PATH``, beyond the keys written in the configuration."""
    inputs = TYPE_INPUTS.get(kind)
    if inputs is None:
        return []
    findings: list[Finding] = []
    if inputs.alternatives:
        complete = [all(environ.get(v.variable) for v in group) for _, group in inputs.alternatives]
        chosen = complete.index(True) if True in complete else None
        for index, (label, group) in enumerate(inputs.alternatives):
            state = "used" if index == chosen else "complete, not used" if complete[index] else "incomplete"
            findings.append(Finding(label, "env", state, ok=complete[index], required=False))
            if chosen is None or index == chosen:
                findings.extend(_env_finding(v, environ, required=False, group=label) for v in group)
        if chosen is None:
            findings.append(Finding("configuration", "env", "no complete set of variables", ok=False))
    for item in inputs.env:
        if item.field is not None and config.get(item.field) not in (None, ""):
            continue  # the configuration gives it: the variable is not read
        findings.append(_env_finding(item, environ))
    if inputs.executable is not None:
        found = shutil.which(inputs.executable, path=environ.get("PATH"))
        status = found if found else "not found"
        findings.append(Finding(inputs.executable, "PATH", status, ok=found is not None))
    if inputs.detect is not None:
        findings.extend(inputs.detect(environ, config))
    return findings


def _reference_status(text: str, environ: Mapping[str, str]) -> tuple[str, str | None]:
    """``(source, value)`` of a string with ``${...}``; ``value`` is ``None`` when a variable is unset."""
    names = list(dict.fromkeys(references(text)))
    source = ", ".join(f"${{{n}}}" for n in names) or "${...}"
    try:
        return source, interpolate(text, environ)
    except ValueError:
        return source, None


def _file_status(path: str, base_dir: str | None) -> bool:
    full = path if base_dir is None or os.path.isabs(path) else os.path.join(base_dir, path)
    return os.path.isfile(full)


def field_findings(
    kind: str,
    config: Mapping[str, Any],
    environ: Mapping[str, str],
    base_dir: str | None,
    origin: Callable[[str], str] | None = None,
) -> list[Finding]:
    """The configuration keys of a credential of type ``kind``: each key written (secrets only as set/unset,
    references as resolved or unset, paths as existing or missing) and each required key not written.

    ``origin(key)`` says where a key's value was written (``auth.yaml:12``, ``env AZAUTH_PROFILES__APP__...``,
    ``built-in``); default ``file``."""
    credential_type = REGISTRY.get(kind)
    if credential_type is None:
        return []
    findings: list[Finding] = []
    for item in credential_type.fields:
        found = len(findings)
        _field(item, config, environ, base_dir, findings, (origin or _file)(item.name))
        # keys are read when the credential is built, except those re-read for every token (an adapter's source)
        findings[found:] = [replace(f, at_build=item.adapter is None) for f in findings[found:]]
    return findings


def _file(key: str) -> str:
    return "file"


def _field(
    item: ConfigField,
    config: Mapping[str, Any],
    environ: Mapping[str, str],
    base_dir: str | None,
    findings: list[Finding],
    written: str,
) -> None:
    secret = item.secret or item.adapter is not None
    if item.name not in config:
        if item.required:
            findings.append(Finding(item.name, "configuration", "missing (required)", ok=False))
        return
    value = config[item.name]
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in ("env", "file"):
        ((how, where),) = value.items()
        where = str(where)
        if how == "env":
            present = bool(environ.get(where))
            findings.append(Finding(item.name, f"env {where}", "set" if present else "unset", ok=present))
        else:
            exists = _file_status(where, base_dir)
            findings.append(Finding(item.name, f"file {where}", "exists" if exists else "missing", ok=exists))
    elif isinstance(value, str) and "${" in value.replace("$$", ""):
        source, resolved = _reference_status(value, environ)
        if resolved is None:
            findings.append(Finding(item.name, source, "unset", ok=False))
        elif secret:
            findings.append(Finding(item.name, source, "set"))
        else:
            findings.append(_plain(item.name, resolved, source, item.is_path, base_dir))
    elif secret:
        findings.append(Finding(item.name, written, "set (literal)"))
    else:
        findings.append(_plain(item.name, value, written, item.is_path, base_dir))


def _plain(name: str, value: Any, source: str, is_path: bool, base_dir: str | None) -> Finding:
    if is_path and isinstance(value, str):
        exists = _file_status(value, base_dir)
        return Finding(name, source, f"{value} ({'exists' if exists else 'missing'})", ok=exists)
    text = value if isinstance(value, str) else _json(value)
    return Finding(name, source, text)


def _json(value: Any) -> str:
    import json

    return json.dumps(value)
