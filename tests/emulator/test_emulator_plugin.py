"""The pytest plugin fixtures (registered through the ``pytest11`` entry point)."""

from __future__ import annotations

import pytest
import requests

from azauth.emulator import Emulator
from tests.support import Mode

pytest_plugins = ["pytester"]


def test_function_fixture(entra_emulator: Emulator) -> None:
    r = requests.get(
        f"{entra_emulator.authority}/{entra_emulator.tenant_id}/discovery/v2.0/keys",
        verify=entra_emulator.ca_path,
        timeout=10,
    )
    assert r.status_code == 200


def test_session_fixture(entra_emulator_session: Emulator) -> None:
    assert entra_emulator_session.authority.startswith("https://127.0.0.1:")


def test_fresh_emulators_reuse_the_process_wide_keys() -> None:
    """What keeps a per-test emulator cheap: RSA keys are generated once per process (timings are not
    asserted in tests)."""
    with Emulator() as first, Emulator() as second:
        assert first.authority != second.authority
        assert first.jwks["keys"][0]["n"] == second.jwks["keys"][0]["n"]


def test_plugin_fixture_via_entry_point(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(
        """
        def test_uses_fixture(entra_emulator):
            assert entra_emulator.count() == 0
            assert entra_emulator.environ()["AZURE_TENANT_ID"] == entra_emulator.tenant_id
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_plugin_passes_under_filterwarnings_error(pytester: pytest.Pytester) -> None:
    """Every socket the emulator opens is closed: a suite run with ``filterwarnings = error`` (where pytest turns
    an unclosed socket's ResourceWarning into an error) passes, sync and async, with keep-alive connections that
    the emulator ends when it stops."""
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\nfilterwarnings = error\n")
    pytester.makepyfile(
        """
        import asyncio

        import azauth
        import azauth.aio

        SCOPE = "https://vault.azure.net/.default"

        def options(emu):
            return dict(authority=emu.authority, connection_verify=emu.ca_path)

        def test_sync(entra_emulator):
            emu = entra_emulator
            credential = azauth.ClientSecretCredential(emu.tenant_id, emu.client_id, emu.client_secret, **options(emu))
            with credential:
                assert credential.get_token(SCOPE).token
                assert credential.get_token("https://storage.azure.com/.default").token

        def test_async(entra_emulator):
            emu = entra_emulator

            async def go():
                async with azauth.aio.ClientSecretCredential(
                    emu.tenant_id, emu.client_id, emu.client_secret, **options(emu)
                ) as credential:
                    return await credential.get_token(SCOPE)

            assert asyncio.run(go()).token

        def test_left_open(entra_emulator):
            emu = entra_emulator  # a credential the test never closes: the emulator still closes its side
            credential = azauth.ClientSecretCredential(emu.tenant_id, emu.client_id, emu.client_secret, **options(emu))
            assert credential.get_token(SCOPE).token
            test_left_open.credential = credential
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W", "error")
    result.assert_outcomes(passed=3)


def test_a_credential_given_the_emulator_environ_trusts_its_ca(entra_emulator: Emulator, mode: Mode) -> None:
    """``environ=emu.environ()`` is read for every variable, the CA bundle included (no connection_verify)."""
    credential = mode.module.EnvironmentCredential(environ=entra_emulator.environ())
    try:
        token = mode.wait(credential.get_token("https://vault.azure.net/.default"))
    finally:
        mode.close(credential)
    assert entra_emulator.decode_token(token.token)["tid"] == entra_emulator.tenant_id
    assert entra_emulator.count("token") == 1
