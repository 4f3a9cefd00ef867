"""The offline cache: posts round-trip, load fast, and a damaged file never crashes start-up."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from store_testkit import post_json

from postretry_gui.domain import Destination, Post, PostStatus, Status
from postretry_gui.store import NewerStoreFile, PostCache, StoreDirs
from postretry_gui.store.post_codec import post_from_json

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def make_post(n: int, *, updated: datetime | None = None) -> Post:
    return Post(
        post_id=f"post-{n}",
        destinations=(
            Destination(
                "2285",
                "linkedin",
                Status.FAILED,
                "ACME Ltd",
                error="Token expired. Please reconnect.",
                error_code="190",
                attempts=2,
            ),
            Destination(
                "2286",
                "x",
                Status.PUBLISHED,
                "@acme",
                platform_post_id="99",
                platform_post_url="https://x.com/acme/status/99",
                published_at=T0 + timedelta(minutes=n),
            ),
            Destination("2287", "instagram", Status.QUEUED, next_retry_at=T0 + timedelta(hours=1)),
        ),
        status=PostStatus.PARTIALLY_FAILED,
        content=f"Launch day #{n} — ünïcødé ✓",
        created_at=T0,
        updated_at=updated or T0 + timedelta(seconds=n),
        scheduled_for=None,
    )


def open_cache(dirs: StoreDirs) -> PostCache:
    return PostCache.for_workspace(dirs, "ws1")


def test_posts_round_trip_with_every_field(dirs: StoreDirs) -> None:
    posts = [make_post(1), make_post(2)]
    with open_cache(dirs) as cache:
        assert cache.upsert(posts) == 2
    with open_cache(dirs) as cache:
        assert sorted(cache.load(), key=lambda p: p.post_id) == posts
        assert cache.notice is None


def test_upsert_replaces_a_post_and_load_puts_the_newest_first(dirs: StoreDirs) -> None:
    with open_cache(dirs) as cache:
        cache.upsert([make_post(1), make_post(2)])
        newer = make_post(1, updated=T0 + timedelta(days=1))
        cache.upsert([newer.merged((Destination("2285", "linkedin", Status.QUEUED),))])

        loaded = cache.load()

    assert [p.post_id for p in loaded] == ["post-1", "post-2"]
    assert loaded[0].destination("2285") == Destination("2285", "linkedin", Status.QUEUED)
    assert len(loaded) == 2


def test_the_last_sync_time_is_kept_with_the_posts(dirs: StoreDirs) -> None:
    with open_cache(dirs) as cache:
        assert cache.last_synced_at() is None
        cache.upsert([make_post(1)], synced_at=T0)
    with open_cache(dirs) as cache:
        assert cache.last_synced_at() == T0
        cache.clear()
        assert cache.last_synced_at() is None
        assert cache.load() == []


def test_ten_thousand_posts_load_well_under_a_second(dirs: StoreDirs) -> None:
    posts = [make_post(n) for n in range(10_000)]
    with open_cache(dirs) as cache:
        started = time.perf_counter()
        cache.upsert(posts, synced_at=T0)
        upsert_s = time.perf_counter() - started
    started, started_cpu = time.perf_counter(), time.process_time()
    with open_cache(dirs) as cache:
        loaded = cache.load()
    load_s = time.perf_counter() - started
    load_cpu_s = time.process_time() - started_cpu
    print(
        f"10k posts (3 destinations each): upsert {upsert_s:.3f} s, "
        f"open+load {load_s:.3f} s wall, {load_cpu_s:.3f} s CPU"
    )
    assert len(loaded) == 10_000
    assert loaded[-1] == posts[0]
    # CPU time, not wall time: other test suites share this machine's two cores.
    assert load_cpu_s < 1.0


def garbage(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"this is not sqlite at all\x00\xff" * 512)


def truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


def old_schema(path: Path) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA user_version = 0")


def foreign_file(path: Path) -> None:
    path.unlink()
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE notes (text TEXT)")
    connection.close()


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        (garbage, "unreadable"),
        (truncate, "set aside"),
        (old_schema, "older version"),
        (foreign_file, "not a postretry-gui file"),
    ],
)
def test_a_damaged_or_foreign_file_is_set_aside_and_rebuilt(
    dirs: StoreDirs, damage: object, words: str
) -> None:
    path = dirs.cache_path("ws1")
    with open_cache(dirs) as cache:
        cache.upsert([make_post(n) for n in range(300)], synced_at=T0)
    damage(path)  # type: ignore[operator]

    with open_cache(dirs) as cache:
        assert cache.notice is not None
        assert words in cache.notice
        assert cache.load() == []
        assert cache.last_synced_at() is None
        cache.upsert([make_post(1)])
        assert [p.post_id for p in cache.load()] == ["post-1"]
    aside = [p for p in path.parent.iterdir() if ".corrupt-" in p.name]
    assert any(p.name.startswith("cache.sqlite3.corrupt-") for p in aside)
    with open_cache(dirs) as cache:
        assert cache.notice is None


def test_a_newer_schema_is_refused_not_set_aside(dirs: StoreDirs) -> None:
    path = dirs.cache_path("ws1")
    open_cache(dirs).close()
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA user_version = 99")
    with pytest.raises(NewerStoreFile, match="newer version") as refused:
        open_cache(dirs)
    assert (refused.value.found, refused.value.known) == (99, 1)
    assert sorted(p.name for p in path.parent.iterdir()) == ["cache.sqlite3"]


def test_rows_that_cannot_be_read_back_are_dropped_with_a_notice(dirs: StoreDirs) -> None:
    path = dirs.cache_path("ws1")
    with open_cache(dirs) as cache:
        cache.upsert([make_post(1), make_post(2)])
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE posts SET body = '{\"v\": 1' WHERE post_id = 'post-2'")

    with open_cache(dirs) as cache:
        assert [p.post_id for p in cache.load()] == ["post-1"]
        assert cache.notice is not None
        assert "1 cached post" in cache.notice


def test_an_unknown_status_word_reads_as_unknown() -> None:
    text = post_json(make_post(1)).replace('"failed"', '"exploded"')
    post = post_from_json(text)
    assert post.destinations[0].status is Status.UNKNOWN


@pytest.mark.parametrize(
    "text",
    [
        "[]",
        '{"v": 2}',
        '{"v": 1, "post_id": "", "destinations": []}',
        '{"v": 1, "post_id": "p", "destinations": [{"account_id": 5}]}',
        '{"v": 1, "post_id": "p", "destinations": [], "created_at": "yesterday"}',
        '{"v": 1, "post_id": "p", "destinations": [{"account_id": "a", "attempts": true}]}',
        "[" * 100_000,
    ],
)
def test_malformed_cached_posts_raise_a_decode_error(text: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        post_from_json(text)
