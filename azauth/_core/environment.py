"""EnvironmentCredential: a service principal or user configured by environment variables."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from azure.core.credentials import AccessTokenInfo
from typing_extensions import Unpack

from .._protocol.steps import Flow
from ..params import AdditionallyAllowedTenants, AuthorityHost, DisableInstanceDiscovery
from .base import CredentialCore, TokenRequest, unavailable
from .certificate import CertificateCore
from .client_secret import ClientSecretCore
from .embedded import embed
from .env_values import parse_bool
from .runtime import RuntimeOptions
from .username_password import UsernamePasswordCore

__all__ = ["EnvironmentCore"]

_LOGGER = logging.getLogger("azauth")
TROUBLESHOOTING = "https://aka.ms/azsdk/python/identity/environmentcredential/troubleshoot"

SECRET_VARS = ("AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET")
CERTIFICATE_VARS = ("AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_CERTIFICATE_PATH")
USERNAME_PASSWORD_VARS = ("AZURE_CLIENT_ID", "AZURE_USERNAME", "AZURE_PASSWORD")
OPTIONS = (
    ("a service principal with a secret", SECRET_VARS),
    ("a service principal with a certificate", CERTIFICATE_VARS),
    ("a user with a username and password", USERNAME_PASSWORD_VARS),
)


def missing_variables_message(environ: Mapping[str, str]) -> str:
    """Which variables each configuration lacks, by name only (their values may be secrets)."""
    known = {name for _, names in OPTIONS for name in names}
    present = sorted(name for name in known if environ.get(name))
    lines = [
        f"  - {label}: set {', '.join(names)} (missing: {', '.join(n for n in names if not environ.get(n))})"
        for label, names in OPTIONS
    ]
    found = f"These variables are set: {', '.join(present)}." if present else "None of these variables is set."
    return (
        "EnvironmentCredential authentication unavailable. Environment variables are not fully configured. "
        f"{found} Configure one of:\n" + "\n".join(lines) + f"\nTo troubleshoot, visit {TROUBLESHOOTING}"
    )


class EnvironmentCore(CredentialCore, config_type="environment"):
    """A credential configured by environment variables.

    This credential is capable of authenticating as a service principal using a client secret or a certificate,
    or as a user with a username and password. Configuration is attempted in this order, using these environment
    variables:

    Service principal with secret: **AZURE_TENANT_ID**, **AZURE_CLIENT_ID**, **AZURE_CLIENT_SECRET**.

    Service principal with certificate: **AZURE_TENANT_ID**, **AZURE_CLIENT_ID**,
    **AZURE_CLIENT_CERTIFICATE_PATH** (PEM or PKCS12 including the private key), optionally
    **AZURE_CLIENT_CERTIFICATE_PASSWORD** and **AZURE_CLIENT_SEND_CERTIFICATE_CHAIN** (a strict boolean:
    true/false, 1/0, yes/no).

    User with username and password: **AZURE_CLIENT_ID**, **AZURE_USERNAME**, **AZURE_PASSWORD**, optionally
    **AZURE_TENANT_ID** (default "organizations").

    **AZURE_AUTHORITY_HOST** sets the authority in every case. An empty variable counts as unset. When no
    configuration is complete, ``get_token`` raises :class:`CredentialUnavailableError` naming the missing
    variables.
    """

    def __init__(
        self,
        *,
        authority: AuthorityHost = None,
        additionally_allowed_tenants: AdditionallyAllowedTenants = (),
        disable_instance_discovery: DisableInstanceDiscovery = False,
        **kwargs: Unpack[RuntimeOptions],
    ) -> None:
        given = kwargs.get("environ")
        environ: Mapping[str, str] = given if given is not None else self._default_environ()
        self._environ = environ
        self._unavailable: str | None = None
        self._inner: CredentialCore | None = None
        self._inner = inner = self._select(environ, authority, additionally_allowed_tenants)
        self._setup(
            tenant_id=inner._tenant_id if inner is not None else "",
            client_id=inner._client_id if inner is not None else None,
            authority=authority,
            additionally_allowed_tenants=additionally_allowed_tenants,
            runtime=kwargs,
            tenant_required=False,
        )
        if inner is None:
            self._unavailable = missing_variables_message(environ)
            _LOGGER.info("EnvironmentCredential: no complete environment configuration")
        else:
            _LOGGER.info("Environment is configured for %s", self.configured_for)

    def _select(self, env: Mapping[str, str], authority: str | None, allowed: Sequence[str]) -> CredentialCore | None:
        def has(names: tuple[str, ...]) -> bool:
            return all(env.get(name) for name in names)

        if isinstance(allowed, str):
            raise TypeError("additionally_allowed_tenants must be a list of tenant ids, not a string")
        options: dict[str, Any] = {"authority": authority, "additionally_allowed_tenants": allowed, "environ": env}
        if has(SECRET_VARS):
            return embed(
                ClientSecretCore, self, env["AZURE_TENANT_ID"], env["AZURE_CLIENT_ID"], env["AZURE_CLIENT_SECRET"],
                **options,
            )  # fmt: skip
        if has(CERTIFICATE_VARS):
            send_chain = parse_bool(env, "AZURE_CLIENT_SEND_CERTIFICATE_CHAIN")
            try:
                return embed(
                    CertificateCore, self, env["AZURE_TENANT_ID"], env["AZURE_CLIENT_ID"],
                    env["AZURE_CLIENT_CERTIFICATE_PATH"], password=env.get("AZURE_CLIENT_CERTIFICATE_PASSWORD") or None,
                    send_certificate_chain=send_chain, **options,
                )  # fmt: skip
            except ValueError as exc:
                raise ValueError(f"EnvironmentCredential (AZURE_CLIENT_CERTIFICATE_PATH): {exc}") from exc
        if has(USERNAME_PASSWORD_VARS):
            return embed(
                UsernamePasswordCore, self, env["AZURE_CLIENT_ID"], env["AZURE_USERNAME"], env["AZURE_PASSWORD"],
                tenant_id=env.get("AZURE_TENANT_ID") or None, **options,
            )  # fmt: skip
        return None

    @property
    def configured_for(self) -> str | None:
        """The credential the environment configures (e.g. ``"ClientSecretCredential"``), or None."""
        for core in (ClientSecretCore, CertificateCore, UsernamePasswordCore):
            if isinstance(self._inner, core):
                return core.__name__.removesuffix("Core") + "Credential"
        return None

    def _repr_fields(self) -> dict[str, object]:
        return {**super()._repr_fields(), "configured_for": self.configured_for}

    def _cache_scope(self) -> str | None:
        return self._inner._cache_scope() if self._inner is not None else None

    def unavailable_reason(self) -> str | None:
        return (self._unavailable or "EnvironmentCredential is not configured") if self._inner is None else None

    def token_flow(self, scopes: tuple[str, ...], request: TokenRequest) -> Flow[AccessTokenInfo]:
        if self._inner is None:
            raise unavailable(self._unavailable or "EnvironmentCredential is not configured")
        return self._inner.token_flow(scopes, request)
