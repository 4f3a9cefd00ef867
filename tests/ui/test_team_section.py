"""The workspace dialog's "Team database" section: a workspace saved with it keeps the URL and
operator in the settings file and the password in the keyring; a bad URL is refused with the
store's reason, and the connection check speaks the store's sentences."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from workspaces_testkit import WAIT_MS, shell_env

from postretry_gui.sim import DEMO_PE_KEY
from postretry_gui.store.team import TeamServerUnreachable
from postretry_gui.ui.workspace_dialog import WorkspaceDialog

TEAM_URL = "postgresql://alice@db.example.com/postretry?sslmode=verify-full"
PASSWORD = "team-pass-0001"


def _dialog(env: object) -> WorkspaceDialog:
    dialog = env.shell.dialog  # type: ignore[attr-defined]
    assert isinstance(dialog, WorkspaceDialog)
    return dialog


def test_a_workspace_saved_with_a_team_database_keeps_its_password_in_the_keyring(
    tmp_path: Path, qtbot, qloop: asyncio.AbstractEventLoop
) -> None:
    with shell_env(tmp_path, qtbot, qloop) as env:
        env.shell.start()
        QTest.keyClick(env.shell.welcome.add_button, Qt.Key.Key_Space)
        dialog = _dialog(env)
        section = dialog.team_section
        assert not section.isChecked()
        QTest.keyClicks(dialog.name_edit, "Client A")
        dialog.base_url_edit.setText(env.sim.posteverywhere_url)
        QTest.keyClicks(dialog.api_key_edit, DEMO_PE_KEY)
        section.setChecked(True)
        section.url_edit.setText("postgresql://alice:secret@db/x")
        QTest.keyClick(dialog.api_key_edit, Qt.Key.Key_Return)
        assert "must not contain the password" in dialog.result_label.text()
        assert "secret" not in dialog.result_label.text()

        section.url_edit.setText(TEAM_URL)
        section.password_edit.setText(PASSWORD)
        section.operator_edit.setText("Alice")
        QTest.keyClick(dialog.api_key_edit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: env.shell.window is not None, timeout=WAIT_MS)

        saved = env.shell.book.workspaces()
        assert saved[0].team is not None
        assert (saved[0].team.url, saved[0].team.operator) == (TEAM_URL, "Alice")
        settings = (env.dirs.config_dir / "workspaces.json").read_text()
        assert PASSWORD not in settings
        assert json.loads(settings)["workspaces"][0]["team"]["url"] == TEAM_URL
        entry = ("postretry-gui", f"{saved[0].workspace_id}:team_db_password")
        assert entry in env.backend.entries()


def test_the_connection_check_shows_the_store_s_sentence(
    tmp_path: Path, qtbot, qloop: asyncio.AbstractEventLoop
) -> None:
    async def unreachable(settings: object, password: str | None) -> str:
        raise TeamServerUnreachable("Could not reach the team database at db:5432: refused.")

    async def reachable(settings: object, password: str | None) -> str:
        return "Connected: PostgreSQL 15.4, team schema version 1, operator Alice."

    with shell_env(tmp_path, qtbot, qloop) as env:
        env.shell.start()
        QTest.keyClick(env.shell.welcome.add_button, Qt.Key.Key_Space)
        section = _dialog(env).team_section
        section.setChecked(True)
        section.url_edit.setText(TEAM_URL)
        for checker, says in ((unreachable, "Could not reach"), (reachable, "Connected")):
            section.checker = checker
            QTest.mouseClick(section.check_button, Qt.MouseButton.LeftButton)
            qtbot.waitUntil(lambda says=says: says in section.result_label.text(), timeout=WAIT_MS)
