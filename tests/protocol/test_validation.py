"""Authorities, tenant ids and scopes are validated before any URL is built."""

from __future__ import annotations

import pytest
from azure.core.exceptions import ClientAuthenticationError

from azauth._protocol.tenants import resolve_tenant
from azauth._protocol.validation import normalize_authority, validate_scopes, validate_tenant_id


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("login.microsoftonline.com", "https://login.microsoftonline.com"),
        ("https://login.microsoftonline.us/", "https://login.microsoftonline.us"),
        ("HTTPS://Login.ChinaCloudAPI.cn", "https://login.chinacloudapi.cn"),
        ("https://127.0.0.1:8443", "https://127.0.0.1:8443"),
        ("localhost:443", "https://localhost"),
        ("https://[::1]:9000", "https://[::1]:9000"),
    ],
)
def test_authorities_are_normalized(given: str, expected: str) -> None:
    assert normalize_authority(given) == expected


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ("http://login.microsoftonline.com", "https"),
        ("ftp://login.microsoftonline.com", "https"),
        ("https://user:pw@login.microsoftonline.com", "user info"),
        ("https://evil.example@login.microsoftonline.com", "user info"),
        ("https://login.microsoftonline.com/tenant", "path"),
        ("https://login.microsoftonline.com/../x", "path"),
        ("https://login.microsoftonline.com?x=1", "query"),
        ("https://login.microsoftonline.com#frag", "fragment"),
        ("https://login.microsoftonline.com\\@evil.com", "backslash"),
        ("login microsoftonline.com", "whitespace"),
        ("https://lögin.example", "non-ASCII"),
        ("https://-bad-.example", "host name"),
        ("https://host:99999", "port"),
        ("", "empty"),
    ],
)
def test_bad_authorities_are_rejected(given: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        normalize_authority(given)


@pytest.mark.parametrize(
    "tenant",
    ["72f988bf-86f1-41af-91ab-2d7cd011db47", "contoso.onmicrosoft.com", "organizations", "common", "consumers", "adfs"],
)
def test_good_tenants(tenant: str) -> None:
    assert validate_tenant_id(tenant) == tenant


@pytest.mark.parametrize(
    "tenant", ["", "..", "a..b", "a/b", "a%2fb", "tenant\n", "ténant", "a b", ".lead", "trail.", "x?y", "a\\b"]
)
def test_bad_tenants(tenant: str) -> None:
    with pytest.raises(ValueError, match="tenant_id"):
        validate_tenant_id(tenant)


def test_scopes() -> None:
    assert validate_scopes(["https://vault.azure.net/.default"]) == ("https://vault.azure.net/.default",)
    for bad in ([], [""], ["a b"], ["https://x/.default#"], ["https://x/\u00e9"]):
        with pytest.raises(ValueError, match="scope"):
            validate_scopes(bad)


@pytest.mark.parametrize(
    ("configured", "requested", "allowed", "disabled", "expected"),
    [
        ("home", None, (), False, "home"),
        ("home", "home", (), False, "home"),
        ("home", "other", ("other",), False, "other"),
        ("home", "other", ("*",), False, "other"),
        ("home", "other", ("*",), True, "home"),
        ("adfs", "other", ("*",), False, "adfs"),
        ("organizations", "other", (), False, "other"),
        ("", "other", (), False, "other"),
    ],
)
def test_resolve_tenant(
    configured: str, requested: str | None, allowed: tuple[str, ...], disabled: bool, expected: str
) -> None:
    assert (
        resolve_tenant(configured, requested, additionally_allowed=allowed, multitenant_disabled=disabled) == expected
    )


def test_resolve_tenant_refusals() -> None:
    with pytest.raises(ClientAuthenticationError, match="additionally_allowed_tenants"):
        resolve_tenant("home", "other", additionally_allowed=("third",), multitenant_disabled=False)
    with pytest.raises(ClientAuthenticationError):
        resolve_tenant("organizations", "other", additionally_allowed=("third",), multitenant_disabled=False)
    with pytest.raises(ValueError, match="tenant_id"):
        resolve_tenant("home", "../evil", additionally_allowed=("*",), multitenant_disabled=False)
