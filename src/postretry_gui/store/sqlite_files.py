"""Open one of the store's SQLite files, and set it aside when it is damaged or foreign.

A file is ours when its ``application_id`` matches and its ``user_version`` is the schema this
code writes. Anything else (garbage bytes, a truncated file, a schema from an older or newer
version) is renamed with a timestamp and replaced by a fresh file, and the caller gets a notice
to show. A file that cannot be opened at all (permissions, disk) is not corruption: that raises
``StoreUnavailable`` and nothing is moved.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Self

from postretry_gui.store.errors import StoreUnavailable
from postretry_gui.store.files import set_aside

# "PRTY" in ASCII: marks the file as postretry-gui's.
APPLICATION_ID = 0x50525459

SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


class StoreFile:
    """What the cache and the journal share: one connection behind a lock (async callers on
    the event loop, a thread in tests), closed by ``close()`` or at the end of a ``with``."""

    _connection: sqlite3.Connection
    _lock: threading.Lock

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self._connection.close()


def connect(path: Path) -> sqlite3.Connection:
    """Autocommit connection (transactions are explicit), shareable across threads behind the
    caller's lock; waits up to 5 s for another process's write lock."""
    return sqlite3.connect(path, timeout=5.0, isolation_level=None, check_same_thread=False)


def _problem(connection: sqlite3.Connection, schema_version: int) -> str | None:
    """None when the file is ours and healthy (or brand new); else what is wrong with it."""
    application_id = connection.execute("PRAGMA application_id").fetchone()[0]
    user_version = connection.execute("PRAGMA user_version").fetchone()[0]
    tables = connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    if application_id == 0 and user_version == 0 and tables == 0:
        return None
    if application_id != APPLICATION_ID:
        return "not a postretry-gui file"
    if user_version != schema_version:
        age = "an older" if user_version < schema_version else "a newer"
        return f"from {age} version of the app (schema {user_version}, expected {schema_version})"
    rows = connection.execute("PRAGMA quick_check").fetchall()
    if [r[0] for r in rows] != ["ok"]:
        return "damaged"
    return None


def open_store_file(
    path: Path,
    *,
    what: str,
    schema_version: int,
    create_schema: Callable[[sqlite3.Connection], None],
    configure: Callable[[sqlite3.Connection], None],
) -> tuple[sqlite3.Connection, str | None]:
    """Open (or create) the file; returns the connection and a notice (None if all was well).

    ``configure`` sets pragmas (journal mode, synchronous) on every connection;
    ``create_schema`` builds the tables in a new file and must set ``user_version``.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreUnavailable(f"Could not create {path.parent}: {exc.strerror or exc}.") from exc
    problem: str | None
    connection = _open(path)
    try:
        configure(connection)
        problem = _problem(connection, schema_version)
    except sqlite3.OperationalError as exc:
        connection.close()
        if "not a database" not in str(exc) and "malformed" not in str(exc):
            raise StoreUnavailable(f"Could not open the {what} {path}: {exc}.") from exc
        problem = "unreadable"
    except sqlite3.DatabaseError:
        connection.close()
        problem = "unreadable"
    notice = None
    if problem is not None:
        connection.close()
        aside = set_aside(path, "corrupt", companions=SQLITE_COMPANIONS)
        notice = (
            f"The {what} was {problem}; it was set aside as {aside.name} and a new one was started."
        )
        connection = _open(path)
        configure(connection)
    if connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0:
        connection.execute("BEGIN IMMEDIATE")
        try:
            connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            create_schema(connection)
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
    return connection, notice


def _open(path: Path) -> sqlite3.Connection:
    try:
        return connect(path)
    except sqlite3.Error as exc:
        raise StoreUnavailable(f"Could not open {path}: {exc}.") from exc
