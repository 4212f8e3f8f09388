"""The document model, derived from the credential constructors registered in ``CORE_TYPES``.

Each credential core's ``__init__`` is the single list of its parameters: its signature and ``Annotated``
hints (:mod:`azauth.params`) give the configuration fields, their types, defaults, descriptions and which are
secrets. Only ``chain`` (credential instances cannot be written in a file) and ``profile`` (a reference, not a
credential) are modelled by hand. A credential type registered later appears here, in the JSON schema and in
the docs without any other edit.
"""

from __future__ import annotations

import dataclasses
import inspect
import typing
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from types import NoneType, UnionType
from typing import Annotated, Any, Literal, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PlainSerializer,
    PlainValidator,
    PrivateAttr,
    SecretStr,
    Tag,
    TypeAdapter,
    WithJsonSchema,
    create_model,
)
from pydantic_core import PydanticUndefined

from .. import params
from .._core.base import CORE_TYPES, CredentialCore
from .._core.runtime import MAX_COUNT, MAX_SECONDS
from .._protocol.validation import normalize_authority, validate_tenant_id
from ..authority_hosts import AzureAuthorityHosts
from .values import SecretSource

__all__ = [
    "CLOUDS",
    "PLANNED_TYPES",
    "REGISTRY",
    "AnyDocument",
    "CacheDefaults",
    "ConfigDocument",
    "ConfigField",
    "CredentialConfig",
    "CredentialType",
    "Defaults",
    "HttpDefaults",
    "ProfileReference",
    "authority_host",
]

CLOUDS: dict[str, str] = {
    "public": AzureAuthorityHosts.AZURE_PUBLIC_CLOUD,
    "government": AzureAuthorityHosts.AZURE_GOVERNMENT,
    "china": AzureAuthorityHosts.AZURE_CHINA,
}
"""Cloud names accepted wherever an authority is configured."""

PLANNED_TYPES: dict[str, str] = {
    "default": "DefaultAzureCredential",
    "environment": "EnvironmentCredential",
    "managed_identity": "ManagedIdentityCredential",
    "workload_identity": "WorkloadIdentityCredential",
    "azure_pipelines": "AzurePipelinesCredential",
    "on_behalf_of": "OnBehalfOfCredential",
    "authorization_code": "AuthorizationCodeCredential",
    "device_code": "DeviceCodeCredential",
    "interactive_browser": "InteractiveBrowserCredential",
    "username_password": "UsernamePasswordCredential",
    "shared_token_cache": "SharedTokenCacheCredential",
    "visual_studio_code": "VisualStudioCodeCredential",
    "azure_cli": "AzureCliCredential",
    "azure_developer_cli": "AzureDeveloperCliCredential",
    "azure_powershell": "AzurePowerShellCredential",
}
"""azure-identity's credentials by configuration type name; used only to say "not implemented yet" for the
types that have no core so far (the models themselves come from ``CORE_TYPES``)."""

CACHE_PARAMETER = "cache_persistence_options"
"""The constructor keyword that ``defaults.cache`` feeds (azure-identity's name)."""

HAND_MODELLED = frozenset({"chain", "profile"})
PROFILE_NAME_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$"

_STRICT = ConfigDict(extra="forbid", allow_inf_nan=False)  # numbers are finite: .inf would hang or overflow


# ------------------------------------------------------------------------------------- field value types


def _param(alias: Any) -> params.Param:
    return next(m for m in typing.get_args(alias)[1:] if isinstance(m, params.Param))


def authority_host(value: str) -> str:
    """The authority host a configured authority means: a cloud name's host, else the value itself."""
    return CLOUDS.get(value.strip().lower(), value)


def _check_authority(value: str | None) -> str | None:
    if value is None or value.strip().lower() in CLOUDS:
        return value
    try:
        normalize_authority(value)
    except ValueError as exc:
        raise ValueError(str(exc).replace(f"authority {value!r}", "authority")) from None
    return value


def _check_tenant(value: str) -> str:
    try:
        return validate_tenant_id(value)
    except ValueError as exc:
        raise ValueError(str(exc).replace(f"tenant_id {value!r}", "tenant_id")) from None


