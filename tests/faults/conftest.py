"""Fixtures of the fault-injection suite: the fault server and a builder for the family under test (the
families themselves are in fault_families.py).

Every family's builder makes a credential of its family whose every request goes to the fault server, and plants
:data:`CANARY` wherever the family holds a secret (client secret, assertion, identity header, access token),
so the tests can assert that no message repeats it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.faults.fault_families import FAMILIES, Family
from tests.faults.fault_server import FaultServer
from tests.support import Mode


@pytest.fixture(params=FAMILIES, ids=repr)
def family(request: pytest.FixtureRequest) -> Family:
    """A credential family (parametrized over all of them, or chosen by indirect parametrization)."""
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def server(family: Family) -> Iterator[FaultServer]:
    with FaultServer(tls=family.tls) as fault_server:
        yield fault_server


@pytest.fixture
def build(mode: Mode, family: Family, server: FaultServer, tmp_path: Path) -> Callable[[], Any]:
    made: list[Any] = []

    def make() -> Any:
        credential = family.build(mode, server, tmp_path)
        made.append(credential)
        return credential

    yield make
    for credential in made:
        mode.close(credential)
