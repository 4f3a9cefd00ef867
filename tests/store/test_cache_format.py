"""The cache's JSON format across versions: what this version writes reads back equal (by
this version and by the previous one's reader), rows written by the previous version still
load, and the fast paths stay fast."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from datetime import UTC, datetime, timedelta, timezone, tzinfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from postretry_gui.domain import Destination, Post, PostStatus, Status
from postretry_gui.store import PostCache, StoreDirs, StoreUnavailable
from postretry_gui.store import cache as cache_module
from postretry_gui.store.post_codec import (
    post_from_dict,
    post_from_json,
    posts_from_json_array,
    posts_to_json_bytes,
)

KATHMANDU = timezone(timedelta(hours=5, minutes=45))
NEWFOUNDLAND = timezone(timedelta(hours=-3, minutes=-30))
# fromisoformat reads "+05:30:15"; RFC 3339 (and msgspec) cannot write it.
SECONDS_OFFSET = timezone(timedelta(hours=5, minutes=30, seconds=15))
T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)

# Written by the previous version's encoder (post_to_dict + json.dumps): defaults left out,
# "+00:00" rather than "Z", post-level nulls kept.
OLD_ROWS = {
    "pe-1042": (
        '{"v":1,"post_id":"pe-1042","status":"partially_failed","content":"Launch day — ünïcødé'
        ' ✓ 🚀\\n\\"quoted\\"","created_at":"2026-05-01T11:00:00+00:00","updated_at":'
        '"2026-05-01T12:05:00-03:30","scheduled_for":null,"destinations":[{"account_id":"2285",'
        '"platform":"linkedin","status":"failed","account_name":"ACME Ltd","error":"Token expired.'
        ' Please reconnect.","error_code":"190","attempts":2},{"account_id":"2286","platform":"x",'
        '"status":"published","account_name":"@acme","platform_post_id":"99","platform_post_url":'
        '"https://x.com/acme/status/99","published_at":"2026-05-01T12:03:04.500000+00:00"},'
        '{"account_id":"2287","platform":"instagram","status":"queued","next_retry_at":'
        '"2026-05-01T13:00:00+05:45"}]}'
    ),
    "ayr-7": (
        '{"v":1,"post_id":"ayr-7","status":"draft","content":"","created_at":null,'
        '"updated_at":null,"scheduled_for":null,"destinations":[{"account_id":"tiktok",'
        '"platform":"tiktok","status":"unknown"}]}'
    ),
}
OLD_POSTS = {
    "pe-1042": Post(
        "pe-1042",
        (
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
                published_at=datetime(2026, 5, 1, 12, 3, 4, 500000, tzinfo=UTC),
            ),
            Destination(
                "2287",
                "instagram",
                Status.QUEUED,
                next_retry_at=datetime(2026, 5, 1, 13, 0, tzinfo=KATHMANDU),
            ),
        ),
        PostStatus.PARTIALLY_FAILED,
        'Launch day — ünïcødé ✓ 🚀\n"quoted"',
        created_at=datetime(2026, 5, 1, 11, 0, tzinfo=UTC),
        updated_at=datetime(2026, 5, 1, 12, 5, tzinfo=NEWFOUNDLAND),
    ),
    "ayr-7": Post("ayr-7", (Destination("tiktok", "tiktok", Status.UNKNOWN),), PostStatus.DRAFT),
}

# The previous version's load query, word for word: a cache written now must open there.
PREVIOUS_LOAD = (
    "SELECT '[' || coalesce(group_concat(body, ','), '') || ']' FROM "
    "(SELECT body FROM posts ORDER BY updated_at DESC, post_id)"
)


class FixedZone(tzinfo):
    """A zone that is not datetime.timezone (as zoneinfo's are not), with a fixed offset."""

    def __init__(self, minutes: int) -> None:
        self._offset = timedelta(minutes=minutes)

    def utcoffset(self, dt: datetime | None) -> timedelta:
        return self._offset

    def dst(self, dt: datetime | None) -> timedelta:
        return timedelta(0)

    def tzname(self, dt: datetime | None) -> str:
        return "FIXED"


def awkward_posts() -> list[Post]:
    """Every status of both kinds, unicode and emoji, empty and None fields, odd offsets."""
    destinations = tuple(
        Destination(
            account_id=f"acct-{n}",
            platform=["linkedin", "x", "инстаграм", "", "tiktok"][n],
            status=status,
            account_name=["", "Café ☕", "👩‍💻 team", '"quoted" \\ back', "\u0000\u001f"][n],
            error=[None, "", "Token expired 🔒", "line\nbreak", None][n],
            error_code=[None, "190", "", None, "E\u2028"][n],
            attempts=[0, 1, 7, 2**40, 0][n],
            platform_post_id=[None, "99", None, "", "x"][n],
            platform_post_url=[None, "https://x.com/a/status/99?q=ü", None, None, ""][n],
            published_at=[
                None,
                T0,
                T0.replace(microsecond=1),
                datetime(2026, 5, 1, 12, 0, 0, 999999, tzinfo=KATHMANDU),
                None,
            ][n],
            next_retry_at=[T0 + timedelta(hours=1), None, None, None, T0.astimezone(NEWFOUNDLAND)][
                n
            ],
        )
        for n, status in enumerate(Status)
    )
    posts = [
        Post(
            f"post-{status.value}",
            destinations,
            status,
            content=f"{status.value} — ünïcødé ✓ 🚀 \U0001f9d1\u200d\U0001f680 \t\"'<>&",
            created_at=T0 - timedelta(days=1),
            updated_at=T0 + timedelta(minutes=n),
            scheduled_for=None if n % 2 else T0.astimezone(KATHMANDU),
        )
        for n, status in enumerate(PostStatus)
    ]
    posts.append(Post("bare", ()))
    posts.append(Post("naive-times", (), created_at=datetime(2026, 1, 2, 3, 4, 5)))
    posts.append(
        Post(
            "zone-with-rules",
            (Destination("a", "x", Status.QUEUED, next_retry_at=T0.astimezone(FixedZone(-90))),),
            updated_at=T0.astimezone(FixedZone(330)),
        )
    )
    posts.append(Post("seconds-offset", (), updated_at=T0.astimezone(SECONDS_OFFSET)))
    posts.append(Post("lone-surrogate", (), content="half an emoji: \ud83d"))
    return posts


def open_cache(dirs: StoreDirs) -> PostCache:
    return PostCache.for_workspace(dirs, "ws1")


def insert_old_rows(dirs: StoreDirs, rows: dict[str, tuple[str | None, str]]) -> None:
    """Rows as the previous version left them: (sort key, body) per post id."""
    open_cache(dirs).close()
    with sqlite3.connect(dirs.cache_path("ws1")) as connection:
        connection.executemany(
            "INSERT INTO posts (post_id, updated_at, body) VALUES (?, ?, ?)",
            [(post_id, key, body) for post_id, (key, body) in rows.items()],
        )
    connection.close()


def cached_rows(dirs: StoreDirs) -> int:
    """How many posts the file holds, read past the cache."""
    with contextlib.closing(sqlite3.connect(dirs.cache_path("ws1"))) as connection:
        return int(connection.execute("SELECT count(*) FROM posts").fetchone()[0])


def same_times(a: Post, b: Post) -> bool:
    """Equal posts whose times also keep their offsets (== on aware times ignores them)."""

    def offsets(post: Post) -> list[timedelta | None]:
        times = [post.created_at, post.updated_at, post.scheduled_for]
        for d in post.destinations:
            times += [d.published_at, d.next_retry_at]
        return [None if t is None else t.utcoffset() for t in times]

    return a == b and offsets(a) == offsets(b)


def test_awkward_posts_round_trip_through_the_cache(dirs: StoreDirs) -> None:
    posts = awkward_posts()
    with open_cache(dirs) as cache:
        assert cache.upsert(posts[:3]) == 3
        assert cache.upsert(posts[3:]) == len(posts) - 3
    with open_cache(dirs) as cache:
        loaded = {p.post_id: p for p in cache.load()}
        assert cache.notice is None
    assert len(loaded) == len(posts)
    for post in posts:
        assert same_times(loaded[post.post_id], post), post.post_id


def test_rows_written_by_the_previous_version_still_load(dirs: StoreDirs) -> None:
    insert_old_rows(
        dirs,
        {
            "pe-1042": ("2026-05-01T15:35:00+00:00", OLD_ROWS["pe-1042"]),
            "ayr-7": (None, OLD_ROWS["ayr-7"]),
        },
    )
    with open_cache(dirs) as cache:
        loaded = cache.load()
        assert cache.notice is None
    assert loaded == [OLD_POSTS["pe-1042"], OLD_POSTS["ayr-7"]]
    assert same_times(loaded[0], OLD_POSTS["pe-1042"])


def test_a_cache_written_now_opens_in_the_previous_version(dirs: StoreDirs) -> None:
    posts = awkward_posts()
    with open_cache(dirs) as cache:
        cache.upsert(posts)
    with sqlite3.connect(dirs.cache_path("ws1")) as connection:
        (text,) = connection.execute(PREVIOUS_LOAD).fetchone()
        types = {t for (t,) in connection.execute("SELECT DISTINCT typeof(body) FROM posts")}
    connection.close()
    assert types == {"text"}
    # post_from_dict is the previous version's reader, unchanged.
    read_back = {p.post_id: p for p in (post_from_dict(raw) for raw in json.loads(text))}
    for post in posts:
        assert same_times(read_back[post.post_id], post), post.post_id


def test_both_readers_take_what_the_encoder_writes() -> None:
    posts = awkward_posts()
    bodies = posts_to_json_bytes(posts)
    assert [post_from_json(body) for body in bodies] == posts
    assert posts_from_json_array(b"[" + b",".join(bodies) + b"]") == posts


def test_the_format_keeps_its_key_names() -> None:
    """The encoder writes the dataclasses' fields by name: renaming one would change the format
    that older versions read, so a change here must be deliberate (and CODEC_VERSION bumped)."""
    (body,) = posts_to_json_bytes([awkward_posts()[0]])
    raw = json.loads(body)
    assert next(iter(raw)) == "v"
    assert set(raw) == {
        "v",
        "post_id",
        "destinations",
        "status",
        "content",
        "created_at",
        "updated_at",
        "scheduled_for",
    }
    assert set(raw["destinations"][0]) == {
        "account_id",
        "platform",
        "status",
        "account_name",
        "error",
        "error_code",
        "attempts",
        "platform_post_id",
        "platform_post_url",
        "published_at",
        "next_retry_at",
    }


def test_posts_load_newest_first_whatever_the_offset(dirs: StoreDirs) -> None:
    """Sort keys are UTC, so the order is by instant, across old rows and new, and within a
    second."""
    when = {
        "a": T0.astimezone(KATHMANDU),  # 12:00:00 UTC
        "b": (T0 + timedelta(milliseconds=500)).astimezone(NEWFOUNDLAND),  # 12:00:00.5
        "c": T0 + timedelta(minutes=59),  # 12:59
        "d": (T0 + timedelta(hours=1)).astimezone(FixedZone(-600)),  # 13:00
        "e": T0.astimezone(SECONDS_OFFSET) + timedelta(seconds=1),  # 12:00:01
    }
    insert_old_rows(
        dirs,
        {"old": ("2026-05-01T12:30:00+00:00", OLD_ROWS["ayr-7"].replace("ayr-7", "old"))},
    )
    with open_cache(dirs) as cache:
        cache.upsert([Post(post_id, (), updated_at=at) for post_id, at in when.items()])
        order = [p.post_id for p in cache.load()]
    assert order == ["d", "c", "old", "e", "b", "a"]


@pytest.mark.parametrize(
    ("when", "key"),
    [
        (T0, "2026-05-01T12:00:00+00:00"),
        (T0.replace(microsecond=500000), "2026-05-01T12:00:00.500000+00:00"),
        (T0.replace(microsecond=1).astimezone(KATHMANDU), "2026-05-01T12:00:00.000001+00:00"),
        (T0.astimezone(NEWFOUNDLAND), "2026-05-01T12:00:00+00:00"),
        (T0.astimezone(SECONDS_OFFSET), "2026-05-01T12:00:00+00:00"),
        (T0.astimezone(FixedZone(0)), "2026-05-01T12:00:00+00:00"),
        (datetime(2026, 1, 2, 3, 4, 5), "2026-01-02T03:04:05"),
        (datetime(2026, 1, 2, 3, 4, 5, 60), "2026-01-02T03:04:05.000060"),
        (None, None),
    ],
)
def test_sort_keys_are_the_utc_text_the_previous_version_wrote(
    dirs: StoreDirs, when: datetime | None, key: str | None
) -> None:
    """Old rows and new sort together (and the previous version sorts ours)."""
    with open_cache(dirs) as cache:
        cache.upsert([Post("p", (), updated_at=when)])
    with sqlite3.connect(dirs.cache_path("ws1")) as connection:
        assert connection.execute("SELECT updated_at FROM posts").fetchall() == [(key,)]
    connection.close()


def test_the_last_of_two_versions_in_one_batch_wins(dirs: StoreDirs) -> None:
    older = Post("p", (Destination("a", "x", Status.FAILED),), updated_at=T0)
    newer = older.merged((Destination("a", "x", Status.QUEUED),))
    with open_cache(dirs) as cache:
        assert cache.upsert([older, newer]) == 2
        assert cache.load() == [newer]


def test_an_empty_batch_still_records_the_sync_time(dirs: StoreDirs) -> None:
    with open_cache(dirs) as cache:
        assert cache.upsert([], synced_at=T0) == 0
        assert cache.last_synced_at() == T0
        assert cache.load() == []


def test_a_status_word_from_a_newer_version_reads_as_unknown(dirs: StoreDirs) -> None:
    future = OLD_ROWS["pe-1042"].replace('"queued"', '"paused"')
    insert_old_rows(dirs, {"pe-1042": ("2026-05-01T15:35:00+00:00", future)})
    with open_cache(dirs) as cache:
        (post,) = cache.load()
        assert cache.notice is None
    assert post.destination("2287") == Destination(
        "2287", "instagram", Status.UNKNOWN, next_retry_at=datetime(2026, 5, 1, 7, 15, tzinfo=UTC)
    )


@pytest.mark.parametrize(
    "bad_body",
    [
        OLD_ROWS["ayr-7"].replace('{"v":1,', '{"v":2,'),
        OLD_ROWS["ayr-7"].replace('"account_id":"tiktok"', '"account_id":""'),
        OLD_ROWS["ayr-7"].replace('"platform":"tiktok"', '"platform":7'),
        OLD_ROWS["ayr-7"].replace('"post_id":"ayr-7"', '"post_id":""'),
        OLD_ROWS["ayr-7"].replace('"status":"unknown"', '"status":"unknown","attempts":-1'),
        '{"post_id":"ayr-7","destinations":[],"v":1,"v":2}',
    ],
)
def test_rows_from_elsewhere_are_dropped_and_the_rest_load(dirs: StoreDirs, bad_body: str) -> None:
    insert_old_rows(
        dirs,
        {
            "pe-1042": ("2026-05-01T15:35:00+00:00", OLD_ROWS["pe-1042"]),
            "ayr-7": (None, bad_body),
        },
    )
    with open_cache(dirs) as cache:
        assert cache.load() == [OLD_POSTS["pe-1042"]]
        assert cache.notice is not None
        assert "1 cached post" in cache.notice
    assert cached_rows(dirs) == 1


def test_a_write_sqlite_refuses_keeps_the_file(
    dirs: StoreDirs, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite calls bad JSON "malformed", as it does a damaged file: only the latter is set
    aside."""

    class BrokenEncoder:
        def encode(self, rows: object) -> bytes:
            return b"[1,"

    with open_cache(dirs) as cache:
        cache.upsert([OLD_POSTS["ayr-7"]])
        monkeypatch.setattr(cache_module, "_ROWS_ENCODER", BrokenEncoder())
        with pytest.raises(StoreUnavailable, match="malformed JSON"):
            cache.upsert([OLD_POSTS["pe-1042"]], synced_at=T0)
        assert cache.load() == [OLD_POSTS["ayr-7"]]
        assert cache.last_synced_at() is None
        assert cache.notice is None
    assert not [p for p in dirs.cache_path("ws1").parent.iterdir() if ".corrupt-" in p.name]


# -- the same answers from the fast and the hand-written paths, for any post ---------------

# Offsets to the second, some of them to the minute: fromisoformat itself drops the
# microseconds of an offset.
_ZONES = st.one_of(
    st.none(),
    st.just(UTC),
    st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(
        lambda minutes: timezone(timedelta(minutes=minutes))
    ),
    st.integers(min_value=-(24 * 3600 - 1), max_value=24 * 3600 - 1).map(
        lambda seconds: timezone(timedelta(seconds=seconds))
    ),
)
_TIMES = st.one_of(
    st.none(),
    st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1), timezones=_ZONES),
)
_TEXT = st.text(max_size=20)
_DESTINATIONS = st.builds(
    Destination,
    account_id=st.text(min_size=1, max_size=10),
    platform=_TEXT,
    status=st.sampled_from(Status),
    account_name=_TEXT,
    error=st.none() | _TEXT,
    error_code=st.none() | _TEXT,
    attempts=st.integers(min_value=0, max_value=2**62),
    platform_post_id=st.none() | _TEXT,
    platform_post_url=st.none() | _TEXT,
    published_at=_TIMES,
    next_retry_at=_TIMES,
)
_POSTS = st.builds(
    Post,
    post_id=st.text(min_size=1, max_size=10),
    destinations=st.lists(_DESTINATIONS, max_size=4).map(tuple),
    status=st.sampled_from(PostStatus),
    content=st.text(max_size=60),
    created_at=_TIMES,
    updated_at=_TIMES,
    scheduled_for=_TIMES,
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_POSTS, max_size=5))
def test_every_reader_gives_back_what_was_written(posts: list[Post]) -> None:
    bodies = posts_to_json_bytes(posts)
    array = b"[" + b",".join(bodies) + b"]"
    assert posts_from_json_array(array) == posts
    assert posts_from_json_array(array, versions_checked=True) == posts
    for post, body in zip(posts, bodies, strict=True):
        assert same_times(post_from_json(body), post)
