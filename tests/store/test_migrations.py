"""Store files across versions: files written by the previous release (``fixtures/``, made by
``make_previous_release_files.py`` at 352acab) are migrated in place with every row kept; a
file from a newer version is refused and left untouched; only a foreign or damaged file is
set aside."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from store_testkit import intent_record

from postretry_gui.store import (
    NewerStoreFile,
    PostCache,
    RetryJournal,
    StoreUnavailable,
)
from postretry_gui.store.cache import CACHE_SCHEMA
from postretry_gui.store.journal_schema import JOURNAL_SCHEMA
from postretry_gui.store.post_codec import post_to_dict
from postretry_gui.store.sqlite_files import APPLICATION_ID, Schema, open_store_file

FIXTURES = Path(__file__).with_name("fixtures")
RELEASE = "352acab"


def previous_release_file(kind: str, folder: Path) -> Path:
    """A copy of the previous release's file, as if found in a workspace folder."""
    target = folder / f"{kind}.sqlite3"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(FIXTURES / f"{kind}-{RELEASE}.sqlite3", target)
    return target


def expected(kind: str) -> Any:
    text = (FIXTURES / f"{kind}-{RELEASE}.expected.json").read_text(encoding="utf-8")
    return json.loads(text)


def pragma(path: Path, name: str) -> int:
    with contextlib.closing(sqlite3.connect(path)) as connection:
        return int(connection.execute(f"PRAGMA {name}").fetchone()[0])


def indexes(path: Path) -> set[str]:
    with contextlib.closing(sqlite3.connect(path)) as connection:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
        return {name for (name,) in rows if not name.startswith("sqlite_autoindex")}


# -- the previous release's files, migrated ---------------------------------------------------


def test_the_previous_releases_journal_is_migrated_with_every_intent(tmp_path: Path) -> None:
    path = previous_release_file("journal", tmp_path / "ws")
    assert pragma(path, "user_version") == 1
    assert "intents_by_state" in indexes(path)
    rows = expected("journal")

    with RetryJournal(path, operator="carol") as journal:
        assert journal.notice is None
        assert [intent_record(i) for i in journal.history(limit=1000)][::-1] == rows
        assert journal.history_count() == len(rows)
        assert [i.intent_id for i in journal.unfinished()] == [
            r["intent_id"] for r in rows if r["state"] != "settled"
        ]
        assert journal.retries_sent("pe-1045") == 0  # settled as not sent
        assert journal.retries_sent("ayr-7") == 1  # the answer was lost: may have left
        added = journal.intend("ws-4f1c", "pe-1053", ["2285"])

    assert pragma(path, "user_version") == JOURNAL_SCHEMA.version == 3
    assert pragma(path, "application_id") == APPLICATION_ID
    assert indexes(path) == {"intents_by_post", "intents_unfinished", "intents_by_request"}
    assert [p.name for p in path.parent.iterdir()] == ["journal.sqlite3"]
    with RetryJournal(path) as reopened:
        assert reopened.notice is None
        assert reopened.get(added.intent_id) == added
        assert reopened.history_count() == len(rows) + 1


def test_the_journal_reads_its_unfinished_intents_through_the_new_index(tmp_path: Path) -> None:
    path = previous_release_file("journal", tmp_path / "ws")
    RetryJournal(path).close()
    with contextlib.closing(sqlite3.connect(path)) as connection:
        plan = connection.execute(
            "EXPLAIN QUERY PLAN SELECT * FROM intents WHERE state <> 'settled' ORDER BY seq"
        ).fetchall()
    assert "intents_unfinished" in " ".join(str(step[-1]) for step in plan)
    assert "TEMP B-TREE" not in " ".join(str(step[-1]) for step in plan)  # no sort


def test_the_previous_releases_cache_opens_with_every_post(tmp_path: Path) -> None:
    path = previous_release_file("cache", tmp_path / "ws")
    content = expected("cache")

    with PostCache(path) as cache:
        assert cache.notice is None
        assert [post_to_dict(p) for p in cache.load()] == content["posts"]
        synced = cache.last_synced_at()
        assert synced is not None
        assert synced.isoformat() == content["last_synced_at"]
        assert cache.notice is None

    assert pragma(path, "user_version") == CACHE_SCHEMA.version == 1
    assert [p.name for p in path.parent.iterdir()] == ["cache.sqlite3"]


# -- a file from a newer version: refused, untouched -----------------------------------------


@dataclass(frozen=True)
class Kind:
    name: str
    what: str
    schema: Schema
    opens: Callable[[Path], object]


KINDS = [
    Kind("journal", "retry journal", JOURNAL_SCHEMA, RetryJournal),
    Kind("cache", "offline cache", CACHE_SCHEMA, PostCache),
]


