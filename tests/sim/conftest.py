"""Fixtures for the simulator tests: real servers on loopback, httpx clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from sim_helpers import QUIET, pe_client

from postretry_gui.sim import SimConfig, SimServer


@pytest.fixture(scope="module")
def shared_sim() -> Iterator[SimServer]:
    with SimServer(SimConfig(posts=150, **QUIET), port=0) as sim:
        yield sim


@pytest.fixture
def make_sim() -> Iterator[Callable[..., SimServer]]:
    """Start a private simulator with the given knobs (stopped after the test)."""
    started: list[SimServer] = []

    def start(**knobs: Any) -> SimServer:
        sim = SimServer(SimConfig(**{**QUIET, **knobs}), port=0).start()
        started.append(sim)
        return sim

    yield start
    for sim in started:
        sim.stop()


@pytest.fixture
def pe(shared_sim: SimServer) -> Iterator[httpx.Client]:
    with pe_client(shared_sim) as client:
        yield client
