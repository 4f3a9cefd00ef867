"""Screenshot: what an operator sees on a machine with no keyring when saving a workspace.

Runs offscreen against the embedded simulator with keyring's "fail" backend (no keyring at
all), opens the demo workspace, then adds a workspace: the key check passes, the keyring
refuses, and the keyring dialog opens over the window. The window, the add dialog and the
keyring dialog are composed into one PNG (offscreen has no desktop to grab).

    QT_QPA_PLATFORM=offscreen .venv-3.11/bin/python scripts/screenshot_no_keyring.py \
        docs/screenshots/no-keyring.png
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QApplication, QWidget

DEADLINE_S = 20.0


async def _until(condition: object, what: str) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + DEADLINE_S
    while not condition():  # type: ignore[operator]
        if loop.time() > end:
            raise SystemExit(f"screenshot: timed out waiting for {what}")
        await asyncio.sleep(0.05)


def _centre(child: QWidget, over: QWidget) -> QPoint:
    return QPoint(
        (over.width() - child.width()) // 2, max((over.height() - child.height()) // 2, 40)
    )


async def _shoot(out: Path) -> None:
    import keyring.backends.fail

    from postretry_gui.app_shell import build_shell
    from postretry_gui.sim import DEMO_PE_KEY
    from postretry_gui.store import SecretStore, StoreDirs
    from postretry_gui.store.logs import stop_logging

    with tempfile.TemporaryDirectory(prefix="postretry-shot-") as tmp:
        parts = build_shell(
            StoreDirs.under(Path(tmp)),
            secret_store=SecretStore(keyring.backends.fail.Keyring()),
            background=False,
        )
        shell = parts.shell
        try:
            shell.try_demo()
            await _until(lambda: shell.window is not None, "the demo window")
            window = shell.window
            window.resize(1280, 720)
            await _until(lambda: window.model.post_count() > 0, "the demo posts")
            dialog = shell.add_workspace()
            dialog.name_edit.setText("Client A")
            dialog.base_url_edit.setText(parts.demo.sim.posteverywhere_url)
            dialog.api_key_edit.setText(DEMO_PE_KEY)
            dialog.save()
            await _until(lambda: shell.keyring_dialog is not None, "the keyring dialog")
            box = shell.keyring_dialog
            await asyncio.sleep(0.2)  # let the dialogs lay out before they are grabbed
            picture = window.grab()
            painter = QPainter(picture)
            painter.fillRect(picture.rect(), QColor(0, 0, 0, 70))  # the window under a modal
            dialog_at = QPoint((window.width() - dialog.width()) // 2, 70)
            painter.drawPixmap(dialog_at, dialog.grab())
            painter.fillRect(
                dialog_at.x(), dialog_at.y(), dialog.width(), dialog.height(), QColor(0, 0, 0, 50)
            )
            box_at = QPoint(
                (window.width() - box.width()) // 2, dialog_at.y() + dialog.height() - 40
            )
            painter.drawPixmap(box_at, box.grab())
            painter.end()
            out.parent.mkdir(parents=True, exist_ok=True)
            if not picture.save(str(out)):
                raise SystemExit(f"screenshot: could not write {out}")
            print(f"wrote {out} ({picture.width()}x{picture.height()})")
        finally:
            shell.close_dialogs()
            await shell.aclose()
            parts.demo.stop()
            stop_logging()


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots/no-keyring.png")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    QApplication.setQuitOnLastWindowClosed(False)  # the shell ends the work, not Qt
    import qasync  # type: ignore[import-untyped]  # after PySide6, so it binds to it

    del app
    qasync.run(_shoot(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
