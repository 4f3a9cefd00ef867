"""Qt objects in reference cycles must be destroyed on the GUI thread, never on the
simulator's or the cache writer's thread (ui/gc_guard.py says what goes wrong otherwise)."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QObject, Qt

from postretry_gui.ui.gc_guard import MainThreadCollector


def _cycle_reporting_where_it_dies(destroyed_in: list[int]) -> None:
    obj = QObject()
    obj.cycle = obj  # type: ignore[attr-defined]  # unreachable only through a cycle
    obj.destroyed.connect(
        lambda *_: destroyed_in.append(threading.get_ident()),
        Qt.ConnectionType.DirectConnection,
    )


def _allocate_on_a_worker_thread() -> list[list[object]]:
    # Enough new, live container objects to cross the youngest generation's threshold many
    # times (freed ones would lower the count again).
    kept: list[list[object]] = []
    worker = threading.Thread(target=lambda: kept.extend([] for _ in range(200_000)))
    worker.start()
    worker.join()
    return kept


@pytest.fixture
def python_collects_automatically() -> Iterator[None]:
    """As in the app before the guard starts (the test session itself keeps it off)."""
    was_enabled = gc.isenabled()
    gc.enable()
    try:
        yield
    finally:
        if not was_enabled:
            gc.disable()


@pytest.mark.usefixtures("python_collects_automatically")
def test_a_cycle_holding_a_qt_object_is_collected_on_the_gui_thread(qapp: object) -> None:
    collector = MainThreadCollector()
    collector.start()
    destroyed_in: list[int] = []
    try:
        _cycle_reporting_where_it_dies(destroyed_in)
        kept = _allocate_on_a_worker_thread()
        assert destroyed_in == []  # the worker's allocations collected nothing
        assert collector.collect_due() >= 0  # the GUI thread's timer tick does
        assert destroyed_in == [threading.get_ident()]
        del kept
    finally:
        collector.stop()


@pytest.mark.usefixtures("python_collects_automatically")
def test_stop_hands_collection_back_to_python(qapp: object) -> None:
    collector = MainThreadCollector()
    collector.start()
    assert not gc.isenabled()
    collector.stop()
    assert gc.isenabled()
