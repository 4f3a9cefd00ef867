"""The offline cache of one workspace: the last known posts and when they were last synced.

One SQLite file per workspace (``StoreDirs.cache_path``). Posts are stored as JSON (see
``post_codec``), one row each, upserted in one transaction per batch. The cache can always be
rebuilt from the server, so a damaged file is set aside and started afresh with a notice, and
``synchronous=NORMAL`` (WAL) is enough: a power cut may lose the last sync, never the file.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from itertools import accumulate
from pathlib import Path

import msgspec

from postretry_gui.domain import Post
from postretry_gui.store.errors import StoreUnavailable
from postretry_gui.store.files import set_aside
from postretry_gui.store.paths import StoreDirs
from postretry_gui.store.post_codec import (
    VERSION_PREFIX,
    PostDecodeError,
    post_from_json,
    posts_from_json_array,
    posts_to_json_bytes,
)
from postretry_gui.store.sqlite_files import (
    SQLITE_COMPANIONS,
    Schema,
    StoreFile,
    open_store_file,
)

WHAT = "offline cache"
_LAST_SYNC = "last_synced_at"
# One statement per batch. The rows are a JSON array of [post_id, sort key, start, length]
# and the bodies one UTF-8 blob that start and length slice (1-based, in bytes); SQLite turns
# each slice into TEXT, the column's type, and the "Z" of a UTC time into "+00:00".
# executemany bound every row from Python and took the GIL back after each row's step, a
# hundred times a batch while the GUI loads the list.
# An upsert updates a cached post in place: INSERT OR REPLACE (delete, then insert) measured
# slower on the syncs after the first, when most posts are already cached. "WHERE true" tells
# SQLite's parser that ON CONFLICT belongs to the upsert, not to a join. JSON functions are
# built into SQLite since 3.38; where they are missing the write fails as StoreUnavailable and
# the workspace goes on without its cache.
_UPSERT = """
INSERT INTO posts (post_id, updated_at, body)
SELECT json_extract(r.value, '$[0]'), replace(json_extract(r.value, '$[1]'), 'Z', '+00:00'),
    CAST(substr(:bodies, json_extract(r.value, '$[2]'), json_extract(r.value, '$[3]')) AS TEXT)