_CLOUD_NOTE = " In configuration also a cloud name: " + ", ".join(CLOUDS) + "."
_VALIDATORS: dict[params.Param, tuple[Callable[[Any], Any], str]] = {
    _param(params.TenantId): (_check_tenant, ""),
    _param(params.AuthorityHost): (_check_authority, _CLOUD_NOTE),
}
"""Extra checks (and description notes) by parameter type, so ``azauth validate`` catches what the
constructor would reject."""

_REFERENCE_SCHEMAS: list[dict[str, Any]] = [
    {
        "type": "object",
        "properties": {"env": {"type": "string", "minLength": 1, "description": "An environment variable."}},
        "required": ["env"],
        "additionalProperties": False,
    },
    {
        "type": "object",
        "properties": {
            "file": {
                "type": "string",
                "minLength": 1,
                "description": "A file (e.g. a mounted secret), relative to the configuration file's folder.",
            }
        },
        "required": ["file"],
        "additionalProperties": False,
    },
]


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if value is None:
        return "empty (null)"
    return "a string" if isinstance(value, str) else f"a {type(value).__name__}"


def _parse_reference(value: Any) -> SecretSource | None:
    if isinstance(value, dict) and len(value) == 1:
        ((key, target),) = value.items()
        if key in ("env", "file") and isinstance(target, str) and target:
            return SecretSource(env=target) if key == "env" else SecretSource(file=target)
    return None


def _parse_secret(value: Any) -> SecretSource:
    if isinstance(value, SecretSource):
        return value
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if isinstance(value, str):
        if not value:
            raise ValueError("must not be empty")
        return SecretSource(literal=SecretStr(value))
    reference = _parse_reference(value)
    if reference is not None:
        return reference
    hint = ": quote it" if isinstance(value, (int, float)) else ""
    raise ValueError(f"must be a string, {{env: NAME}} or {{file: PATH}}, not {_kind(value)}{hint}")


def _parse_source(value: Any) -> SecretSource:
    reference = _parse_reference(value)
    if reference is None:
        raise ValueError(f"must be {{env: NAME}} or {{file: PATH}} (read again for every token), not {_kind(value)}")
    return reference


def _dump_secret(value: SecretSource) -> Any:
    if value.env is not None:
        return {"env": value.env}
    if value.file is not None:
        return {"file": value.file}
    return "**********"


SecretField = Annotated[
    SecretSource,
    PlainValidator(_parse_secret),
    PlainSerializer(_dump_secret),
    WithJsonSchema({"anyOf": [{"type": "string", "minLength": 1}, *_REFERENCE_SCHEMAS]}),
]
"""A secret: a literal string (``azauth validate`` warns), ``{env: NAME}`` or ``{file: PATH}``."""

SourceField = Annotated[
    SecretSource,
    PlainValidator(_parse_source),
    PlainSerializer(_dump_secret),
    WithJsonSchema({"anyOf": _REFERENCE_SCHEMAS}),
]
"""A value read again on every use: ``{env: NAME}`` or ``{file: PATH}``."""


# ------------------------------------------------------------------------- parameters that need an adapter


@dataclass(frozen=True)
class Adapter:
    """A constructor parameter that cannot be written in a file, configured through another field."""

    field: str
    annotation: Any
    description: str
    convert: Callable[[bytes], Any] | None = None
    """Builds the constructor's value from the content read once (``None``: a callable reading it on each use)."""


def _authentication_record(content: bytes) -> Any:
    from ..authentication_record import AuthenticationRecord

    return AuthenticationRecord.deserialize(content.decode("utf-8", errors="replace"))


_ADAPTERS: dict[params.Param, Adapter] = {
    _param(params.AssertionFunc): Adapter(
        "assertion",
        SourceField,
        "Where the client assertion (a JWT) is read from: {env: NAME} or {file: PATH} (e.g. a projected"
        " service-account token). It is read again for every new token.",
    ),
    _param(params.AuthRecord): Adapter(
        "authentication_record",
        SourceField | None,
        "Where a serialized AuthenticationRecord (what authenticate() returned, record.serialize()) is read from:"
        " {file: PATH} or {env: NAME}. The credential signs that account in silently from the persistent cache.",
        convert=_authentication_record,
    ),
}