def from_a_newer_version(kind: Kind, folder: Path) -> Path:
    path = previous_release_file(kind.name, folder)
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute(f"PRAGMA user_version = {kind.schema.version + 1}")
    # An mtime in the past, so that any write would show even within the clock's resolution.
    os.utime(path, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    return path


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_a_file_from_a_newer_version_is_refused_and_left_untouched(
    kind: Kind, tmp_path: Path
) -> None:
    path = from_a_newer_version(kind, tmp_path / "ws")
    before = (path.read_bytes(), path.stat().st_mtime_ns)

    with pytest.raises(NewerStoreFile) as refused:
        kind.opens(path)

    error = refused.value
    assert isinstance(error, StoreUnavailable)  # what the opener already reports and survives
    assert (error.found, error.known, error.what) == (
        kind.schema.version + 1,
        kind.schema.version,
        kind.what,
    )
    message = str(error)
    assert kind.what in message
    assert f"version {kind.schema.version + 1}" in message
    assert f"up to {kind.schema.version}" in message
    assert "use the newer version of the app" in message
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no -wal, -shm, nothing aside


# -- only a file that is not ours, or damaged, is set aside ------------------------------------


def foreign(path: Path) -> None:
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute("CREATE TABLE notes (text TEXT)")


def garbage(path: Path) -> None:
    path.write_bytes(b"this is not sqlite at all\x00\xff" * 512)


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
@pytest.mark.parametrize(
    ("make", "words"), [(foreign, "not a postretry-gui file"), (garbage, "unreadable")]
)
def test_a_foreign_or_garbage_file_is_set_aside_and_replaced(
    kind: Kind, make: Callable[[Path], None], words: str, tmp_path: Path
) -> None:
    path = tmp_path / "ws" / f"{kind.name}.sqlite3"
    path.parent.mkdir()
    make(path)
    original = path.read_bytes()

    opened = kind.opens(path)
    assert isinstance(opened, RetryJournal | PostCache)
    with opened:
        assert opened.notice is not None
        assert words in opened.notice
        assert "set aside" in opened.notice

    (aside,) = [p for p in path.parent.iterdir() if ".corrupt-" in p.name]
    assert aside.read_bytes() == original
    assert pragma(path, "user_version") == kind.schema.version


# -- the step machinery ----------------------------------------------------------------------


def _configure(connection: sqlite3.Connection) -> None:
    connection.execute("PRAGMA journal_mode = WAL")


def _create_v1(connection: sqlite3.Connection) -> None:
    connection.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)")


def _add_author(connection: sqlite3.Connection) -> None:
    connection.execute("ALTER TABLE notes ADD COLUMN author TEXT NOT NULL DEFAULT 'someone'")


def _fail(connection: sqlite3.Connection) -> None:
    connection.execute("CREATE TABLE half_done (x)")  # must be rolled back with the step
    connection.execute("INSERT INTO no_such_table VALUES (1)")


V1 = Schema(what="test file", create=_create_v1, configure=_configure)


def write_v1(path: Path) -> None:
    connection, notice = open_store_file(path, V1)
    assert notice is None
    connection.executemany("INSERT INTO notes (text) VALUES (?)", [("a",), ("b",)])
    connection.close()


def test_each_step_runs_once_in_order_and_keeps_the_rows(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite3"
    write_v1(path)
    seen: list[int] = []

    def second(connection: sqlite3.Connection) -> None:
        seen.append(pragma_in(connection))
        connection.execute("UPDATE notes SET text = upper(text)")

    v3 = Schema(what="test file", create=_create_v1, configure=_configure,
                steps=(_add_author, second))  # fmt: skip
    connection, notice = open_store_file(path, v3)
    with contextlib.closing(connection):
        assert notice is None
        rows = connection.execute("SELECT id, text, author FROM notes ORDER BY id").fetchall()
    assert rows == [(1, "A", "someone"), (2, "B", "someone")]
    assert seen == [2]  # the second step saw the first one's version
    assert pragma(path, "user_version") == 3
    open_store_file(path, v3)[0].close()
    assert seen == [2]


def pragma_in(connection: sqlite3.Connection) -> int:
    return int(connection.execute("PRAGMA user_version").fetchone()[0])


def test_a_failed_step_keeps_the_steps_before_it_and_sets_nothing_aside(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite3"
    write_v1(path)
    broken = Schema(what="test file", create=_create_v1, configure=_configure,
                    steps=(_add_author, _fail))  # fmt: skip

    with pytest.raises(StoreUnavailable, match="Could not update the test file") as failed:
        open_store_file(path, broken)

    assert not isinstance(failed.value, NewerStoreFile)
    assert pragma(path, "user_version") == 2  # the first step was committed on its own
    assert [p.name for p in tmp_path.iterdir() if ".corrupt-" in p.name] == []
    with contextlib.closing(sqlite3.connect(path)) as connection:
        assert connection.execute("SELECT text, author FROM notes").fetchall() == [
            ("a", "someone"),
            ("b", "someone"),
        ]
        tables = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        assert {name for (name,) in tables} == {"notes"}


def test_a_journal_at_schema_0_was_never_written_by_a_release_and_is_set_aside(
    tmp_path: Path,
) -> None:
    path = previous_release_file("journal", tmp_path / "ws")
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA user_version = 0")
    with RetryJournal(path) as journal:
        assert journal.notice is not None
        assert "cannot migrate" in journal.notice
        assert journal.history_count() == 0
