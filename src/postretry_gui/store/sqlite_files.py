"""Open one of the store's SQLite files: create it, migrate it, refuse it, or set it aside.

A file is ours when its ``application_id`` says so. Its ``user_version`` is the version of its
schema, and each kind of file (``Schema``) knows its history as steps, one per version:

- a file from an older version is migrated in place, one step per transaction, every row
  kept (a crash between two steps leaves a file at a version that the next start continues);
- a file from a newer version is refused (``NewerStoreFile``) and left as it was, byte for
  byte: it is only inspected, read-only, before anything may write to it;
- a file that is not ours, or damaged (garbage bytes, a truncated file), is renamed with a
  timestamp and replaced by a fresh one, and the caller gets a notice to show.

A file that cannot be opened at all (permissions, disk) is not corruption: that raises
``StoreUnavailable`` and nothing is moved.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

from postretry_gui.store.errors import NewerStoreFile, StoreUnavailable
from postretry_gui.store.files import set_aside

# "PRTY" in ASCII: marks the file as postretry-gui's.
APPLICATION_ID = 0x50525459
# The version of every store file's first schema; no version ever wrote 0 beside our id.
FIRST_VERSION = 1

SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")

Statements = Callable[[sqlite3.Connection], None]


@dataclass(frozen=True, slots=True)
class Schema:
    """One kind of store file and the history of its schema.

    ``create`` builds the newest schema in an empty file; ``steps[n]`` takes a file from
    version ``FIRST_VERSION + n`` to the next one (inside a transaction the caller owns; the
    version itself is set by the caller). ``configure`` sets pragmas (journal mode,
    synchronous) on every connection, migrations included.
    """

    what: str
    create: Statements
    configure: Statements
    steps: tuple[Statements, ...] = ()

    @property
    def version(self) -> int:
        return FIRST_VERSION + len(self.steps)


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


def _is_damage(exc: sqlite3.Error) -> bool:
    """By SQLite's code, not its words: "not a database" and "disk image is malformed"."""
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    return code in (sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT)


def _read_only(path: Path) -> sqlite3.Connection:
    """A connection that cannot change the file or leave anything beside it.

    Without a write-ahead log beside the file, ``immutable`` reads the file alone: SQLite
    then creates no ``-wal`` or ``-shm`` and takes no lock (plain ``mode=ro`` creates both and
    leaves them). With a log (another instance has the file open, or a crash left one) the
    file alone may be stale, so the log is read too, read-only.
    """
    log = path.with_name(path.name + "-wal")
    return open_immutable(path) if not log.exists() else _uri_connect(path, "mode=ro")


def _uri_connect(path: Path, flags: str) -> sqlite3.Connection:
    return sqlite3.connect(
        f"{path.resolve().as_uri()}?{flags}", uri=True, timeout=5.0, check_same_thread=False
    )


def open_immutable(path: Path) -> sqlite3.Connection:
    """Read ``path`` as it lies: SQLite writes nothing to it or beside it (no ``-wal``, no
    ``-shm``), takes no lock and migrates nothing. Only for a file with no log beside it (the
    caller checks ``has_log``): the file alone is then the whole database."""
    return _uri_connect(path, "mode=ro&immutable=1")


def has_log(path: Path) -> bool:
    """A write-ahead log or rollback journal lies beside ``path``: another copy of the app has
    it open, or one stopped without closing it, so the file alone may not be all of it."""
    return any(path.with_name(path.name + c).exists() for c in ("-wal", "-journal"))


def _inspect(path: Path, schema: Schema) -> str | None:
    """None when the file may be opened for writing (new, current, or to migrate); else what is
    wrong with it. Raises ``NewerStoreFile`` for a newer schema, touching nothing."""
    if not path.exists():
        return None
    try:
        connection = _read_only(path)
    except sqlite3.Error as exc:
        raise StoreUnavailable(f"Could not open the {schema.what} {path}: {exc}.") from exc
    try:
        application_id = connection.execute("PRAGMA application_id").fetchone()[0]
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        tables = connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if application_id == 0 and version == 0 and tables == 0:
            return None
        if application_id != APPLICATION_ID:
            return "not a postretry-gui file"
        if version > schema.version:
            raise NewerStoreFile(schema.what, path, version, schema.version)
        if version < FIRST_VERSION:
            return (
                f"from an older version of the app that this one cannot migrate (schema "
                f"{version}, the oldest known is {FIRST_VERSION})"
            )
        rows = connection.execute("PRAGMA quick_check").fetchall()
        return None if [r[0] for r in rows] == ["ok"] else "damaged"
    except sqlite3.Error as exc:
        if not _is_damage(exc):
            raise StoreUnavailable(f"Could not open the {schema.what} {path}: {exc}.") from exc
        return "unreadable"
    finally:
        connection.close()


def open_store_file(path: Path, schema: Schema) -> tuple[sqlite3.Connection, str | None]:
    """Open (or create, or migrate) the file; returns the connection and a notice (None if all
    was well). Raises ``NewerStoreFile`` for a file from a newer version, ``StoreUnavailable``
    when the file cannot be used at all."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreUnavailable(f"Could not create {path.parent}: {exc.strerror or exc}.") from exc
    problem = _inspect(path, schema)
    notice = None
    if problem is not None:
        aside = set_aside(path, "corrupt", companions=SQLITE_COMPANIONS)
        notice = (
            f"The {schema.what} was {problem}; it was set aside as {aside.name} and a new one "
            "was started."
        )
    connection = _open(path)
    try:
        schema.configure(connection)
        _bring_up_to_date(connection, path, schema)
    except BaseException:
        connection.close()
        raise
    return connection, notice


def _versions(connection: sqlite3.Connection) -> tuple[int, int]:
    """The file's schema version and how many tables, indexes... it holds."""
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    objects = connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    return int(version), int(objects)


def _bring_up_to_date(connection: sqlite3.Connection, path: Path, schema: Schema) -> None:
    """Create the schema in an empty file, or migrate an older one a step at a time, each
    step in its own transaction."""
    version, objects = _versions(connection)
    if objects and version == schema.version:
        return
    current = False
    while not current:
        try:
            connection.execute("BEGIN IMMEDIATE")
            try:
                current = _next_step(connection, path, schema)
                connection.execute("COMMIT")
            except BaseException:
                if connection.in_transaction:  # SQLite may have rolled back already
                    connection.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise StoreUnavailable(
                f"Could not update the {schema.what} {path} to schema version "
                f"{schema.version}: {exc}. It was left at its last complete version."
            ) from exc


def _next_step(connection: sqlite3.Connection, path: Path, schema: Schema) -> bool:
    """One transaction's work (the caller holds it); True once the file is current.

    The version is read again under the write lock: two instances starting together on one
    file neither run a step twice nor skip one.
    """
    version, objects = _versions(connection)
    if objects == 0:
        connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        schema.create(connection)
        new_version = schema.version
    elif version > schema.version:  # a newer instance got there first
        raise NewerStoreFile(schema.what, path, version, schema.version)
    elif version == schema.version:
        return True
    else:
        schema.steps[version - FIRST_VERSION](connection)
        new_version = version + 1
    connection.execute(f"PRAGMA user_version = {new_version}")
    return new_version == schema.version


def _open(path: Path) -> sqlite3.Connection:
    try:
        return connect(path)
    except sqlite3.Error as exc:
        raise StoreUnavailable(f"Could not open {path}: {exc}.") from exc
