"""Building credentials from a configuration: written once, for the sync (``azauth``) or async (``azauth.aio``)
public classes, chosen by the namespace passed in."""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping
from types import ModuleType
from typing import TYPE_CHECKING, Any

from .._core.base import CredentialCore
from .._core.persistence import CONFIG_SETTING_ATTRIBUTE
from ..errors import ConfigError, ConfigProblem, CredentialUnavailableError
from ._locations import FieldPath
from .loader import ConfigSource, load_config
from .models import CACHE_PARAMETER, REGISTRY, authority_host
from .profiles import resolve_profile, select_profile
from .sources import RawDocument
from .values import SecretSource, read_reference

if TYPE_CHECKING:
    from ..protocols import AsyncCredential, Credential

__all__ = ["async_credential_from_config", "build_credential", "credential_from_config"]


def credential_from_config(
    source: ConfigSource = None, *, profile: str | None = None, environ: Mapping[str, str] | None = None
) -> Credential:
    """A sync credential described by a configuration.

    :param source: a path (YAML, TOML, ``pyproject.toml`` with ``[tool.azauth]``, JSON), a mapping, or ``None``:
        then ``AZAUTH_CONFIG`` (a path), then ``AZAUTH_*`` variables, then the built-in ``default`` profile.
    :keyword str profile: the profile to build; default ``AZAUTH_PROFILE``, then the document's
        ``default_profile``, then ``default``.
    :keyword environ: the environment to read ``${VAR}``, ``{env:}`` and ``AZAUTH_*`` from (default ``os.environ``);
        when given, credentials read it too instead of ``os.environ``.
    :raises ~azauth.ConfigError: the configuration is invalid or a reference cannot be resolved; every problem
        is listed with its file, line and field.
    """
    return build_credential(importlib.import_module("azauth"), source, profile=profile, environ=environ)  # type: ignore[no-any-return]


def async_credential_from_config(
    source: ConfigSource = None, *, profile: str | None = None, environ: Mapping[str, str] | None = None
) -> AsyncCredential:
    """An async credential (from ``azauth.aio``) described by a configuration; arguments as in the sync
    :func:`azauth.credential_from_config`."""
    return build_credential(importlib.import_module("azauth.aio"), source, profile=profile, environ=environ)  # type: ignore[no-any-return]


