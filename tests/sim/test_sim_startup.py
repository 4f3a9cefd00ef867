"""The simulator's garbage-collection policy belongs to its start-up entry points."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from postretry_gui.sim import startup
from postretry_gui.sim.config import SimConfig
from postretry_gui.sim.context import SimContext


@pytest.fixture
def thawed() -> Iterator[None]:
    """Undo a freeze a test causes, so the rest of the run collects as before."""
    yield
    gc.unfreeze()


def test_in_a_host_the_collector_is_left_as_the_host_set_it() -> None:
    frozen_before = gc.get_freeze_count()
    for enabled in (True, False):
        (gc.enable if enabled else gc.disable)()
        try:
            context = startup.build_context(SimConfig(posts=50), owns_process=False)
            assert gc.isenabled() is enabled
        finally:
            gc.enable()
        assert len(context.pe.posts) == 50
    assert gc.get_freeze_count() == frozen_before


@pytest.mark.usefixtures("thawed")
def test_standalone_builds_with_the_collector_paused_then_freezes_what_it_built(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    enabled_while_building: list[bool] = []

    def watched(config: SimConfig) -> SimContext:
        enabled_while_building.append(gc.isenabled())
        return SimContext(config)

    monkeypatch.setattr(startup, "SimContext", watched)
    context = startup.build_context(SimConfig(posts=50), owns_process=True)
    assert enabled_while_building == [False]
    assert gc.isenabled()
    assert gc.get_freeze_count() > 0
    assert len(context.pe.posts) == 50
