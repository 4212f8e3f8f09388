"""The pytest plugin fixtures (registered through the ``pytest11`` entry point)."""

from __future__ import annotations

import pytest
import requests

from azauth.emulator import Emulator

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
