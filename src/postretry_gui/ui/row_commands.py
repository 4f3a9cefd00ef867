"""What the window can do to its current row, and so which row actions are enabled: a
reconnect only for a row that needs one, "open on the network" only for a row with a link."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QModelIndex
from PySide6.QtGui import QAction

from postretry_gui.domain import Verdict
from postretry_gui.ui.actions import ActionId
from postretry_gui.ui.destination_model import DestinationModel
from postretry_gui.ui.rows import DestinationRow, SessionPort


def destination_at(model: DestinationModel | None, index: QModelIndex) -> DestinationRow | None:
    """The destination row at ``index``; None for a post row or no row."""
    if model is None:
        return None
    row = model.row_at(index)
    return row if isinstance(row, DestinationRow) else None


def needs_reconnect(row: DestinationRow | None, session: SessionPort | None) -> bool:
    return (
        row is not None
        and session is not None
        and row.eligibility(session).verdict is Verdict.RECONNECT_REQUIRED
    )


def update_row_actions(
    actions: Mapping[ActionId, QAction], row: DestinationRow | None, session: SessionPort | None
) -> None:
    """Enable what applies to ``row``; retry, refresh and tick-all once a session is there."""
    actions[ActionId.RECONNECT].setEnabled(needs_reconnect(row, session))
    actions[ActionId.OPEN_LINK].setEnabled(row is not None and bool(row.link))
    for action_id in (ActionId.RETRY, ActionId.REFRESH, ActionId.TICK_ALL):
        actions[action_id].setEnabled(session is not None)
