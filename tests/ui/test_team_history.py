"""Ctrl+H of a team workspace reads the team's journal over the network: the dialog reads it
in the background (the window never waits on PostgreSQL), searches it, exports it, and says so
plainly when the server is away."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from postretry_gui.ui.history_dialog import HistoryDialog

WAIT_MS = 10_000


@dataclass(frozen=True)
class Row:
    intent_id: str
    post_id: str
    account_ids: tuple[str, ...]
    created_at: datetime
    operator: str
    state: str = "settled"
    outcome: str = "published"
    detail: str = ""


class TeamHistory:
    """The team journal's reads, as coroutines (``store.team.TeamJournal`` has them)."""

    def __init__(self, rows: list[Row]) -> None:
        self.rows = rows
        self.away = False
        self.exported_to: Path | None = None

    def _matching(self, search: str | None) -> list[Row]:
        if self.away:
            raise ConnectionError("Lost the team database: server closed the connection")
        return [r for r in self.rows if not search or search in r.operator]

    async def history(
        self, limit: int = 100, offset: int = 0, search: str | None = None
    ) -> list[Row]:
        await asyncio.sleep(0)  # a round trip
        return self._matching(search)[offset : offset + limit]

    async def history_count(self, search: str | None = None) -> int:
        return len(self._matching(search))

    async def export_csv(self, path: Path) -> int:
        self.exported_to = path
        return len(self.rows)


def test_the_team_history_is_read_in_the_background_searched_and_exported(
    qtbot, qloop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    now = datetime(2026, 12, 4, 16, 0, tzinfo=UTC)
    source = TeamHistory(
        [Row("i1", "p1", ("a",), now, "alice"), Row("i2", "p2", ("b",), now, "bob")]
    )
    target = tmp_path / "team.csv"
    dialog = HistoryDialog(source, ask_path=lambda _parent: str(target))
    qtbot.addWidget(dialog)
    assert "Reading the team's history" in dialog.status.text()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 2, timeout=WAIT_MS)
    assert dialog.status.text() == "2 retries."

    dialog.search.setText("bob")
    QTest.keyClick(dialog.search, Qt.Key.Key_Return)  # searches at once
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1, timeout=WAIT_MS)

    dialog.export()
    qtbot.waitUntil(lambda: "Exported 2 retries" in dialog.status.text(), timeout=WAIT_MS)
    assert source.exported_to == target

    source.away = True
    dialog.reload()
    qtbot.waitUntil(lambda: "cannot be read" in dialog.status.text(), timeout=WAIT_MS)
    assert dialog.model.rowCount() == 0
    dialog.reject()
