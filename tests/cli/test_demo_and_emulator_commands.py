"""``azauth demo`` and ``azauth emulator``: run for real, on loopback."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import requests

from azauth.cli.main import main


def test_demo_walks_through_the_configuration_but_never_prints_the_token(tmp_path: Path) -> None:
    out = io.StringIO()
    assert main(["demo", "--dir", str(tmp_path)], out=out) == 0
    text = out.getvalue()
    config = tmp_path / "auth.yaml"
    assert config.is_file() and f"# {config}\n" in text
    assert f"$ azauth validate {config}\n" in text and f"{config}: valid (1 note)\n" in text
    assert f"$ azauth explain {config}\n" in text and "\nready\n" in text
    assert f"$ azauth token {config} --scope https://vault.azure.net/.default\n" in text
    # which credential answered: the chain's second member, for the CLI and both credentials
    assert text.count("ClientSecretCredential (in ChainedTokenCredential)") == 3
    assert "sync: ClientSecretCredential" in text and "async, 50 concurrent calls: ClientSecretCredential" in text
    assert text.count("expires_on:") == 2
    assert '"aud": "https://vault.azure.net"' in text
    assert "Token requests the emulator received for the two credentials: 2" in text
    assert not re.search(r"eyJ[\w-]+\.[\w-]+\.[\w-]+", text), "a JWT was printed"
    assert "emu~" not in text, "the emulated secret was printed"


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
