"""Across success and failure paths, with every logger at DEBUG, no secret or token reaches a log record."""

from __future__ import annotations

import logging
import traceback

import pytest
from azure.core.exceptions import ClientAuthenticationError

from azauth.emulator import Emulator, make_certificate
from tests.support import SCOPE, Mode, connect

SECRET = "Sup3r-Secret-Value-9f8e7d"


def test_nothing_secret_is_logged_or_raised(mode: Mode, emu: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    emu.add_secret(emu.client_id, SECRET)
    bundle = make_certificate(password=b"cert-password-xyz")
    emu.add_certificate(emu.client_id, bundle.cert_pem)
    good = mode.module.ClientSecretCredential(emu.tenant_id, emu.client_id, SECRET, logging_enable=True, **connect(emu))
    cert = mode.module.CertificateCredential(
        emu.tenant_id, emu.client_id, certificate_data=bundle.pkcs12, password="cert-password-xyz", **connect(emu)
    )
    bad = mode.module.ClientSecretCredential(emu.tenant_id, emu.client_id, SECRET + "-wrong", **connect(emu))
    chain = mode.module.ChainedTokenCredential(bad, good)
    tokens = [mode.wait(good.get_token(SCOPE)), mode.wait(cert.get_token("https://storage.azure.com/.default"))]
    errors = []
    for failing in (bad, chain):
        with pytest.raises(ClientAuthenticationError) as caught:
            mode.wait(failing.get_token(SCOPE, tenant_id=None))
        errors.append("".join(traceback.format_exception(caught.value)))
    forbidden = [SECRET, "cert-password-xyz", *(t.token for t in tokens)]
    forbidden += [t.token.split(".")[2] for t in tokens]  # not even a token's signature
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert caplog.records, "expected log records at DEBUG"
    for text in forbidden:
        assert text not in logged
        for error in errors:
            assert text not in error
    for credential in (good, cert, chain):
        mode.close(credential)
