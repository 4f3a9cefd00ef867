"""Shared fixtures. Qt runs offscreen; a qasync loop is installed per test that asks for it."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


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

    from postretry_gui.ui.gc_guard import MainThreadCollector

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
