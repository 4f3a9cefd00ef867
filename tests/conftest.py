"""Shared fixtures. Qt runs offscreen; a qasync loop is installed per test that asks for it."""

from __future__ import annotations

import asyncio
import gc
import os
import time
from collections.abc import Iterator

import pytest
from hypothesis import settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Local runs draw new examples every time, to find what no one thought of (two Ayrshare
# parsing bugs were found that way); CI draws the same ones, so its verdict is reproducible.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI") == "true":
    settings.load_profile("ci")


_QT_FIXTURES = frozenset({"qapp", "qtbot", "qloop"})
_qt_garbage = False


@pytest.fixture(autouse=True)
def _qt_objects_die_on_the_main_thread(request: pytest.FixtureRequest) -> None:
    """Tests run simulators (uvicorn threads) in this process beside Qt objects. Automatic
    cyclic collection runs in whichever thread crosses its threshold, and a Qt object it
    destroys there (a qasync loop's timers, say) leaves a dangling timer that crashes a later
    event pass (seen: a segfault in pytest-qt's processEvents after the last UI test).

    So from the start of a test that makes Qt objects, automatic collection is off (the qloop
    fixture collects on the GUI thread meanwhile), until the next test starts: by then pytest
    has let go of the last test's fixtures, and one collection here, on the main thread, frees
    them before automatic collection comes back on."""
    global _qt_garbage
    if _qt_garbage:
        gc.collect()
        gc.enable()
        _qt_garbage = False
    if _QT_FIXTURES & set(request.fixturenames):
        gc.disable()
        _qt_garbage = True


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # The real-keyring suite runs inside scripts/with-private-keyring. Elsewhere it skips,
    # except under CI, where skipping it would hide a missing install step.
    if os.environ.get("POSTRETRY_SECRET_SERVICE") == "1":
        return
    if os.environ.get("CI") == "true":
        return
    skip = pytest.mark.skip(reason="no private Secret Service (run through scripts/test)")
    for item in items:
        if "secret_service" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def qloop(qapp: object) -> Iterator[asyncio.AbstractEventLoop]:
    """A qasync loop registered as the running loop, so pytest-qt's waits drive async slots.

    Never ``loop.stop()``: it calls QApplication.exit(), after which every later exec()
    returns at once and all following waits time out (shared/notes/qasync-pytest-qt.md).
    """
    import qasync  # imported after PySide6 (pytest-qt's qapp) so qasync binds to it

    from postretry_gui.gc_policy import MainThreadCollector

    # The simulator runs a thread in this process: collect Qt objects on this thread only.
    collector = MainThreadCollector()
    collector.start()
    loop = qasync.QEventLoop(qapp)
    asyncio.events._set_running_loop(loop)
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in pending:
            task.cancel()
        deadline = time.monotonic() + 2
        while any(not t.done() for t in pending) and time.monotonic() < deadline:
            qapp.processEvents()  # type: ignore[attr-defined]
        asyncio.events._set_running_loop(None)
        asyncio.set_event_loop(None)
        loop.close()
        collector.stop()
