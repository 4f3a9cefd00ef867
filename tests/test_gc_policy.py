"""The start-up's garbage-collection policy. Qt objects in reference cycles must be destroyed
on the GUI thread, never on the simulator's or the cache writer's thread (gc_policy.py says
what goes wrong otherwise); rows the window reports as landed are frozen."""

from __future__ import annotations

import gc
import linecache
import threading
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QObject, Qt

from postretry_gui import gc_policy
from postretry_gui.gc_policy import MainThreadCollector
from postretry_gui.ui import memory_hooks


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


@pytest.mark.usefixtures("python_collects_automatically")
def test_the_policy_freezes_what_the_window_reports_as_landed(qapp: object) -> None:
    owner = QObject()
    collector = gc_policy.install(owner)
    try:
        frozen_before = gc.get_freeze_count()
        rows = [[] for _ in range(1_000)]  # long-lived container objects, as the rows are
        memory_hooks.rows_landed()
        assert gc.get_freeze_count() >= frozen_before + len(rows)
        assert not gc.isenabled()  # collection stays on the GUI thread's timer
    finally:
        memory_hooks.set_rows_landed_hook(None)
        collector.stop()
        gc.unfreeze()  # back into the collector's reach: later tests start as they would


def test_landed_rows_drop_the_source_lines_read_at_start_up(qapp: object) -> None:
    owner = QObject()
    collector = gc_policy.install(owner)
    try:
        # What PySide6's import hook leaves behind for every module imported after it.
        linecache.getlines(gc_policy.__file__)
        assert gc_policy.__file__ in linecache.cache
        memory_hooks.rows_landed()
        assert gc_policy.__file__ not in linecache.cache
        assert linecache.getlines(gc_policy.__file__)  # a traceback still finds its lines
    finally:
        memory_hooks.set_rows_landed_hook(None)
        collector.stop()
        gc.unfreeze()


def test_without_a_policy_landed_rows_change_nothing() -> None:
    frozen_before = gc.get_freeze_count()
    memory_hooks.rows_landed()
    assert gc.get_freeze_count() == frozen_before
