"""``azauth demo`` and ``azauth emulator``: run for real, on loopback."""

from __future__ import annotations

import io
import json
import re

import requests

from azauth.cli.main import main


def test_demo_prints_expiry_and_claims_but_never_the_token() -> None:
    out = io.StringIO()
    assert main(["demo"], out=out) == 0
    text = out.getvalue()
    assert text.count("expires_on:") == 2
    assert '"aud": "https://vault.azure.net"' in text
    assert "Token requests the emulator received: 2" in text
    assert not re.search(r"eyJ[\w-]+\.[\w-]+\.[\w-]+", text), "a JWT was printed"


def test_emulator_command_prints_settings_that_work() -> None:
    out = io.StringIO()
    assert main(["emulator", "--duration", "0", "--format", "json"], out=out) == 0
    settings = json.loads(out.getvalue())
    environment = settings["environment"]
    assert environment["AZURE_AUTHORITY_HOST"] == settings["authority"]
    assert {"AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "REQUESTS_CA_BUNDLE"} <= set(environment)
    # the emulator stopped with the command: its port no longer answers
    try:
        requests.get(settings["authority"], timeout=2, verify=False)
    except requests.ConnectionError:
        pass
    else:
        raise AssertionError("the emulator is still running after the command returned")
