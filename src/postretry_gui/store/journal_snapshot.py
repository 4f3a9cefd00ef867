"""A retry journal this version could not open, read where it lies without changing a byte.

A journal written by a newer version is refused (``NewerStoreFile``) so that this version
never migrates it back or loses what the newer one recorded. Its history is still worth
reading (who retried what, and when), so this opens it with SQLite's ``immutable`` flag:
no write, no lock, no ``-wal`` or ``-shm`` beside it, no migration. The same reader serves
any other journal the app refused to open but whose file SQLite can still read.
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

from postretry_gui.store.errors import StoreUnavailable
from postretry_gui.store.journal import RetryJournal
from postretry_gui.store.journal_schema import WHAT
from postretry_gui.store.sqlite_files import APPLICATION_ID, has_log, open_immutable


class JournalSnapshot(RetryJournal):
    """The history, history count and CSV export of a journal file, read-only.

    Only the reading half of ``RetryJournal`` is meant to be used: its connection cannot
    write, so every writing method fails. Closed by ``close()`` (the history dialog closes it
    with itself), it never held a lock, so an app writing to the file meanwhile is not
    slowed; its reads then see the file as it was (or fail, and the dialog says so).
    """

    def __init__(self, path: Path) -> None:
        # Not RetryJournal's own start, on purpose: that one creates, migrates or sets aside.
        if not path.is_file():
            raise StoreUnavailable(f"There is no {WHAT} file at {path}.")
        if has_log(path):
            raise StoreUnavailable(
                f"Another copy of the app has the {WHAT} {path} open, or one stopped without "
                "closing it (a log lies beside it), so it cannot be read without changing it."
            )
        connection = None
        try:
            connection = open_immutable(path)
            ours = connection.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        except sqlite3.Error as exc:
            if connection is not None:
                connection.close()
            raise StoreUnavailable(f"Could not read the {WHAT} {path}: {exc}.") from exc
        if not ours:
            connection.close()
            raise StoreUnavailable(f"The file {path} is not a postretry-gui {WHAT}.")
        self.path = path
        self.notice = None
        self._operator = ""
        self._clock = lambda: datetime.now(UTC)
        self._lock = threading.Lock()
        self._connection = connection
