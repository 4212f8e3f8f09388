"""CertificateCredential's client assertion matches its azure-identity counterpart in each mode: sync goes
through msal (RS256, ``x5t``), async through azure-identity's own client (PS256, ``x5t#S256``)."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qs

import azure.identity
import azure.identity.aio

from azauth.emulator import Emulator, make_certificate
from tests.support import SCOPE, Mode, connect


def assertion_header(request: Any) -> dict[str, Any]:
    http = request.http_request
    body: Any = getattr(http, "content", None) or getattr(http, "body", None) or getattr(http, "data", None)
    if isinstance(body, (bytes, str)):
        text = body.decode() if isinstance(body, bytes) else body
        form = {k: v[0] for k, v in parse_qs(text).items()}
    else:
        form = dict(body)
    assertion = form["client_assertion"]
    head = (assertion.decode() if isinstance(assertion, bytes) else assertion).split(".")[0]
    return json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))  # type: ignore[no-any-return]


def header_of(mode: Mode, module: Any, emu: Emulator, client_id: str, pem: bytes, **kwargs: Any) -> dict[str, Any]:
    headers: list[dict[str, Any]] = []

    def hook(request: Any) -> None:
        if request.http_request.method == "POST":
            headers.append(assertion_header(request))

    credential = module.CertificateCredential(
        emu.tenant_id, client_id, certificate_data=pem, raw_request_hook=hook, **connect(emu), **kwargs
    )
    mode.wait(credential.get_token(SCOPE))  # the emulator checks the signature with the registered certificate
    mode.close(credential)
    assert len(headers) == 1
    return headers[0]


def test_assertion_header_matches_azure_identity(mode: Mode, emu: Emulator) -> None:
    bundle = make_certificate()
    client_id = emu.add_app(certificates=[bundle.cert_pem])
    reference = azure.identity.aio if mode.is_async else azure.identity
    theirs = header_of(mode, reference, emu, client_id, bundle.pem, disable_instance_discovery=True)
    ours = header_of(mode, mode.module, emu, client_id, bundle.pem)
    assert ours["alg"] == theirs["alg"] == ("PS256" if mode.is_async else "RS256")
    assert sorted(ours) == sorted(theirs)
    thumbprint = "x5t#S256" if mode.is_async else "x5t"
    # the same thumbprint (msal pads its base64url, RFC 7515 and azure-identity's async client do not)
    assert unpad(ours[thumbprint]) == unpad(theirs[thumbprint])


def unpad(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
