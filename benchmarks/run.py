"""azauth and azure-identity measured side by side, in the same run, against the loopback emulator (and, for
AzureCliCredential, the same fake `az` script on PATH).

    .venv/bin/python benchmarks/run.py [--quick]

Prints one table: each figure for azure-identity and azauth, and the ratio (azure-identity / azauth for
times and requests: above 1 means azauth is better). Needs the dev extra (azure-identity).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import azure.identity
import azure.identity.aio

import azauth
import azauth.aio
from azauth.emulator import Emulator

SCOPE = "https://vault.azure.net/.default"


@dataclass
class Row:
    name: str
    reference: float
    ours: float
    unit: str
    target: str = ""

    @property
    def ratio(self) -> float:
        return self.reference / self.ours if self.ours else float("inf")


def libraries(emu: Emulator) -> dict[str, tuple[Any, Any, dict[str, Any]]]:
    common = {"authority": emu.authority, "connection_verify": emu.ca_path}
    return {
        "azure-identity": (azure.identity, azure.identity.aio, {**common, "disable_instance_discovery": True}),
        "azauth": (azauth, azauth.aio, common),
    }


def libraries_for_tools() -> dict[str, tuple[Any, Any, dict[str, Any]]]:
    return {"azure-identity": (azure.identity, azure.identity.aio, {}), "azauth": (azauth, azauth.aio, {})}


def per_call(call: Callable[[], Any], seconds: float) -> float:
    """Median microseconds per call over several timed batches (garbage collection off, as timeit does)."""
    batch = 200
    samples = []
    gc.collect()
    gc.disable()
    try:
        warm_until = time.perf_counter() + seconds / 4  # warm-up, not measured
        while time.perf_counter() < warm_until:
            call()
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline or len(samples) < 5:
            started = time.perf_counter()
            for _ in range(batch):
                call()
            samples.append((time.perf_counter() - started) / batch * 1e6)
    finally:
        gc.enable()
    return statistics.median(samples)


async def aper_call(call: Callable[[], Coroutine[Any, Any, Any]], seconds: float) -> float:
    batch = 200
    samples = []
    gc.collect()
    gc.disable()
    try:
        warm_until = time.perf_counter() + seconds / 4  # warm-up, not measured
        while time.perf_counter() < warm_until:
            await call()
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline or len(samples) < 5:
            started = time.perf_counter()
            for _ in range(batch):
                await call()
            samples.append((time.perf_counter() - started) / batch * 1e6)
    finally:
        gc.enable()
    return statistics.median(samples)


def cycling(cred: Any, scopes: list[str], tenants: list[str | None]) -> Callable[[], Any]:
    """A call that walks the cached (scope, tenant) pairs: the same harness for 1 and for 1,000 entries."""
    pairs = [(s, t) for s in scopes for t in tenants]
    index = [0]

    def call() -> Any:
        index[0] = (index[0] + 1) % len(pairs)
        scope, tenant = pairs[index[0]]
        return cred.get_token(scope, tenant_id=tenant)

    return call


def cached_sync(emu: Emulator, sync: Any, kw: dict[str, Any], seconds: float) -> float:
    cred = sync.ClientSecretCredential(emu.tenant_id, emu.client_id, emu.client_secret, **kw)
    cred.get_token(SCOPE)
    return per_call(cycling(cred, [SCOPE], [None]), seconds)


def cached_async(emu: Emulator, aio: Any, kw: dict[str, Any], seconds: float) -> float:
    async def main() -> float:
        async with aio.ClientSecretCredential(emu.tenant_id, emu.client_id, emu.client_secret, **kw) as cred:
            await cred.get_token(SCOPE)
            return await aper_call(lambda: cred.get_token(SCOPE), seconds)

    return asyncio.run(main())


def many_scopes(emu: Emulator, sync: Any, kw: dict[str, Any], count: int, seconds: float) -> tuple[float, float]:
    """Per-call time cycling over ``count`` cached scopes, and the memory those entries hold (bytes each)."""
    scopes = [f"api://bench-{i}/.default" for i in range(count)]
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    cred = sync.ClientSecretCredential(emu.tenant_id, emu.client_id, emu.client_secret, **kw)
    for scope in scopes:
        cred.get_token(scope)
    gc.collect()
    held = (tracemalloc.get_traced_memory()[0] - before) / count
    tracemalloc.stop()
    return per_call(cycling(cred, scopes, [None]), seconds), held


def many_tenants(
    emu: Emulator, sync: Any, kw: dict[str, Any], tenants: list[str], client: str, seconds: float
) -> float:
    cred = sync.ClientSecretCredential(emu.tenant_id, client, "bench-secret", additionally_allowed_tenants=["*"], **kw)
    for tenant in tenants:
        cred.get_token(SCOPE, tenant_id=tenant)
    return per_call(cycling(cred, [SCOPE], list(tenants)), seconds)


def concurrent_async(emu: Emulator, aio: Any, kw: dict[str, Any], count: int) -> int:
    emu.clear_requests()

    async def main() -> None:
        async with aio.ClientSecretCredential(emu.tenant_id, emu.client_id, emu.client_secret, **kw) as cred:
            await asyncio.gather(*(cred.get_token(SCOPE) for _ in range(count)))

    asyncio.run(main())
    return emu.count("token")


def in_threads(cred: Any, count: int) -> None:
    """``count`` threads calling ``cred.get_token`` at the same moment (behind a barrier)."""
    barrier = threading.Barrier(count)

    def one(_: int) -> None:
        barrier.wait()
        cred.get_token(SCOPE)

    with ThreadPoolExecutor(count) as pool:
        list(pool.map(one, range(count)))


def concurrent_threads(emu: Emulator, sync: Any, kw: dict[str, Any], count: int) -> int:
    emu.clear_requests()
    in_threads(sync.ClientSecretCredential(emu.tenant_id, emu.client_id, emu.client_secret, **kw), count)
    return emu.count("token")


def cold_first(emu: Emulator, sync: Any, kw: dict[str, Any]) -> tuple[float, int]:
    emu.clear_requests()
    cred = sync.ClientSecretCredential(emu.tenant_id, emu.client_id, emu.client_secret, **kw)
    started = time.perf_counter()
    cred.get_token(SCOPE)
    return (time.perf_counter() - started) * 1000, len(emu.requests)


class Environment:
    """``os.environ`` replaced for a measurement (azure-identity's credentials read it), then restored."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.saved: dict[str, str] = {}

    def __enter__(self) -> None:
        import os

        self.saved = dict(os.environ)
        for name in list(os.environ):
            if name.startswith(("AZURE_", "IDENTITY_", "MSI_", "AZAUTH_")) or name == "IMDS_ENDPOINT":
                del os.environ[name]
        os.environ.update(self.values)

    def __exit__(self, *args: Any) -> None:
        import os

        os.environ.clear()
        os.environ.update(self.saved)


def blackhole() -> tuple[Any, Any, str]:
    """A loopback address where connections hang (a listener whose one-place accept queue is full), as toward
    an IMDS address where nothing answers; returns the two sockets to close and the URL."""
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    filler = socket.create_connection(listener.getsockname())
    return listener, filler, f"http://127.0.0.1:{listener.getsockname()[1]}"


def nothing_configured(name: str, sync: Any, imds: str, runs: int) -> tuple[float, float]:
    """DefaultAzureCredential with nothing configured (no variables, no tools on PATH, IMDS at ``imds``, a
    loopback port): milliseconds until the first get_token raises, and until a second one does (medians).

    azure-identity reads IMDS's address from a module constant; it is pointed at the same loopback port (setting
    AZURE_POD_IDENTITY_AUTHORITY_HOST would switch its probe off), so both probe the same closed port."""
    import tempfile

    import azure.identity._credentials.imds as reference_imds
    from azure.core.exceptions import ClientAuthenticationError

    firsts, seconds = [], []
    logging.disable(logging.WARNING)  # both libraries warn with the whole chain's failure on every call
    with tempfile.TemporaryDirectory() as empty, Environment({"PATH": empty, "HOME": empty}):
        saved, reference_imds.IMDS_AUTHORITY = reference_imds.IMDS_AUTHORITY, imds
        try:
            for attempt in range(runs + 1):
                if name == "azauth":
                    cred = sync.DefaultAzureCredential(
                        environ={"PATH": empty, "HOME": empty, "AZURE_POD_IDENTITY_AUTHORITY_HOST": imds}
                    )
                else:
                    cred = sync.DefaultAzureCredential()
                times = []
                for _ in range(2):
                    started = time.perf_counter()
                    with contextlib.suppress(ClientAuthenticationError):
                        cred.get_token(SCOPE)
                    times.append((time.perf_counter() - started) * 1000)
                cred.close()
                if attempt:  # the first round pays for imports
                    firsts.append(times[0])
                    seconds.append(times[1])
        finally:
            reference_imds.IMDS_AUTHORITY = saved
            logging.disable(logging.NOTSET)
    return statistics.median(firsts), statistics.median(seconds)


def cached_default(
    emu: Emulator, name: str, sync: Any, aio: Any, kw: dict[str, Any], seconds: float
) -> dict[str, float]:
    """Cached get_token through DefaultAzureCredential (EnvironmentCredential answering), sync and async, and
    from a ClientSecretCredential directly (the member's own hit path)."""
    variables = {
        "AZURE_TENANT_ID": emu.tenant_id,
        "AZURE_CLIENT_ID": emu.client_id,
        "AZURE_CLIENT_SECRET": emu.client_secret,
        "AZURE_AUTHORITY_HOST": emu.authority,
    }
    options = {"connection_verify": emu.ca_path}
    if name == "azure-identity":
        options["disable_instance_discovery"] = True
    with Environment(variables):
        cred = sync.DefaultAzureCredential(**options)
        cred.get_token(SCOPE)
        result = {"default_sync": per_call(lambda: cred.get_token(SCOPE), seconds)}
        cred.close()

        async def main() -> float:
            async with aio.DefaultAzureCredential(**options) as acred:
                await acred.get_token(SCOPE)
                return await aper_call(lambda: acred.get_token(SCOPE), seconds)

        result["default_async"] = asyncio.run(main())
    member = sync.ClientSecretCredential(emu.tenant_id, emu.client_id, emu.client_secret, **kw)
    member.get_token(SCOPE)
    result["member_sync"] = per_call(lambda: member.get_token(SCOPE), seconds)  # the same harness, directly

    async def direct() -> float:
        async with aio.ClientSecretCredential(emu.tenant_id, emu.client_id, emu.client_secret, **kw) as acred:
            await acred.get_token(SCOPE)
            return await aper_call(lambda: acred.get_token(SCOPE), seconds)

    result["member_async"] = asyncio.run(direct())
    return result


FAKE_AZ = """#!/bin/sh
echo run >> "$0.log"
sleep {delay}
printf '{{"accessToken": "bench-cli-token", "tokenType": "Bearer", "expires_on": {expires_on}}}\\n'
"""


@contextmanager
def fake_az() -> Iterator[Callable[[float], int]]:
    """A fake ``az`` (a two-line shell script: as cheap as a process gets) first on ``PATH``; the callable sets
    its delay and returns how many times it has run since the last call."""
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "az")
        log = path + ".log"
        previous = os.environ.get("PATH", "")
        os.environ["PATH"] = directory + os.pathsep + previous

        def configure(delay: float) -> int:
            with open(path, "w", encoding="utf-8") as f:
                f.write(FAKE_AZ.format(delay=delay, expires_on=int(time.time()) + 3600))
            os.chmod(path, 0o755)
            runs = 0
            if os.path.exists(log):
                with open(log, encoding="utf-8") as f:
                    runs = len(f.readlines())
                os.remove(log)
            return runs

        configure(0)
        try:
            yield configure
        finally:
            os.environ["PATH"] = previous