def build_credential(
    namespace: ModuleType,
    source: ConfigSource = None,
    *,
    profile: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Any:
    """Build the credential of ``profile`` from the public classes of ``namespace`` (``azauth`` or ``azauth.aio``)."""
    env = os.environ if environ is None else environ
    document = load_config(source, environ=env)
    raw: RawDocument = document._origin
    name = select_profile(profile, env, document)
    builder = _Builder(
        _public_classes(namespace), document, raw, env, pass_environ=environ is not None, namespace=namespace.__name__
    )
    model, path = resolve_profile(document, name, raw.locator)
    credential = builder.build(model, path)
    if builder.problems:
        raise ConfigError(builder.problems)
    return credential


_CLASSES: dict[str, dict[type[CredentialCore], type[Any]]] = {}


def _public_classes(namespace: ModuleType) -> dict[type[CredentialCore], type[Any]]:
    """The public class of each core in ``namespace``: the one exported name that subclasses it."""
    found = _CLASSES.get(namespace.__name__)
    if found is None:
        found = {}
        for export in getattr(namespace, "__all__", ()):
            value = getattr(namespace, export, None)
            if isinstance(value, type) and issubclass(value, CredentialCore):
                for core in REGISTRY.values():
                    if core.core is not None and issubclass(value, core.core):
                        found.setdefault(core.core, value)
        _CLASSES[namespace.__name__] = found
    return found


class _Builder:
    """Turns validated models into credential instances, collecting every problem on the way."""

    def __init__(
        self,
        classes: Mapping[type[CredentialCore], type[Any]],
        document: Any,
        raw: RawDocument,
        environ: Mapping[str, str],
        *,
        pass_environ: bool,
        namespace: str,
    ) -> None:
        self.classes = classes
        self.namespace = namespace
        self.document = document
        self.raw = raw
        self.environ = environ
        self.pass_environ = pass_environ
        self.problems: list[ConfigProblem] = []
        self.built: dict[tuple[str, bool], Any] = {}
        """Profiles already built, by (name, inside a chain): a profile is built once however often it is
        referenced (building every reference again is exponential in a document of chained references)."""

    def unavailable(self, class_name: str, reason: str) -> Any:
        """A chain member standing for a credential that could not be built."""
        module = importlib.import_module(self.namespace + "._credentials")
        return module.UnavailableCredential(class_name, reason)

    def _fail(self, path: FieldPath, message: str) -> None:
        self.problems.append(self.raw.locator.problem(path, message))

    def build(self, model: Any, path: FieldPath, *, in_chain: bool = False) -> Any:
        if model.type == "profile":  # references were checked for cycles when the document was loaded
            aliases: list[tuple[str, bool]] = []
            while model.type == "profile":  # follow a run of references without recursion
                memo = (model.name, in_chain)
                if memo in self.built:
                    built = self.built[memo]
                    break
                aliases.append(memo)
                model, path = resolve_profile(self.document, model.name, self.raw.locator)
            else:
                built = self.build(model, path, in_chain=in_chain)
            for memo in aliases:
                self.built[memo] = built
            return built
        kind = REGISTRY[model.type]
        assert kind.core is not None
        cls = self.classes.get(kind.core)
        if cls is None:
            self._fail(path, f"{kind.class_name} has no public class in this namespace")
            return None
        if model.type == "chain":
            members = [
                self.build(child, (*path, "credentials", i), in_chain=True) for i, child in enumerate(model.credentials)
            ]
            return None if self.problems else cls(*members)
        arguments = self._arguments(kind, model, path)
        if arguments is None:
            return None
        try:
            return cls(**arguments)
        except ValueError as exc:
            if in_chain:  # as DefaultAzureCredential does: the chain reports it and moves on
                return self.unavailable(kind.class_name, str(exc))
            self._fail(path, f"{kind.class_name}: {exc}")
            return None
        except TypeError as exc:
            self._fail(path, f"{kind.class_name}: {exc}")
            return None

    def _arguments(self, kind: Any, model: Any, path: FieldPath) -> dict[str, Any] | None:
        defaults = self.document.defaults
        explicit = model.model_fields_set
        arguments: dict[str, Any] = {}
        failed = False
        for item in kind.fields:
            value = getattr(model, item.name)
            try:
                if item.adapter is not None and item.adapter.convert is not None:
                    if value is not None:
                        content = read_reference(value, self.environ, self.raw.base_dir)
                        value = item.adapter.convert(content)
                elif item.adapter is not None:
                    value = _reader(value, self.environ, self.raw.base_dir)
                elif isinstance(value, SecretSource):
                    if item.binary:
                        value = value.resolve_bytes(self.environ, self.raw.base_dir).get_secret_value()
                    else:
                        value = value.resolve(self.environ, self.raw.base_dir).get_secret_value()
            except ValueError as exc:
                self._fail((*path, item.name), str(exc))
                failed = True
                continue
            if item.name == "authority" and item.name not in explicit:
                value = defaults.authority
            allowed = defaults.additionally_allowed_tenants
            if item.name == "additionally_allowed_tenants" and item.name not in explicit and allowed is not None:
                value = list(allowed)
            if item.name == "authority" and isinstance(value, str):
                value = authority_host(value)
            elif item.is_path and isinstance(value, str):
                value = self._path(value)
            arguments[item.parameter] = value
        if failed:
            return None
        cache = self.document.defaults.cache
        if cache.persist and CACHE_PARAMETER in kind.parameters and CACHE_PARAMETER not in arguments:
            options = {"allow_unencrypted_storage": cache.allow_unencrypted_storage}
            if cache.name:
                options["name"] = cache.name
            persistence = kind.parameters[CACHE_PARAMETER](**options)
            file = self.raw.locator.file
            where = f" in {file}" if not file.startswith("<") else ""
            if file == "<env>":
                where = " (AZAUTH_DEFAULTS__CACHE__ALLOW_UNENCRYPTED_STORAGE=true)"
            setting = f"defaults.cache.allow_unencrypted_storage: true{where}"
            setattr(persistence, CONFIG_SETTING_ATTRIBUTE, setting)  # named by the encryption error
            arguments[CACHE_PARAMETER] = persistence
        if kind.runtime_options:
            arguments.update(self._runtime_options())
        return arguments

    def _path(self, value: str) -> str:
        if self.raw.base_dir is None or os.path.isabs(value):
            return value
        return os.path.join(self.raw.base_dir, value)

    def _runtime_options(self) -> dict[str, Any]:
        """``defaults.http`` as azure-core keywords (``RuntimeOptions``)."""
        http = self.document.defaults.http
        options: dict[str, Any] = {}
        if http.timeout is not None:
            options["connection_timeout"] = options["read_timeout"] = http.timeout
        if http.retries is not None:
            options["retry_total"] = http.retries
        if http.proxies is not None:
            options["proxies"] = dict(http.proxies)
        if http.verify is not None:
            options["connection_verify"] = self._path(http.verify) if isinstance(http.verify, str) else http.verify
        if self.pass_environ:
            options["environ"] = self.environ
        return options


def _reader(source: SecretSource, environ: Mapping[str, str], base_dir: str | None) -> Any:
    """A callable reading ``source`` again on every call (a client assertion that is rotated)."""

    def read() -> str:
        try:
            return read_reference(source, environ, base_dir).decode("utf-8")
        except ValueError as exc:
            raise CredentialUnavailableError(message=f"cannot read the client assertion: {exc}") from None

    return read
