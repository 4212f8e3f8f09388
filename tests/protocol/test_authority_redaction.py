"""Issue 13, defects 13 and 16: an authority's password never reaches a message; a malformed IPv6 authority
is refused, not shortened."""

from __future__ import annotations

import pytest

from azauth._protocol.validation import normalize_authority
from tests.support import Mode

CANARY = "pw-canary-7f3a"


@pytest.mark.parametrize(
    "authority",
    [
        f"https://user:{CANARY}@login.microsoftonline.com",
        f"user:{CANARY}@login.microsoftonline.com",
        f"https://user:{CANARY}@host.example/path",
        f"https://user:{CANARY}\x1b@host.example",
        f"http://user:{CANARY}@host.example",
    ],
)
def test_user_info_is_refused_without_quoting_the_password(authority: str) -> None:
    with pytest.raises(ValueError) as caught:
        normalize_authority(authority)
    assert CANARY not in str(caught.value)
    assert "***@" in str(caught.value)


def test_keyword_variable_and_environment_credential_never_quote_the_password(mode: Mode) -> None:
    authority = f"https://user:{CANARY}@login.microsoftonline.com"
    with pytest.raises(ValueError) as by_keyword:
        mode.module.ClientSecretCredential("tenant", "client", "secret", authority=authority)
    with pytest.raises(ValueError) as by_variable:
        mode.module.ClientSecretCredential("tenant", "client", "secret", environ={"AZURE_AUTHORITY_HOST": authority})
    environ = {
        "AZURE_AUTHORITY_HOST": authority,
        "AZURE_TENANT_ID": "tenant",
        "AZURE_CLIENT_ID": "client",
        "AZURE_CLIENT_SECRET": "secret",
    }
    try:
        credential = mode.module.EnvironmentCredential(environ=environ)
    except ValueError as exc:
        messages = [str(exc)]
    else:
        with pytest.raises(Exception) as by_environment:
            mode.wait(credential.get_token("https://vault.azure.net/.default"))
        messages = [str(by_environment.value)]
        mode.close(credential)
    for message in [str(by_keyword.value), str(by_variable.value), *messages]:
        assert CANARY not in message


@pytest.mark.parametrize("authority", ["https://[::1]junk", "https://[::1]junk:443", "[::1]x", "https://[::1]:44x"])
def test_text_after_an_ipv6_address_is_refused(authority: str) -> None:
    with pytest.raises(ValueError, match="invalid"):
        normalize_authority(authority)


def test_ipv6_with_port_is_kept() -> None:
    assert normalize_authority("https://[::1]:8443") == "https://[::1]:8443"
    assert normalize_authority("[::1]") == "https://[::1]"
