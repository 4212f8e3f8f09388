"""Contract tests: azauth sends the same token requests msal (through azure-identity) sends, and honours
azure-core's pipeline keywords."""

from __future__ import annotations

from typing import Any

import azure.identity
import pytest
from azure.core.pipeline.transport import RequestsTransport

import azauth
from azauth.emulator import Emulator, make_certificate
from tests.support import SCOPE, Mode, connect

TOKEN_FIELDS = {"grant_type", "client_id", "scope", "client_secret", "client_assertion", "client_assertion_type"}


def token_form(emu: Emulator) -> dict[str, str]:
    (request,) = [r for r in emu.requests if r.endpoint == "token"]
    return {k: v for k, v in request.form.items() if k in TOKEN_FIELDS}


@pytest.mark.parametrize("kind", ["secret", "certificate"])
def test_same_token_request_as_msal(emu: Emulator, kind: str) -> None:
    bundle = make_certificate()
    emu.add_certificate(emu.client_id, bundle.cert_pem)

    def build(module: Any, **extra: Any) -> Any:
        if kind == "secret":
            return module.ClientSecretCredential(
                emu.tenant_id, emu.client_id, emu.client_secret, **connect(emu), **extra
            )
        return module.CertificateCredential(
            emu.tenant_id, emu.client_id, certificate_data=bundle.pem, **connect(emu), **extra
        )

    reference = build(azure.identity, disable_instance_discovery=True)
    reference_token = reference.get_token(SCOPE)
    theirs = token_form(emu)
    emu.clear_requests()
    ours_token = build(azauth).get_token(SCOPE)
    ours = token_form(emu)
    assert ours == theirs  # secrets and assertions are redacted in the log, so values compare exactly
    assert emu.decode_token(ours_token.token)["aud"] == emu.decode_token(reference_token.token)["aud"]
    assert abs(ours_token.expires_on - reference_token.expires_on) <= 5


def test_cae_request_matches_msal(emu: Emulator) -> None:
    reference = azure.identity.ClientSecretCredential(
        emu.tenant_id, emu.client_id, emu.client_secret, disable_instance_discovery=True, **connect(emu)
    )
    reference.get_token(SCOPE, enable_cae=True)
    theirs = [r for r in emu.requests if r.endpoint == "token"][-1].form["claims"]
    emu.clear_requests()
    azauth.ClientSecretCredential(emu.tenant_id, emu.client_id, emu.client_secret, **connect(emu)).get_token(
        SCOPE, enable_cae=True
    )
    import json

    assert json.loads(emu.requests[-1].form["claims"]) == json.loads(theirs)


def test_pipeline_keywords_reach_the_wire(mode: Mode, emu: Emulator) -> None:
    extra: dict[str, Any] = {"headers": {"x-test-header": "yes"}, "user_agent": "my-app/1.0"}
    if not mode.is_async:  # a caller-supplied transport is used as is
        extra["transport"] = RequestsTransport(connection_verify=emu.ca_path)
    cred = mode.module.ClientSecretCredential(
        emu.tenant_id,
        emu.client_id,
        emu.client_secret,
        authority=emu.authority,
        connection_verify=emu.ca_path,
        **extra,
    )
    mode.wait(cred.get_token(SCOPE))
    headers = emu.requests[-1].headers
    assert headers["x-test-header"] == "yes"
    assert headers["user-agent"].startswith("my-app/1.0 azsdk-python-azauth/")
    assert headers.get("x-ms-client-request-id")
    mode.close(cred)


def test_unverified_tls_is_refused_by_default(mode: Mode, emu: Emulator) -> None:
    from azure.core.exceptions import ClientAuthenticationError

    cred = mode.module.ClientSecretCredential(
        emu.tenant_id, emu.client_id, emu.client_secret, authority=emu.authority, retry_total=0
    )
    with pytest.raises(ClientAuthenticationError, match="could not reach"):
        mode.wait(cred.get_token(SCOPE))
    assert emu.count("token") == 0
    mode.close(cred)