# ------------------------------------------------------------------------------------------ derivation


@dataclass(frozen=True)
class ConfigField:
    """One configuration key of a credential type and the constructor parameter it feeds."""

    name: str
    parameter: str
    annotation: Any
    default: Any
    description: str
    secret: bool = False
    binary: bool = False
    adapter: Adapter | None = None

    @property
    def required(self) -> bool:
        """Whether the key must be written."""
        return self.default is PydanticUndefined

    @property
    def is_path(self) -> bool:
        """A ``*_path`` value is a file path, relative to the configuration file's folder."""
        return self.name.endswith("_path")


@dataclass(frozen=True)
class CredentialType:
    """A configuration ``type``: its core, the public class name, fields and model."""

    name: str
    core: type[CredentialCore] | None
    class_name: str
    summary: str
    fields: tuple[ConfigField, ...]
    model: type[BaseModel]
    runtime_options: bool
    """Whether the constructor takes the runtime (HTTP) options from ``defaults.http``."""
    parameters: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    """Every keyword the constructor takes, configurable or not, with its type (``Annotated`` and ``None``
    stripped): ``defaults`` apply to a credential by these names (e.g. ``cache_persistence_options``)."""


def _strip_optional(hint: Any) -> tuple[Any, bool]:
    if typing.get_origin(hint) in (Union, UnionType):
        args = [a for a in typing.get_args(hint) if a is not NoneType]
        optional = len(args) < len(typing.get_args(hint))
        return (args[0] if len(args) == 1 else Union[tuple(args)]), optional  # noqa: UP007
    return hint, False


def _value_annotation(base: Any) -> Any | None:
    """The configuration type for a constructor type, or ``None`` when it cannot be written in a file."""
    origin = typing.get_origin(base)
    if base is float:  # every float a constructor takes is a number of seconds
        return Annotated[float, Field(allow_inf_nan=False, gt=0, le=MAX_SECONDS)]
    if base is int:
        return Annotated[int, Field(ge=0, le=MAX_COUNT)]
    if base in (str, bool):
        return base
    if origin is Literal:
        return base
    if origin in (list, tuple, Sequence, Collection) or base in (list, tuple):
        args = [a for a in typing.get_args(base) if a is not Ellipsis]
        item = _value_annotation(args[0]) if args else None
        return list[item] if item is not None else None  # type: ignore[valid-type]
    if origin in (dict, Mapping):
        key, value = typing.get_args(base) or (str, str)
        return dict[key, value] if key is str and value in (str, int, float, bool) else None  # type: ignore[valid-type]
    return None


def _derive_field(name: str, parameter: inspect.Parameter, hint: Any) -> ConfigField | None:
    base = hint
    param: params.Param | None = None
    if typing.get_origin(hint) is Annotated:
        base = typing.get_args(hint)[0]
        param = next((m for m in hint.__metadata__ if isinstance(m, params.Param)), None)
    default = PydanticUndefined if parameter.default is inspect.Parameter.empty else parameter.default
    if isinstance(default, tuple):
        default = list(default)
    description = param.description if param else ""
    if param is not None and param in _ADAPTERS:
        adapter = _ADAPTERS[param]
        return ConfigField(adapter.field, name, adapter.annotation, default, adapter.description, adapter=adapter)
    value, optional = _strip_optional(base)
    if param is not None and param.secret:
        members = set(typing.get_args(value)) or {value}
        annotation: Any = SecretField | None if optional else SecretField
        binary = bytes in members and str not in members
        return ConfigField(name, name, annotation, default, description, secret=True, binary=binary)
    converted = _value_annotation(value)
    if converted is None:
        return None
    annotation = converted | None if optional else converted
    if param is not None and param in _VALIDATORS:
        check, note = _VALIDATORS[param]
        annotation = Annotated[annotation, AfterValidator(check)]
        description += note
    return ConfigField(name, name, annotation, default, description)


def _literal(value: str) -> Any:
    return Literal[value]


def _forward(annotation: str) -> Any:
    return annotation


def _summary(cls: type) -> str:
    doc = inspect.getdoc(cls) or ""
    return doc.split("\n\n")[0].replace("\n", " ").strip()


