"""The session's posts on their way to the view, held back so it repaints at a steady pace.

Batches arriving within ``FLUSH_INTERVAL_S`` of the last one shown wait for the next flush:
while 200 pages stream in, the view repaints ten times a second instead of 200 times, and a
lone update (a retry turning queued) still shows at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, QTimer

from postretry_gui.domain import Post

# The view shows incoming batches at most this often.
FLUSH_INTERVAL_S = 0.1
# ... and while a full load streams in: each repaint costs ~16 ms whatever arrived, so fewer
# repaints shorten a 200-page load, while each flush grows with the rows it inserts (rows are
# built as pages arrive, DestinationModel.stage, so it stays short). Measured on 100,000
# destinations: 0.1 s gave 13-15 flushes of <=14 ms, 0.15 s 8-9 of <=22 ms and the shortest
# load, 0.25 s 6-7 of up to 49 ms (a visible stall).
LOADING_FLUSH_INTERVAL_S = 0.15


class PostBatches(QObject):
    """Collects posts and hands them to ``show`` as one list per flush."""

    def __init__(self, show: Callable[[list[Post]], None], parent: QObject) -> None:
        super().__init__(parent)
        self._show = show
        self._pending: list[Post] = []
        self._last_flush = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.flush)

    def add(self, posts: Sequence[Post], *, loading: bool) -> None:
        self._pending.extend(posts)
        if self._timer.isActive():
            return
        interval = LOADING_FLUSH_INTERVAL_S if loading else FLUSH_INTERVAL_S
        wait_s = self._last_flush + interval - time.monotonic()
        if wait_s <= 0:
            self.flush()
        else:
            self._timer.start(max(int(wait_s * 1000), 1))

    def flush(self) -> None:
        """Hand every waiting post over now."""
        self._timer.stop()
        self._last_flush = time.monotonic()
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        self._show(pending)
