"""What the window can do to its current row, and so which row actions are enabled: a
reconnect only for a row that needs one, "open on the network" only for a row with a link."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QModelIndex
from PySide6.QtGui import QAction

from postretry_gui.domain import Verdict
from postretry_gui.ui.actions import ACTION_SPECS, ActionId
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
    """Enable what applies to ``row``; refresh and tick-all once a session is there, retry
    too unless the session refuses every retry (its tooltip then says why)."""
    actions[ActionId.RECONNECT].setEnabled(needs_reconnect(row, session))
    actions[ActionId.OPEN_LINK].setEnabled(row is not None and bool(row.link))
    for action_id in (ActionId.REFRESH, ActionId.TICK_ALL):
        actions[action_id].setEnabled(session is not None)
    retries_off = session.sync_state.retries_off if session is not None else None
    retry = actions[ActionId.RETRY]
    retry.setEnabled(session is not None and retries_off is None)
    tip = retries_off or ACTION_SPECS[ActionId.RETRY].tip
    retry.setToolTip(tip)
    retry.setStatusTip(tip)