def _public_class_name(core: type[CredentialCore]) -> str:
    from .. import _credentials

    for value in vars(_credentials).values():
        public = value.__name__ in _credentials.__all__ if isinstance(value, type) else False
        if public and issubclass(value, core) and value.__bases__[0] is core:  # class X(XCore, SyncCredential)
            return str(value.__name__)
    return core.__name__.removesuffix("Core") + "Credential"


def _derive(name: str, core: type[CredentialCore]) -> CredentialType | str:
    """The credential type for ``core``, or why it cannot be configured."""
    signature = inspect.signature(core.__init__)
    hints = typing.get_type_hints(core.__init__, include_extras=True)
    fields: list[ConfigField] = []
    runtime = False
    accepted: dict[str, Any] = {}
    for parameter_name, parameter in list(signature.parameters.items())[1:]:
        if parameter.kind is inspect.Parameter.VAR_KEYWORD:
            runtime = True
            continue
        if parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            return f"its constructor takes *{parameter_name}"
        hint = hints.get(parameter_name, Any)
        accepted[parameter_name] = _strip_optional(
            typing.get_args(hint)[0] if typing.get_origin(hint) is Annotated else hint
        )[0]
        derived = _derive_field(parameter_name, parameter, hints.get(parameter_name, Any))
        if derived is None:
            if parameter.default is inspect.Parameter.empty:
                return f"its required parameter {parameter_name!r} cannot be written in a configuration"
            continue
        fields.append(derived)
    class_name = _public_class_name(core)
    summary = _summary(core)
    model_fields: dict[str, Any] = {
        "type": (_literal(name), Field(description=f"{class_name}: {summary}")),
    }
    for item in fields:
        model_fields[item.name] = (item.annotation, Field(default=item.default, description=item.description))
    stem = class_name.removesuffix("Credential")
    model = create_model(f"{stem}Config", __config__=_STRICT, __doc__=summary, **model_fields)
    return CredentialType(name, core, class_name, summary, tuple(fields), model, runtime, accepted)


def _registered_cores() -> dict[str, type[CredentialCore]]:
    from .. import _credentials  # noqa: F401  (importing it registers every core)

    return dict(sorted(CORE_TYPES.items()))


REGISTRY: dict[str, CredentialType] = {}
"""Every configurable credential type by name, derived from ``CORE_TYPES`` (plus ``chain`` and ``profile``)."""
UNCONFIGURABLE: dict[str, str] = {}
"""Registered cores that no configuration can build, with the reason (a test keeps this empty)."""

for _name, _core in _registered_cores().items():
    if _name in HAND_MODELLED:
        continue
    _derived = _derive(_name, _core)
    if isinstance(_derived, str):
        UNCONFIGURABLE[_name] = _derived
    else:
        REGISTRY[_name] = _derived


# ------------------------------------------------------------------------------------ hand-made models

ProfileName = Annotated[str, Field(pattern=PROFILE_NAME_PATTERN)]


class ProfileReference(BaseModel):
    """The credential another profile describes."""

    model_config = _STRICT

    type: Literal["profile"] = Field(description="A reference to another profile of this document (or a built-in).")
    name: ProfileName = Field(description="The profile to use: one of this document's profiles, default, dev or prod.")


_chain_core = CORE_TYPES["chain"]
ChainConfig = create_model(
    "ChainConfig",
    __config__=_STRICT,
    __doc__=_summary(_chain_core),
    type=(_literal("chain"), Field(description=f"{_public_class_name(_chain_core)}: {_summary(_chain_core)}")),
    credentials=(
        _forward("list[CredentialConfig]"),
        Field(min_length=1, description="The credentials to try, in order; a chain may hold chains and profiles."),
    ),
)

_members: tuple[Any, ...] = (*(t.model for t in REGISTRY.values()), ChainConfig, ProfileReference)
CredentialConfig: Any = Annotated[Union[_members], Discriminator("type")]  # noqa: UP007
"""One credential: the union of every type's model, told apart by ``type``."""
ChainConfig.model_rebuild(_types_namespace={"CredentialConfig": CredentialConfig})