FROM json_each(CAST(:rows AS TEXT)) AS r
WHERE true
ORDER BY r.key
ON CONFLICT (post_id) DO UPDATE SET updated_at = excluded.updated_at, body = excluded.body
"""
_ROWS_ENCODER = msgspec.json.Encoder()


def _create_schema(connection: sqlite3.Connection) -> None:
    connection.execute(
        "CREATE TABLE posts (post_id TEXT PRIMARY KEY, updated_at TEXT, body TEXT NOT NULL)"
    )
    connection.execute("CREATE TABLE sync_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)")


def _sort_key(when: datetime | None) -> str | None:
    # Aware times in UTC so that the text sorts in time order whatever offset the server used
    # (isoformat's "+00:00" rather than "Z": "12:00:00+" sorts before "12:00:00.5").
    if when is None:
        return None
    return (when.astimezone(UTC) if when.tzinfo is not None else when).isoformat()


def _sort_key_or_time(when: datetime | None) -> str | datetime | None:
    """What _UPSERT makes the sort key of: times in UTC (most servers answer in UTC) and naive
    ones as they are, which msgspec writes as isoformat would, "Z" aside, in C; others as
    ``_sort_key``."""
    if when is None or when.tzinfo is None or when.tzinfo is UTC:
        return when
    return _sort_key(when)


def _configure(connection: sqlite3.Connection) -> None:
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = NORMAL")


# Version 1 still: no change to the cache's tables has been worth a step. (An index in load
# order was measured: it halved the upsert's speed to spare a few percent of a load.)
CACHE_SCHEMA = Schema(what=WHAT, create=_create_schema, configure=_configure)


class PostCache(StoreFile):
    """Thread-safe; every method may be called from the event loop thread (they are quick).

    ``notice`` is a sentence for the UI when the file had to be set aside (at open or later).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._connection, self.notice = open_store_file(path, CACHE_SCHEMA)

    @classmethod
    def for_workspace(cls, dirs: StoreDirs, workspace_id: str) -> PostCache:
        return cls(dirs.cache_path(workspace_id))

    def _rebuild(self, exc: sqlite3.DatabaseError) -> None:
        """The file broke while in use: set it aside and start a fresh one (lock held)."""
        # By code, not by words: SQLite's "malformed JSON" (the upsert's rows) says nothing
        # about the file, unlike "database disk image is malformed".
        if (
            isinstance(exc, sqlite3.OperationalError)
            and exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_CORRUPT
        ):
            raise StoreUnavailable(f"The {WHAT} {self.path} failed: {exc}.") from exc
        self._connection.close()
        aside = set_aside(self.path, "corrupt", companions=SQLITE_COMPANIONS)
        self._connection, _ = open_store_file(self.path, CACHE_SCHEMA)
        self.notice = (
            f"The {WHAT} was damaged; it was set aside as {aside.name} and a new one was "
            "started. Posts will be fetched again from the server."
        )

    def load(self) -> list[Post]:
        """Every cached post, most recently updated first. Rows that cannot be read back are
        dropped (and counted in ``notice``), never raised."""
        with self._lock:
            try:
                # One JSON array for all rows: a single decode is several times faster than
                # one call per row. Only the row ids are sorted (sorting the bodies took three
                # times as long), and the CROSS JOIN walks them in that order, which
                # group_concat follows. As a BLOB the array reaches msgspec as UTF-8 bytes,
                # with no str built and encoded again. Every body written by this version or
                # an older one begins with VERSION_PREFIX; any other goes to the hand-written
                # reader, which decides.
                data, foreign = self._connection.execute(
                    "SELECT CAST('[' || coalesce(group_concat(p.body, ','), '') || ']' AS BLOB), "
                    "coalesce(sum(substr(p.body, 1, length(:prefix)) <> :prefix), 0) "
                    "FROM (SELECT rowid AS id FROM posts ORDER BY updated_at DESC, post_id) AS o "
                    "CROSS JOIN posts AS p ON p.rowid = o.id",
                    {"prefix": VERSION_PREFIX},
                ).fetchone()
            except sqlite3.DatabaseError as exc:
                self._rebuild(exc)
                return []
            try:
                return posts_from_json_array(data, versions_checked=not foreign)
            except PostDecodeError:
                return self._load_row_by_row()

    def _load_row_by_row(self) -> list[Post]:
        """The slow path, when some row is bad: keep the good ones, drop the rest (lock held)."""
        try:
            rows = self._connection.execute(
                "SELECT post_id, body FROM posts ORDER BY updated_at DESC, post_id"
            ).fetchall()
        except sqlite3.DatabaseError as exc:
            self._rebuild(exc)
            return []
        posts: list[Post] = []
        bad: list[str] = []
        for post_id, body in rows:
            try:
                posts.append(post_from_json(body))
            except PostDecodeError:
                bad.append(post_id)
        if bad:
            self._connection.executemany("DELETE FROM posts WHERE post_id = ?", [(p,) for p in bad])
            self.notice = (
                f"{len(bad)} cached post(s) could not be read back and were dropped; they "
                "will be fetched again at the next sync."
            )
        return posts

    def upsert(self, posts: Iterable[Post], *, synced_at: datetime | None = None) -> int:
        """Insert or replace ``posts`` in one transaction; returns how many were written.

        ``synced_at`` (when given) is recorded as the last sync time in the same transaction,
        so the next ``updated_after`` can never skip posts that were not saved. Pass the time
        the sync *started*: a post changed during the sync is then fetched again next time.
        """
        batch = list(posts)
        bodies = posts_to_json_bytes(batch)
        sizes = [len(body) for body in bodies]
        rows = [
            (post.post_id, _sort_key_or_time(post.updated_at), start, size)
            for post, start, size in zip(batch, accumulate(sizes, initial=1), sizes, strict=False)
        ]
        parameters = {"rows": _ROWS_ENCODER.encode(rows), "bodies": b"".join(bodies)}

        def statements(connection: sqlite3.Connection) -> None:
            connection.execute(_UPSERT, parameters)
            if synced_at is not None:
                self._set_state(_LAST_SYNC, synced_at.isoformat())

        with self._lock:
            return len(rows) if self._write(statements) else 0

    def _set_state(self, key: str, value: str) -> None:
        self._connection.execute(
            "INSERT INTO sync_state (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def _write(self, statements: Callable[[sqlite3.Connection], object]) -> bool:
        """Run ``statements`` in one transaction (lock held by the caller). False when the
        file turned out damaged: it was set aside and rebuilt, and the write is lost."""
        try:
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                statements(self._connection)
                self._connection.execute("COMMIT")
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise
        except sqlite3.DatabaseError as exc:
            self._rebuild(exc)
            return False
        return True

    def last_synced_at(self) -> datetime | None:
        """When the last complete sync started, for the next ``updated_after``; None before
        the first."""
        with self._lock:
            try:
                row = self._connection.execute(
                    "SELECT value FROM sync_state WHERE key = ?", (_LAST_SYNC,)
                ).fetchone()
            except sqlite3.DatabaseError as exc:
                self._rebuild(exc)
                return None
        if row is None:
            return None
        try:
            return datetime.fromisoformat(row[0])
        except (TypeError, ValueError):
            return None

    def set_last_synced_at(self, synced_at: datetime | None) -> None:
        """Record (or, with None, forget: forces a full sync) the last sync time."""

        def statements(connection: sqlite3.Connection) -> None:
            if synced_at is None:
                connection.execute("DELETE FROM sync_state WHERE key = ?", (_LAST_SYNC,))
            else:
                self._set_state(_LAST_SYNC, synced_at.isoformat())

        with self._lock:
            self._write(statements)

    def clear(self) -> None:
        """Forget every post and the sync time (the next sync is a full one)."""

        def statements(connection: sqlite3.Connection) -> None:
            connection.execute("DELETE FROM posts")
            connection.execute("DELETE FROM sync_state")

        with self._lock:
            self._write(statements)
