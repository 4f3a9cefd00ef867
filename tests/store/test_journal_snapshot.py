"""A journal the app refused to open (here: written by a newer version), read where it lies:
its history, searchable and exported, with not a byte, an mtime or a file beside it changed."""

from __future__ import annotations

import contextlib
import csv
import os
import sqlite3
from pathlib import Path

import pytest

from postretry_gui.domain import Outcome
from postretry_gui.store import RetryJournal, StoreUnavailable
from postretry_gui.store.journal_schema import JOURNAL_SCHEMA
from postretry_gui.store.journal_snapshot import JournalSnapshot

LONG_AGO_NS = 1_700_000_000_000_000_000


def newer_journal(folder: Path) -> Path:
    path = folder / "journal.sqlite3"
    with RetryJournal(path, operator="newer") as journal:
        first = journal.intend("ws", "post-1", ["acc-1"])
        journal.settle(first.intent_id, Outcome.PUBLISHED)
        journal.intend("ws", "post-2", ["acc-2", "acc-3"])
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute(f"PRAGMA user_version = {JOURNAL_SCHEMA.version + 1}")
    os.utime(path, ns=(LONG_AGO_NS, LONG_AGO_NS))
    return path


def folder_as_it_lies(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


def test_a_newer_versions_journal_is_read_and_exported_without_changing_it(
    tmp_path: Path,
) -> None:
    path = newer_journal(tmp_path / "ws")
    before = folder_as_it_lies(path.parent)
    target = tmp_path / "out.csv"

    with JournalSnapshot(path) as snapshot:
        assert [i.post_id for i in snapshot.history()] == ["post-2", "post-1"]
        assert snapshot.history_count() == 2
        assert [i.outcome for i in snapshot.history(search="post-1")] == [Outcome.PUBLISHED]
        assert snapshot.export_csv(target) == 2
        with pytest.raises(StoreUnavailable):
            snapshot.settle(snapshot.history()[0].intent_id, Outcome.PUBLISHED)
        assert folder_as_it_lies(path.parent) == before

    with target.open(newline="") as handle:
        assert [r["post_id"] for r in csv.DictReader(handle)] == ["post-1", "post-2"]
    assert folder_as_it_lies(path.parent) == before
    with pytest.raises(StoreUnavailable):  # and the app itself still refuses it
        RetryJournal(path)


def test_a_journal_with_a_log_beside_it_is_not_read(tmp_path: Path) -> None:
    path = newer_journal(tmp_path / "ws")
    path.with_name(path.name + "-wal").write_bytes(b"")
    before = folder_as_it_lies(path.parent)

    with pytest.raises(StoreUnavailable, match="Another copy of the app has the retry journal"):
        JournalSnapshot(path)
    assert folder_as_it_lies(path.parent) == before


def test_a_file_that_is_not_a_journal_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute("CREATE TABLE notes (text TEXT)")

    with pytest.raises(StoreUnavailable, match="is not a postretry-gui retry journal"):
        JournalSnapshot(path)