REGISTRY["chain"] = CredentialType(
    "chain", _chain_core, _public_class_name(_chain_core), _summary(_chain_core), (), ChainConfig, False
)
REGISTRY["profile"] = CredentialType(
    "profile", None, "(another profile)", "A reference to another profile.", (), ProfileReference, False
)


# ---------------------------------------------------------------------------------------------- defaults


class HttpDefaults(BaseModel):
    """HTTP options of every credential's pipeline (azure-core keywords)."""

    model_config = _STRICT

    timeout: float | None = Field(
        None,
        gt=0,
        le=MAX_SECONDS,
        allow_inf_nan=False,
        description="Seconds to wait for a connection and between bytes of a response.",
    )
    retries: int | None = Field(None, ge=0, le=10, description="How many times a failed request is retried.")
    proxies: dict[str, str] | None = Field(
        None, description='Proxy URLs by scheme, e.g. {"https": "http://proxy:3128"}.'
    )
    verify: bool | str | None = Field(
        None,
        description="Verify the TLS certificate of Microsoft Entra ID (true, the default), or verify it with this CA"
        " bundle (a path, relative to the configuration file's folder).",
    )


class CacheDefaults(BaseModel):
    """Token cache persistence options, for the credentials that accept them."""

    model_config = _STRICT

    persist: bool = Field(False, description="Persist tokens on disk, shared with other processes.")
    name: str | None = Field(None, description="Name of the persistent cache, to separate applications' caches.")
    allow_unencrypted_storage: bool = Field(
        False, description="Store the cache unencrypted when encryption is unavailable (e.g. Linux without libsecret)."
    )


class Defaults(BaseModel):
    """Options applied to every credential whose constructor takes them (a credential's own value wins)."""

    model_config = _STRICT

    authority: Annotated[str | None, AfterValidator(_check_authority)] = Field(
        None, description=_param(params.AuthorityHost).description + _CLOUD_NOTE
    )
    additionally_allowed_tenants: list[str] | None = Field(
        None, description=_param(params.AdditionallyAllowedTenants).description
    )
    http: HttpDefaults = Field(HttpDefaults.model_validate({}), description=HttpDefaults.__doc__)
    cache: CacheDefaults = Field(CacheDefaults.model_validate({}), description=CacheDefaults.__doc__)


# ---------------------------------------------------------------------------------------------- document


class _DocumentBase(BaseModel):
    """A configuration document: named profiles, each a credential, and defaults for all of them."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        json_schema_extra={"patternProperties": {"^x-": {"description": "Ignored: a place for YAML anchors."}}},
    )
    _origin: Any = PrivateAttr(default=None)

    def profile_names(self) -> list[str]:
        """The document's own profile names."""
        return list(getattr(self, "profiles", {}))


ConfigDocument: Any = create_model(
    "ConfigDocument",
    __base__=_DocumentBase,
    __doc__=_DocumentBase.__doc__,
    schema_=(
        str | None,
        Field(None, alias="$schema", description="The JSON schema of this document, for editors."),
    ),
    version=(Literal[1], Field(1, description="Version of the configuration format; 1.")),
    default_profile=(
        ProfileName | None,
        Field(None, description="The profile used when none is asked for; else 'default'."),
    ),
    defaults=(Defaults, Field(Defaults.model_validate({}), description=Defaults.__doc__)),
    profiles=(
        dict[ProfileName, CredentialConfig],
        Field(default_factory=dict, description="Named credentials. Names are letters, digits, '_', '-' and '.'."),
    ),
)
"""The full document (the model class; ``load_config`` returns an instance)."""


def _document_kind(value: Any) -> str:
    if isinstance(value, dict) and "type" in value and "profiles" not in value:
        return "credential"
    return "document"


AnyDocument: Any = Annotated[
    Union[Annotated[ConfigDocument, Tag("document")], Annotated[CredentialConfig, Tag("credential")]],  # noqa: UP007
    Discriminator(_document_kind),
]
"""What a file may hold: a full document, or (short form) one credential, which becomes the profile 'default'."""

DOCUMENT_ADAPTER: TypeAdapter[Any] = TypeAdapter(AnyDocument)
CREDENTIAL_ADAPTER: TypeAdapter[Any] = TypeAdapter(CredentialConfig)
