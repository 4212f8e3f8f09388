"""docs/troubleshooting.md: every section's message is produced for real and matches the text documented, and
every anchor an error message links to is a section of the guide."""

from __future__ import annotations

import io
import re
import socket
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest
from docs_helpers import DOCS, ROOT, blocks, sections

import azauth
from azauth.cli.main import main
from azauth.emulator import Emulator
from tests.support import SCOPE, connect

GUIDE = DOCS / "troubleshooting.md"


def documented() -> dict[str, str]:
    """The message block of each section."""
    return {block.section: block.text for block in blocks(GUIDE) if block.language == "text"}


def pattern(text: str) -> re.Pattern[str]:
    """A documented message as a pattern: ``<...>`` stands for any text, the rest is literal."""
    parts = re.split(r"<[^<>]+>", text.strip())
    return re.compile(".+?".join(re.escape(part) for part in parts), re.DOTALL)


def error_of(call: Callable[[], object]) -> str:
    try:
        call()
    except Exception as exc:
        return str(exc)
    raise AssertionError("no error was raised")


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def invalid_configuration(emu: Emulator, tmp_path: Path) -> str:
    return error_of(lambda: azauth.credential_from_config({"type": "client_secret", "tenat_id": "x"}))


def environment_variable_is_not_set(emu: Emulator, tmp_path: Path) -> str:
    return error_of(
        lambda: azauth.credential_from_config({"type": "managed_identity", "client_id": "${APP_ID}"}, environ={})
    )


def unknown_azauth_variable(emu: Emulator, tmp_path: Path) -> str:
    environ = {"AZAUTH_PROFILES__APP__TYPE": "managed_identity", "AZAUTH_PROFILE": "app", "AZAUTH_PROFILS__X": "y"}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        azauth.credential_from_config(environ=environ)
    return "\n".join(str(w.message) for w in caught)


def unexpected_keyword_argument(emu: Emulator, tmp_path: Path) -> str:
    return error_of(lambda: azauth.ClientSecretCredential("t", "c", "s", connection_verfy=False))


def secret_credential(emu: Emulator, *, secret: str | None = None, **options: object) -> azauth.ClientSecretCredential:
    settings = {**connect(emu), **options}
    return azauth.ClientSecretCredential(
        str(settings.pop("tenant_id", emu.tenant_id)),
        str(settings.pop("client_id", emu.client_id)),
        secret or emu.client_secret,
        **settings,  # type: ignore[arg-type]
    )


def could_not_reach_microsoft_entra_id(emu: Emulator, tmp_path: Path) -> str:
    credential = secret_credential(emu, authority=f"https://127.0.0.1:{closed_port()}", retry_total=0)
    return error_of(lambda: credential.get_token(SCOPE))


def certificate_verify_failed(emu: Emulator, tmp_path: Path) -> str:
    credential = azauth.ClientSecretCredential(
        emu.tenant_id, emu.client_id, emu.client_secret, authority=emu.authority, environ={}
    )
    return error_of(lambda: credential.get_token(SCOPE))


def invalid_client_secret_aadsts7000215(emu: Emulator, tmp_path: Path) -> str:
    return error_of(lambda: secret_credential(emu, secret="wrong").get_token(SCOPE))


def application_not_found_aadsts700016(emu: Emulator, tmp_path: Path) -> str:
    credential = secret_credential(emu, client_id="00000000-0000-0000-0000-000000000001")
    return error_of(lambda: credential.get_token(SCOPE))


def tenant_not_found_aadsts90002(emu: Emulator, tmp_path: Path) -> str:
    credential = secret_credential(emu, tenant_id="00000000-0000-0000-0000-000000000002")
    return error_of(lambda: credential.get_token(SCOPE))


def tenant_not_allowed(emu: Emulator, tmp_path: Path) -> str:
    return error_of(lambda: secret_credential(emu).get_token(SCOPE, tenant_id="other-tenant"))


def environment_credential_unavailable(emu: Emulator, tmp_path: Path) -> str:
    return error_of(lambda: azauth.EnvironmentCredential(environ={}).get_token(SCOPE))


def chain_failed_to_retrieve_a_token(emu: Emulator, tmp_path: Path) -> str:
    chain = azauth.ChainedTokenCredential(azauth.EnvironmentCredential(environ={}))
    return error_of(lambda: chain.get_token(SCOPE))


def cache_encryption_is_impossible(emu: Emulator, tmp_path: Path) -> str:
    options = azauth.TokenCachePersistenceOptions(name="troubleshooting")
    credential = secret_credential(emu, cache_persistence_options=options, environ={"HOME": str(tmp_path)})
    try:
        credential.get_token(SCOPE)
    except ValueError as exc:
        return str(exc)
    pytest.skip("this system encrypts the cache: the error cannot be produced here")


def command_line_errors(emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["demo", "--scope", "not a scope"], io.StringIO()) == 2
    return capsys.readouterr().err


TRIGGERS: dict[str, Callable[..., str]] = {
    name.replace("_", "-"): function
    for name, function in list(globals().items())
    if callable(function)
    and getattr(function, "__module__", None) == __name__
    and name not in ("documented", "pattern", "error_of", "closed_port", "secret_credential")
}


def test_every_section_has_a_message_and_a_trigger() -> None:
    assert sections(GUIDE) == list(documented()), "one text block (the message) per section"
    assert set(sections(GUIDE)) == set(TRIGGERS)


@pytest.mark.parametrize("section", sections(GUIDE))
def test_the_documented_message_is_the_real_one(
    section: str, emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    trigger = TRIGGERS[section]
    message = trigger(emu, tmp_path, capsys) if section == "command-line-errors" else trigger(emu, tmp_path)
    assert pattern(documented()[section]).search(message), f"{section}: {message!r}"


def test_every_anchor_linked_from_the_code_is_a_section() -> None:
    linked = set()
    for path in (ROOT / "azauth").rglob("*.py"):
        linked.update(re.findall(r"""\bsee\(\s*["']([a-z0-9-]+)["']\s*\)""", path.read_text(encoding="utf-8")))
    assert linked, "no error links to the guide"
    assert linked <= set(sections(GUIDE)), linked - set(sections(GUIDE))
