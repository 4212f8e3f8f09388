"""Scripted faults, concurrency and the request log."""

from __future__ import annotations

import threading
import time

import pytest
import requests
from emulator_helpers import post_token, secret_form

from azauth.emulator import Emulator, FaultSpec, LoggedRequest


def test_status_fault_with_retry_after_then_normal(emu: Emulator) -> None:
    emu.fault("token", status=429, headers={"Retry-After": "7"}, times=2)
    for _ in range(2):
        r = post_token(emu, secret_form(emu))
        assert r.status_code == 429
        assert r.headers["Retry-After"] == "7"
        assert r.json()["error"] == "temporarily_unavailable"
    assert post_token(emu, secret_form(emu)).status_code == 200
    assert emu.count("token") == 3


def test_body_faults_fifo(emu: Emulator) -> None:
    emu.fault("token", status=503, body="upstream down", headers={"Content-Type": "text/plain"})
    emu.fault("token", status=200, body={"unexpected": True})
    emu.fault("token", status=500, body=b"\x00raw")
    r = post_token(emu, secret_form(emu))
    assert (r.status_code, r.text, r.headers["Content-Type"]) == (503, "upstream down", "text/plain")
    r = post_token(emu, secret_form(emu))
    assert (r.status_code, r.json()) == (200, {"unexpected": True})
    r = post_token(emu, secret_form(emu))
    assert (r.status_code, r.content) == (500, b"\x00raw")
    assert "access_token" in post_token(emu, secret_form(emu)).json()


def test_faults_are_per_endpoint(emu: Emulator) -> None:
    emu.fault("openid-configuration", status=500)
    assert post_token(emu, secret_form(emu)).status_code == 200
    r = requests.get(f"{emu.authority}/{emu.tenant_id}/v2.0/.well-known/openid-configuration", verify=emu.ca_path)
    assert r.status_code == 500
    with pytest.raises(ValueError):
        emu.fault("nope")


def test_drop_gives_connection_error(emu: Emulator) -> None:
    emu.fault("token", drop=True)
    with pytest.raises(requests.exceptions.ConnectionError):
        post_token(emu, secret_form(emu))
    assert post_token(emu, secret_form(emu)).status_code == 200
    assert emu.count("token") == 2


def test_delay_keeps_server_responsive(emu: Emulator) -> None:
    emu.fault("token", status=0, delay=0.5)
    results: list[int] = []
    slow = threading.Thread(target=lambda: results.append(post_token(emu, secret_form(emu)).status_code))
    started = time.perf_counter()
    slow.start()
    while emu.count("token") == 0:
        time.sleep(0.005)
    fast = post_token(emu, secret_form(emu))
    assert fast.status_code == 200
    assert results == []  # answered while the first request was still being delayed
    slow.join(5)
    assert results == [200]  # status=0: delayed, then answered normally
    assert time.perf_counter() - started >= 0.5


def test_token_delay_and_delayed_status(emu: Emulator) -> None:
    emu.token_delay = 0.2
    started = time.perf_counter()
    assert post_token(emu, secret_form(emu)).status_code == 200
    assert time.perf_counter() - started >= 0.2
    emu.token_delay = 0.0
    emu.fault("token", status=500, delay=0.2)
    started = time.perf_counter()
    assert post_token(emu, secret_form(emu)).status_code == 500
    assert time.perf_counter() - started >= 0.2


def test_stop_does_not_hang_with_delayed_request_in_flight() -> None:
    emu = Emulator().start()
    emu.fault("token", status=0, delay=30)
    errors: list[BaseException] = []

    def call() -> None:
        try:
            post_token(emu, secret_form(emu))
        except requests.RequestException as ex:
            errors.append(ex)

    t = threading.Thread(target=call, daemon=True)
    t.start()
    while emu.count("token") == 0:
        time.sleep(0.005)
    started = time.perf_counter()
    emu.stop()
    assert time.perf_counter() - started < 3
    t.join(5)
    assert not t.is_alive() and len(errors) == 1


def test_request_log_redaction_and_clear(emu: Emulator) -> None:
    post_token(
        emu,
        secret_form(emu, refresh_token="rt", password="pw", code="c", assertion="a", access_token="at"),
        headers={"Authorization": "Bearer abc", "client-request-id": "cid"},
    )
    (entry,) = emu.requests
    assert isinstance(entry, LoggedRequest)
    assert entry.method == "POST" and entry.path == f"/{emu.tenant_id}/oauth2/v2.0/token"
    for name in ("client_secret", "refresh_token", "password", "code", "assertion", "access_token"):
        assert entry.form[name] == "***"
    assert entry.form["client_id"] == emu.client_id and entry.form["scope"].endswith("/.default")
    assert entry.headers["authorization"] == "***"
    assert entry.headers["client-request-id"] == "cid"
    requests.get(f"{emu.authority}/common/discovery/instance", params={"api-version": "1.1"}, verify=emu.ca_path)
    assert emu.requests[-1].query == {"api-version": "1.1"}
    snapshot = emu.requests
    snapshot.clear()
    assert len(emu.requests) == 2
    emu.clear_requests()
    assert emu.requests == [] and emu.count() == 0


def test_concurrent_requests(emu: Emulator) -> None:
    emu.token_delay = 0.2
    codes: list[int] = []
    lock = threading.Lock()

    def call() -> None:
        code = post_token(emu, secret_form(emu)).status_code
        with lock:
            codes.append(code)

    threads = [threading.Thread(target=call) for _ in range(8)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert codes == [200] * 8
    assert time.perf_counter() - started < 1.5  # served in parallel
    assert emu.count("token") == 8


def test_fault_spec_is_exported() -> None:
    spec = FaultSpec("token", status=503, times=2)
    assert spec.drop is False and spec.delay == 0.0
