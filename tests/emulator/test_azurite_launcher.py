"""The Azurite launcher against fake ``azurite`` scripts (real subprocesses; no node needed): the argv it
passes, the ports it reads, clear errors when Azurite is missing, exits or stalls, and stop by pid."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from azauth.emulator import Azurite, AzuriteError, Emulator


def _script(tmp_path: Path, body: str) -> str:
    path = tmp_path / "azurite"
    path.write_text(f"#!{sys.executable}\nimport sys, time\n{body}\n")
    path.chmod(0o755)
    return str(path)


LISTEN = """
print(" ".join(sys.argv[1:]), flush=True)
for name, port in (("Blob", 41001), ("Queue", 41002), ("Table", 41003)):
    print(f"Azurite {name} service is successfully listening at https://127.0.0.1:{port}", flush=True)
time.sleep(60)
"""


def test_start_reads_the_ports_and_stop_ends_the_process(emu: Emulator, tmp_path: Path) -> None:
    with Azurite(emu, executable=_script(tmp_path, LISTEN)) as storage:
        pid = storage.pid
        assert storage.ports == {"blob": 41001, "queue": 41002, "table": 41003}
        assert storage.url("table") == "https://127.0.0.1:41003/devstoreaccount1"
        argv = storage.command()
        cert, key = emu.server_certificate_paths()
        for option in ("--oauth basic", "--skipApiVersionCheck", "--disableTelemetry", "--inMemoryPersistence"):
            assert option in " ".join(argv)
        assert argv[argv.index("--cert") + 1] == cert and argv[argv.index("--key") + 1] == key
        assert argv.count("127.0.0.1") == 3 and argv[argv.index("--blobPort") + 1] == "0"
    assert pid is not None and storage.pid is None and storage.ports == {}
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # reaped: stopped by its pid
    with pytest.raises(ValueError, match="unknown or stopped Azurite service 'blob'"):
        storage.url("blob")


def test_missing_launcher_says_how_to_install(emu: Emulator, tmp_path: Path) -> None:
    with pytest.raises(AzuriteError, match=r"was not found; install it with npm"):
        Azurite(emu, executable=str(tmp_path / "nope")).start()


def test_an_early_exit_quotes_azurite_output(emu: Emulator, tmp_path: Path) -> None:
    script = _script(tmp_path, 'print("Exit due to unhandled error: bad option", flush=True)\nsys.exit(1)')
    with pytest.raises(AzuriteError, match=r"Azurite exited before all of its services listened.*bad option"):
        Azurite(emu, executable=script).start()


def test_a_stalled_start_is_bounded_and_stopped(emu: Emulator, tmp_path: Path) -> None:
    pidfile = tmp_path / "pid"
    body = (
        f"open({str(pidfile)!r}, 'w').write(str(__import__('os').getpid()))\n"
        'print("Azurite Blob service is successfully listening at https://127.0.0.1:41001", flush=True)\n'
        "time.sleep(60)"
    )
    with pytest.raises(AzuriteError, match=r"did not listen within 0.5 s .*\(blob did\)"):
        Azurite(emu, executable=_script(tmp_path, body), startup_timeout=0.5).start()
    with pytest.raises(ProcessLookupError):
        os.kill(int(pidfile.read_text()), 0)
