"""Azurite (the Azure Storage emulator, from npm) on loopback HTTPS, trusting the Entra ID emulator's tokens."""

from __future__ import annotations

import os
import queue
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections import deque
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._emulator import Emulator

__all__ = ["Azurite", "AzuriteError"]

ACCOUNT = "devstoreaccount1"
"""Azurite's built-in storage account."""

SERVICES = ("blob", "queue", "table")
_LISTENING = re.compile(r"Azurite (Blob|Queue|Table) service is successfully listening at https://127\.0\.0\.1:(\d+)")


class AzuriteError(RuntimeError):
    """Azurite could not be found or did not start; the message says why and quotes its last output lines."""


class Azurite:
    """Azurite started as a subprocess on 127.0.0.1 (ephemeral ports) with HTTPS and ``--oauth basic``.

    Its TLS certificate is the emulator's loopback server certificate, so ``emulator.ca_path`` trusts it;
    with ``--oauth basic`` Azurite accepts the emulator's v1.0 storage tokens (issuer
    ``https://sts.windows.net/{tenant}/``, audience ``https://storage.azure.com``). Data lives in memory;
    the working directory is a temporary folder removed by :meth:`stop`, which ends the process by its pid.

    :param emulator: the started Entra ID emulator whose CA signs Azurite's certificate.
    :param executable: the ``azurite`` launcher (e.g. ``node_modules/.bin/azurite``); default: ``azurite``
        on ``PATH``.
    :param startup_timeout: seconds to wait for the three services to listen.
    """

    def __init__(self, emulator: Emulator, *, executable: str | None = None, startup_timeout: float = 60.0) -> None:
        self._emulator = emulator
        self._executable = executable
        self._startup_timeout = startup_timeout
        self._process: subprocess.Popen[str] | None = None
        self._workdir: str | None = None
        self._reader: threading.Thread | None = None
        self._output: deque[str] = deque(maxlen=20)
        self.ports: dict[str, int] = {}
        """The listening port of each service: ``blob``, ``queue``, ``table``."""

    def __enter__(self) -> Azurite:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def pid(self) -> int | None:
        """The Azurite process id while it runs."""
        return self._process.pid if self._process is not None else None

    def url(self, service: str) -> str:
        """The account URL of ``service`` (path style): ``https://127.0.0.1:<port>/devstoreaccount1``."""
        if service not in self.ports:
            raise ValueError(f"unknown or stopped Azurite service {service!r}; expected one of {SERVICES}")
        return f"https://127.0.0.1:{self.ports[service]}/{ACCOUNT}"

    def command(self) -> list[str]:
        """The argv that starts Azurite (the executable, then its options)."""
        executable = self._executable or shutil.which("azurite")
        if not executable or not os.path.exists(executable):
            raise AzuriteError(
                f"the Azurite launcher {executable or 'azurite'!r} was not found; install it with npm "
                "(`npm install azurite`) and pass executable='node_modules/.bin/azurite'"
            )
        executable = os.path.abspath(executable)  # Azurite runs in its own temporary folder
        cert, key = self._emulator.server_certificate_paths()
        ports = [arg for service in SERVICES for arg in (f"--{service}Host", "127.0.0.1", f"--{service}Port", "0")]
        return [
            executable,
            *ports,
            *("--cert", cert, "--key", key),
            *("--oauth", "basic", "--skipApiVersionCheck", "--disableTelemetry", "--inMemoryPersistence"),
            "--silent",
        ]

    def start(self) -> Azurite:
        """Start Azurite and wait (at most ``startup_timeout`` seconds) until every service listens."""
        if self._process is not None:
            raise RuntimeError("Azurite already started")
        argv = self.command()
        self._workdir = tempfile.mkdtemp(prefix="azauth-azurite-")
        try:
            self._process = subprocess.Popen(
                argv,
                cwd=self._workdir,  # in-memory data; whatever Azurite writes (its debug log, if asked) lands here
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                errors="replace",
            )
        except OSError as exc:
            self._cleanup()
            raise AzuriteError(f"could not run {argv[0]!r}: {exc}") from None
        lines: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(
            target=self._drain, args=(self._process, lines), daemon=True, name="azurite-output"
        )
        self._reader.start()
        try:
            self._wait_listening(lines)
        except BaseException:
            self.stop()
            raise
        return self

    def _drain(self, process: subprocess.Popen[str], lines: queue.Queue[str | None]) -> None:
        assert process.stdout is not None
        for line in process.stdout:  # read to the end so Azurite never blocks on a full pipe
            self._output.append(line.rstrip())
            lines.put(line)
        lines.put(None)

    def _wait_listening(self, lines: queue.Queue[str | None]) -> None:
        deadline = time.monotonic() + self._startup_timeout
        while len(self.ports) < len(SERVICES):
            try:
                line = lines.get(timeout=max(deadline - time.monotonic(), 0.001))
            except queue.Empty:
                line = ""
            if not line:
                what = "exited" if line is None else f"did not listen within {self._startup_timeout:g} s"
                raise AzuriteError(
                    f"Azurite {what} before all of its services listened ({', '.join(sorted(self.ports)) or 'none'} "
                    "did); last output: " + (" | ".join(self._output) or "(none)")
                )
            found = _LISTENING.search(line)
            if found:
                self.ports[found.group(1).lower()] = int(found.group(2))

    def stop(self) -> None:
        """Stop Azurite by its pid (SIGTERM, then SIGKILL after 5 s) and delete its folder; idempotent."""
        process, self._process = self._process, None
        self.ports = {}
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.join(timeout=5)  # the pipe reaches its end once the process is gone
        if process is not None and process.stdout is not None and (reader is None or not reader.is_alive()):
            process.stdout.close()
        self._cleanup()

    def _cleanup(self) -> None:
        workdir, self._workdir = self._workdir, None
        if workdir:
            shutil.rmtree(workdir, ignore_errors=True)

    def __repr__(self) -> str:
        return f"Azurite(pid={self.pid}, ports={self.ports})"
