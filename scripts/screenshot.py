"""PNG screenshots of the demo window, offscreen, into docs/screenshots/.

Run: ``.venv-3.11/bin/python scripts/screenshot.py`` (sets QT_QPA_PLATFORM=offscreen).

States: the window on demo data with failures (a few ticked), the retry confirmation,
an empty filter, and the offline banner after the server went away.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import QApplication, QWidget

from postretry_gui.app import Endpoint, make_session
from postretry_gui.app_shell import demo_sim_config
from postretry_gui.sim import DEMO_PE_KEY, SimServer
from postretry_gui.ui.main_window import MainWindow
from postretry_gui.ui.rows import DestinationRow

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


async def until(condition: Callable[[], bool], limit_s: float = 20.0) -> None:
    deadline = time.monotonic() + limit_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not reach the state to capture")
        await asyncio.sleep(0.02)


def settle() -> None:
    for _ in range(5):
        QApplication.processEvents()


def save(widget: QWidget, name: str, overlay: QWidget | None = None) -> None:
    settle()
    picture = widget.grab()
    if overlay is not None:
        # Offscreen, a dialog is its own top-level: draw it where it would appear.
        over = overlay.grab()
        painter = QPainter(picture)
        at = QPoint((picture.width() - over.width()) // 2, (picture.height() - over.height()) // 3)
        # Dim the window behind, as a modal dialog does; frame the dialog (offscreen has no
        # window manager to draw its decorations).
        painter.fillRect(picture.rect(), QColor(0, 0, 0, 40))
        painter.drawPixmap(at, over)
        painter.setPen(QColor("#6B7280"))
        painter.drawRect(at.x() - 1, at.y() - 1, over.width() + 1, over.height() + 1)
        painter.end()
    path = OUT / f"{name}.png"
    picture.save(str(path))
    print(path)


async def capture(sim: SimServer) -> None:
    window = MainWindow(title="demo (simulator)")
    session, close_provider = make_session(
        Endpoint(sim.posteverywhere_url, DEMO_PE_KEY, "demo (simulator)", demo=True), window
    )
    window.attach(session)
    window.resize(1440, 800)
    window.show()
    session.start_load()
    await until(lambda: not session.sync_state.loading and session.sync_state.failures_loaded)
    window.flush_posts()
    model = window.model
    # Tick two retryable destinations so the ticks and the counter show.
    ticked = 0
    for n in range(model.rowCount()):
        index = model.index(n, 0)
        if isinstance(model.row_at(index), DestinationRow) and model.toggle(index):
            ticked += 1
            if ticked == 2:
                break
    window.tree.setCurrentIndex(model.index(1, 0))
    save(window, "01-failures")

    window.ask_retry()
    await until(lambda: window._confirm is not None)
    dialog = window._confirm
    assert dialog is not None
    settle()
    save(window, "02-confirm-retry", overlay=dialog)
    dialog.reject()
    await until(lambda: window._confirm is None)

    window.filter_edit.setText("no post says this")
    window.flush_posts()
    await until(lambda: model.rowCount() == 0)
    save(window, "03-empty-filter")
    window.filter_edit.clear()
    await until(lambda: model.rowCount() > 0)

    sim.stop()
    window.refresh()
    await until(lambda: window.banner.isVisible())
    save(window, "04-offline")

    closed = asyncio.get_running_loop().create_future()
    window.closed.connect(lambda: closed.done() or closed.set_result(None))
    window.close()
    await closed
    await close_provider()


def main() -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    QApplication.setQuitOnLastWindowClosed(False)
    app.setFont(QFont("DejaVu Sans", 9))  # type: ignore[union-attr]
    import qasync  # after PySide6, so qasync binds to it

    OUT.mkdir(parents=True, exist_ok=True)
    sim = SimServer(demo_sim_config(), port=0).start()  # the demo's own data
    try:
        qasync.run(capture(sim))
    finally:
        if sim.running:
            sim.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