def cli_per_call(sync: Any, calls: int, seconds: float, configure: Callable[[float], int]) -> tuple[float, float]:
    """Microseconds per warm ``AzureCliCredential.get_token`` and processes started per call."""
    cred = sync.AzureCliCredential()
    cred.get_token(SCOPE)
    configure(0)
    if sync is azure.identity:  # a process per call: time a few calls, not thousands
        started = time.perf_counter()
        for _ in range(calls):
            cred.get_token(SCOPE)
        elapsed = (time.perf_counter() - started) / calls * 1e6
        return elapsed, configure(0) / calls
    elapsed = per_call(lambda: cred.get_token(SCOPE), seconds)
    return elapsed, float(configure(0))


def cli_threads(sync: Any, count: int, configure: Callable[[float], int]) -> int:
    """Processes started by ``count`` threads asking a cold AzureCliCredential at once (az takes 0.2 s)."""
    configure(0.2)
    in_threads(sync.AzureCliCredential(), count)
    return configure(0)


def import_time(statement: str, runs: int) -> float:
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    samples = [
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
        for _ in range(runs)
    ]
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="shorter timings and fewer scopes/tenants")
    args = parser.parse_args()
    seconds = 0.5 if args.quick else 2.0
    count = 200 if args.quick else 1000
    rows: list[Row] = []
    results: dict[str, dict[str, float]] = {}

    with Emulator() as emu:
        tenants = [emu.add_tenant() for _ in range(count)]
        client = emu.add_app(secrets=["bench-secret"], multi_tenant=True)
        for name, (sync, aio, kw) in libraries(emu).items():
            r = results.setdefault(name, {})
            r["sync"] = cached_sync(emu, sync, kw, seconds)
            r["async"] = cached_async(emu, aio, kw, seconds)
            r["scopes"], r["bytes"] = many_scopes(emu, sync, kw, count, seconds)
            r["tenants"] = many_tenants(emu, sync, kw, tenants, client, seconds)
            emu.token_delay = 0.2
            r["tasks"] = concurrent_async(emu, aio, kw, 200)
            r["threads"] = concurrent_threads(emu, sync, kw, 32)
            emu.token_delay = 0.0
            r["cold_ms"], r["cold_requests"] = cold_first(emu, sync, kw)
            runs = 3 if args.quick else 7
            r["nothing_first"], r["nothing_second"] = nothing_configured(name, sync, emu.mi.refused_endpoint, runs)
            listener, filler, dropped = blackhole()
            r["dropped_first"], r["dropped_second"] = nothing_configured(name, sync, dropped, 2)
            filler.close()
            listener.close()
            r.update(cached_default(emu, name, sync, aio, kw, seconds))
            print(f"measured {name}", file=sys.stderr)

    with fake_az() as configure:
        calls = 10 if args.quick else 30
        for name, (sync, _aio, _kw) in libraries_for_tools().items():
            r = results[name]
            r["cli_us"], r["cli_processes"] = cli_per_call(sync, calls, seconds, configure)
            r["cli_threads"] = cli_threads(sync, 32, configure)
            print(f"measured {name} AzureCliCredential", file=sys.stderr)

    runs = 3 if args.quick else 7
    ref_import = import_time("import azure.identity; import azure.identity.aio", runs)
    our_import = import_time("import azauth; import azauth.aio", runs)
    ref_first = import_time("import azure.identity; azure.identity.ClientSecretCredential('t', 'c', 's')", runs)
    our_first = import_time("import azauth; azauth.ClientSecretCredential('t', 'c', 's')", runs)

    ref, ours = results["azure-identity"], results["azauth"]
    rows += [
        Row("cached get_token, sync, 1 scope", ref["sync"], ours["sync"], "us/call", ">= 8x"),
        Row("cached get_token, async, 1 scope", ref["async"], ours["async"], "us/call", ">= 4x"),
        Row(
            f"cached get_token, sync, {count} scopes",
            ref["scopes"],
            ours["scopes"],
            "us/call",
            f"azauth within 1.2x of 1 scope ({ours['scopes'] / ours['sync']:.2f}x)",
        ),
        Row(
            f"cached get_token, sync, {count} tenants",
            ref["tenants"],
            ours["tenants"],
            "us/call",
            f"azauth within 1.2x of 1 scope ({ours['tenants'] / ours['sync']:.2f}x)",
        ),
        Row("memory per cached token", ref["bytes"], ours["bytes"], "bytes"),
        Row("200 concurrent cold async calls", ref["tasks"], ours["tasks"], "requests", "azauth = 1"),
        Row("32 concurrent cold threads", ref["threads"], ours["threads"], "requests", "azauth = 1"),
        Row("cold first token", ref["cold_requests"], ours["cold_requests"], "requests", "azauth = 1"),
        Row("cold first token", ref["cold_ms"], ours["cold_ms"], "ms"),
        Row(
            "DefaultAzureCredential, IMDS port closed: raise",
            ref["nothing_first"],
            ours["nothing_first"],
            "ms",
            "azauth <= 500 ms",
        ),
        Row(
            "DefaultAzureCredential, IMDS port closed: 2nd raise",
            ref["nothing_second"],
            ours["nothing_second"],
            "ms",
        ),
        Row(
            "DefaultAzureCredential, IMDS dropping connections: raise",
            ref["dropped_first"],
            ours["dropped_first"],
            "ms",
            "azauth <= 500 ms",
        ),
        Row(
            "DefaultAzureCredential, IMDS dropping connections: 2nd",
            ref["dropped_second"],
            ours["dropped_second"],
            "ms",
        ),
        Row(
            "cached get_token via DefaultAzureCredential, sync",
            ref["default_sync"],
            ours["default_sync"],
            "us/call",
            f"azauth within 1.2x of the member directly ({ours['default_sync'] / ours['member_sync']:.2f}x)",
        ),
        Row(
            "cached get_token via DefaultAzureCredential, async",
            ref["default_async"],
            ours["default_async"],
            "us/call",
            f"azauth within 1.2x of the member directly ({ours['default_async'] / ours['member_async']:.2f}x)",
        ),
        Row("AzureCliCredential warm get_token (same fake az)", ref["cli_us"], ours["cli_us"], "us/call"),
        Row(
            "AzureCliCredential processes per warm get_token",
            ref["cli_processes"],
            ours["cli_processes"],
            "procs",
            "azauth = 0",
        ),
        Row("AzureCliCredential, 32 cold threads", ref["cli_threads"], ours["cli_threads"], "procs", "azauth = 1"),
        Row("import (sync + aio)", ref_import, our_import, "ms", "<= 1/3 (ratio >= 3)"),
        Row("import + construct a credential", ref_first, our_first, "ms"),
    ]
    width = max(len(r.name) for r in rows)
    print(f"{'measure':<{width}}  {'azure-identity':>14}  {'azauth':>10}  {'ratio':>7}  unit      target")
    for r in rows:
        print(f"{r.name:<{width}}  {r.reference:>14.2f}  {r.ours:>10.2f}  {r.ratio:>6.1f}x  {r.unit:<8}  {r.target}")


if __name__ == "__main__":
    main()
