"""A list page read from its bytes by the typed path (msgspec Structs) is exactly the page the
old path (``json.loads`` + ``parse_page``) reads, for every body the typed path takes; what it
does not vouch for goes the old way whole, so the answer is the same whatever arrives.

The generator knows which of its values the typed path must take and which must send the
page the old way, so these tests also fail if the typed path quietly stops being used.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from postretry_gui.domain.errors import MalformedResponse, ProviderError, ServerError
from postretry_gui.providers.base import Page
from postretry_gui.providers.http import HttpResponse
from postretry_gui.providers.posteverywhere.envelope import read_data, server_time_of
from postretry_gui.providers.posteverywhere.parsing import parse_page
from postretry_gui.providers.posteverywhere.typed import read_page, typed_page
from postretry_gui.sim import DEMO_PE_KEY, SimConfig, SimServer

# -- the two readers --------------------------------------------------------------------------


def old_way(body: bytes, *, status: int = 200, offset: int = 0, limit: int = 100) -> object:
    """The page the old path reads, or the error it raises (with the envelope's server time,
    which both readers take from ``meta``)."""
    try:
        response = HttpResponse(status, {}, body)
        page = parse_page(read_data(response), offset=offset, limit=limit)
        return replace(page, server_time=server_time_of(body))
    except ProviderError as exc:
        return exc


def through_read_page(
    body: bytes, *, status: int = 200, offset: int = 0, limit: int = 100
) -> object:
    try:
        return read_page(HttpResponse(status, {}, body), offset=offset, limit=limit)
    except ProviderError as exc:
        return exc


def same(a: object, b: object) -> bool:
    """Equal, down to each time's offset (== on aware datetimes compares instants only)."""
    if isinstance(a, ProviderError) or isinstance(b, ProviderError):
        return type(a) is type(b) and str(a) == str(b) and a.__dict__ == b.__dict__
    return a == b and repr(a) == repr(b)


def assert_one_answer(body: bytes, *, offset: int = 0, limit: int = 100) -> Page | None:
    """Both ways give the same answer; returns the typed path's page (None: it fell back)."""
    typed = typed_page(body, offset=offset, limit=limit)
    expected = old_way(body, offset=offset, limit=limit)
    if typed is not None:
        assert same(typed, expected), (typed, expected)
    assert same(through_read_page(body, offset=offset, limit=limit), expected)
    return typed


# -- values: (wire value, whether the typed path takes it) -------------------------------------
# True: must be taken; False: must send the page the old way; None: either (a false alarm of
# the byte-level checks, which are allowed to be cautious).

Choice = tuple[object, bool | None]
ABSENT = object()  # the field is left out

LONG = "Lorem ipsum dolor sit amet, 😀 consectetur " * 12
TEXTS: list[Choice] = [
    ("Blue Fern Studio (X)", True),
    ("Café Zoë — naïve", True),
    ("日本語のアカウント", True),
    ("🙂🚀 launch", True),
    ("x" * 500, True),
    ("😀" * 500, True),  # 500 characters, 2,000 bytes: limits count characters
    (LONG[:500], True),
    ("x" * 501, False),  # the old way cuts it with an ellipsis
    (" padded", False),
    ("padded ", False),
    ("  both  ", False),
    ("two\nlines", False),
    ("tab\there", False),
    ("nul\x00byte", False),
    ("del\x7fchar", False),
    ("nbsp\u00a0inside", False),
    ("zero\u200bwidth", False),
    ("line\u2028separator", False),
    ("", False),
    ("C:\\path\\to", True),  # \\ decodes to a printable backslash
    ('say "hi"', True),
    ('say "hi" now', None),  # \" followed by a space looks like padding in the bytes
    ("a/b/c", True),
    (42, False),
    ({"message": "m", "code": "E1"}, False),
]
IDS: list[Choice] = [
    ("f47ac10b-58cc-4372-a567-0e02b2c3d479", True),
    ("post_8f3k2j1", True),
    ("0042", True),
    ("🙂-id", True),
    ("i" * 200, True),
    ("i" * 201, False),
    (" 42 ", False),
    ("", False),
    ("a\tb", False),
    (123, False),
]
ACCOUNT_IDS: list[Choice] = [
    (0, True),
    (2285, True),
    (2**63 - 1, True),
    ("7499", True),
    ("acct-7", True),
    (2**63, False),
    (10**30, False),
    (-1, False),
    (True, False),
    (2.0, False),
    (" 7 ", False),
    ("", False),
    (None, False),
    (ABSENT, False),
]
ATTEMPTS: list[Choice] = [
    (0, True),
    (3, True),
    (2**63 - 1, True),
    (ABSENT, True),
    (-1, False),
    (2**63, False),
    ("3", False),
    (None, False),
    (2.0, False),
]
DESTINATION_STATUSES: list[Choice] = [
    *((word, True) for word in ("queued", "publishing", "published", "failed")),
    *((word, False) for word in ("Failed", " failed", "error", "unknown", "")),
    (None, False),
    (ABSENT, False),
]
POST_STATUSES: list[Choice] = [
    *(
        (word, True)
        for word in ("draft", "scheduled", "publishing", "published", "partially_failed")
    ),
    ("failed", True),
    *((word, False) for word in ("success", "Published", "exploded")),
    (None, False),
    (ABSENT, False),
]
OFFSETS = [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))]


def moment(draw: st.DrawFn, *, odd: bool) -> Choice:
    """A time as the wire may carry it, and whether the typed path takes it."""
    form = draw(st.integers(min_value=0, max_value=14 if odd else 7))
    if form == 0:
        return None, True
    if form == 1:
        return ABSENT, True
    moment = draw(
        st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(9999, 12, 30))
    ).replace(tzinfo=draw(st.sampled_from(OFFSETS)))
    text = moment.isoformat()
    seconds = moment.isoformat(timespec="seconds")[:19]
    forms: dict[int, Choice] = {
        2: (text, True),
        3: (text.replace("+00:00", "Z"), True),
        4: (moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"), True),
        5: (text.replace("T", " "), True),
        6: (seconds + ".1234567Z", True),  # cut to microseconds, as fromisoformat does
        7: (text.replace("+00:00", "+0000"), True),
        8: (moment.replace(tzinfo=None).isoformat(), False),  # naive: the old way says UTC
        9: (text[:10], False),  # a date alone
        10: (seconds + "z", False),
        11: (" " + text, False),
        12: (int(moment.timestamp()), False),
        13: ("yesterday", False),
        14: (seconds + "." + "1" * 50 + "Z", False),  # over 64 characters: not read at all
    }
    return forms[form]


@dataclass
class Wire:
    """A generated page: its JSON tree, and whether the typed path must take it.

    ``odds``: the chance that a field gets an odd value of its pool rather than a plain
    one. Drawn per page (0 for a third of them), so whole plain pages come up often and the
    typed path is compared on them, not only sent the old way."""

    odds: float
    # At most this many odd values: one, so that a check missing for that value alone shows.
    most: int | None = None
    tree: dict[str, Any] = field(default_factory=dict)
    takes: list[bool | None] = field(default_factory=list)

    def odd(self, draw: st.DrawFn) -> bool:
        if self.most == 0 or self.odds == 0:
            return False
        if draw(st.floats(min_value=0, max_value=1)) >= self.odds:
            return False
        if self.most is not None:
            self.most -= 1
        return True

    def pick(self, draw: st.DrawFn, pool: list[Choice]) -> Choice:
        plain = [c for c in pool if c[1] is True]
        odd = [c for c in pool if c[1] is not True]
        return draw(st.sampled_from(odd if odd and self.odd(draw) else plain))

    def put(self, obj: dict[str, Any], key: str, choice: Choice) -> None:
        value, taken = choice
        if value is not ABSENT:
            obj[key] = value
        self.takes.append(taken)

    def verdict(self) -> bool | None:
        if False in self.takes:
            return False
        return None if None in self.takes else True


NOTHING: list[Choice] = [(None, True), (ABSENT, True)]
CONTENTS = [c for c in TEXTS if c[0] != ""] + [("", True), *NOTHING]  # may be empty
PLATFORMS = [*TEXTS, ("LinkedIn", True), (ABSENT, False)]
RETRY_AT: list[Choice] = [*NOTHING, ("2026-01-02T05:00:00Z", False)]
TOTALS: list[Choice] = [(0, True), (37, True), (2**63 - 1, True), *NOTHING]
TOTALS += [(-1, False), ("120", False), (1.5, False)]
HAS_MORE: list[Choice] = [(True, True), (False, True), *NOTHING, ("true", False), (1, False)]


@st.composite
def wire_pages(draw: st.DrawFn) -> Wire:
    odds, most = draw(st.sampled_from([(0.0, None), (0.1, 1), (0.3, None)]))
    wire = Wire(odds, most)
    posts = []
    for n in range(draw(st.integers(min_value=0, max_value=4))):
        post: dict[str, Any] = {"id": f"alias-{n}", "timezone": "UTC", "media": [{"k": [1]}]}
        wire.put(post, "post_id", wire.pick(draw, IDS))
        wire.put(post, "status", wire.pick(draw, POST_STATUSES))
        wire.put(post, "content", wire.pick(draw, CONTENTS))
        for key in ("created_at", "updated_at", "scheduled_for"):
            wire.put(post, key, moment(draw, odd=wire.odd(draw)))
        destinations = []
        for _ in range(draw(st.integers(min_value=0, max_value=4))):
            d: dict[str, Any] = {"id": "dest-alias"}
            wire.put(d, "account_id", wire.pick(draw, ACCOUNT_IDS))
            wire.put(d, "platform", wire.pick(draw, PLATFORMS))
            wire.put(d, "status", wire.pick(draw, DESTINATION_STATUSES))
            wire.put(d, "account_name", wire.pick(draw, [*TEXTS, *NOTHING]))
            wire.put(d, "error", wire.pick(draw, [*TEXTS, *NOTHING]))
            wire.put(d, "attempts", wire.pick(draw, ATTEMPTS))
            wire.put(d, "platform_post_id", wire.pick(draw, [*IDS, *NOTHING]))
            wire.put(d, "platform_post_url", wire.pick(draw, [*TEXTS, *NOTHING]))
            wire.put(d, "published_at", moment(draw, odd=wire.odd(draw)))
            wire.put(d, "next_retry_at", wire.pick(draw, RETRY_AT))
            destinations.append(d)
        wire.put(post, "destinations", (destinations, True))
        posts.append(post)
    data: dict[str, Any] = {"posts": posts}
    paging = draw(st.sampled_from(["object", "null", "absent"]))
    if paging == "null":
        data["pagination"] = None
    elif paging == "object":
        offset = draw(st.sampled_from([0, "0", None]))  # not read: the client steps by itself
        pagination: dict[str, Any] = {"limit": 100, "offset": offset}
        wire.put(pagination, "total", wire.pick(draw, TOTALS))
        wire.put(pagination, "has_more", wire.pick(draw, HAS_MORE))
        data["pagination"] = pagination
    wire.tree = {"data": data, "error": None, "meta": {"request_id": "req-1", "big": 10**40}}
    return wire


def dump(tree: dict[str, Any], style: int) -> tuple[bytes, bool | None]:
    """The tree as bytes in one of the ways servers write JSON; False/None: the style alone
    sends the page the old way (\\u escapes), or may (spaces beside quotes)."""
    if style == 0:
        return json.dumps(tree, separators=(",", ":"), ensure_ascii=False).encode(), True
    if style == 1:  # slashes escaped, as PHP writes them: \/ is harmless
        text = json.dumps(tree, separators=(",", ":"), ensure_ascii=False)
        return text.replace("/", "\\/").encode(), True
    if style == 2:  # non-ASCII as \u escapes
        text = json.dumps(tree, separators=(",", ":"))
        return text.encode(), "\\u" not in text
    if style == 3:
        return json.dumps(tree, ensure_ascii=False).encode(), None  # ", " and ": "
    return json.dumps(tree, indent=2, ensure_ascii=False).encode(), None


# -- properties ------------------------------------------------------------------------------


@settings(max_examples=250, deadline=None, database=None)  # database: none in the tree
@given(wire=wire_pages(), style=st.integers(min_value=0, max_value=4))
def test_a_page_reads_the_same_both_ways_and_the_typed_path_takes_every_plain_one(
    wire: Wire, style: int
) -> None:
    body, style_verdict = dump(wire.tree, style)
    typed = assert_one_answer(body)
    verdict = wire.verdict()
    if verdict is False or style_verdict is False:
        assert typed is None, "a value the typed path must not vouch for was taken"
    elif verdict is True and style_verdict is True:
        assert typed is not None, "a plain documented page went the old way"


def _mutate(body: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(body) + 1)
    junk = rng.choice([b"", b"\x00", b"\\", b'"', b"\xff", b"\x7f", b"[", b"}", b",", b"9" * 5000])
    kind = rng.randrange(4)
    if kind == 0:
        return body[:at]
    if kind == 1:
        return body[:at] + junk + body[at:]
    if kind == 2:
        return body[:at] + junk + body[at + 1 :]
    return body[:at] + body[at + rng.randrange(1, 20) :]


@settings(max_examples=150, deadline=None, database=None)
@given(wire=wire_pages(), seed=st.integers(min_value=0, max_value=2**32))
def test_a_damaged_page_gets_the_old_ways_answer_and_never_an_exception(
    wire: Wire, seed: int
) -> None:
    body, _ = dump(wire.tree, seed % 3)
    damaged = _mutate(body, random.Random(seed))
    assert_one_answer(damaged)  # typed_page itself must not raise either


# -- examples: what goes the old way, and why --------------------------------------------------


def documented_body(**changes: Any) -> dict[str, Any]:
    destination = {
        "account_id": 2285,
        "account_name": "Blue Fern Studio (X)",
        "platform": "x",
        "status": "published",
        "platform_post_id": "66433006620530241",
        "platform_post_url": "https://x.com/i/status/66433006620530241",
        "published_at": "2026-11-23T09:22:31.950Z",
        "error": None,
        "attempts": 1,
    }
    post = {
        "post_id": "d64ced57-ce6d-42d0-9ec0-88b4bfdcf4b1",
        "id": "d64ced57-ce6d-42d0-9ec0-88b4bfdcf4b1",
        "status": "partially_failed",
        "content": "Launch day #news",
        "account_ids": [2285],
        "scheduled_for": "2026-11-23T09:22:18.188+05:30",
        "timezone": "UTC",
        "media": [],
        "destinations": [destination],
        "created_at": "2026-11-23T09:00:00Z",
        "updated_at": "2026-11-23T09:30:00.000Z",
    }
    data = {"posts": [post], "pagination": {"limit": 1, "offset": 0, "total": 3, "has_more": True}}
    body: dict[str, Any] = {"data": data, "error": None, "meta": {"request_id": "r"}}
    for path, value in changes.items():
        target: Any = body
        keys = path.split(".")
        for key in keys[:-1]:
            target = target[int(key) if key.isdigit() else key]
        target[keys[-1]] = value
    return body


def compact(tree: object) -> bytes:
    return json.dumps(tree, separators=(",", ":"), ensure_ascii=False).encode()


# The first destination, for ``documented_body`` changes.
D = "data.posts.0.destinations.0."


def test_a_documented_page_is_read_by_the_typed_path_with_its_cursors() -> None:
    body = documented_body(**{D + "platform": "LinkedIn", D + "account_name": None})
    page = assert_one_answer(compact(body), offset=0, limit=1)
    assert page is not None
    assert page.next_cursor == "1"
    assert page.later_cursors == ("1", "2")
    assert page.total == 3
    [post] = page.posts
    [destination] = post.destinations
    assert destination.account_id == "2285"
    assert destination.platform == "linkedin"
    assert destination.account_name == ""
    assert post.scheduled_for is not None
    assert post.scheduled_for.utcoffset() == timedelta(hours=5, minutes=30)


FALLS_BACK = {
    'an escape other than \\" \\\\ \\/': (compact(documented_body(**{D + "error": "a\u0000b"}))),
    "a \\u escape of a printable letter": compact(documented_body()).replace(
        b"Launch", b"\\u004caunch"
    ),
    "\\u0020: a space the bytes do not show": compact(documented_body()).replace(
        b'"Launch', b'"\\u0020Launch'
    ),
    "a padded name": compact(documented_body(**{D + "account_name": " Blue "})),
    "DEL in a name": compact(documented_body(**{D + "account_name": "Blue\x7f"})),
    "a non-breaking space in a name": compact(documented_body(**{D + "account_name": "a\u00a0b"})),
    "a naive time": compact(documented_body(**{D + "published_at": "2026-11-23T09:22:31"})),
    "a lower-case z (fromisoformat refuses it)": compact(
        documented_body(**{D + "published_at": "2026-11-23T09:22:31z"})
    ),
    "a next retry time": compact(documented_body(**{D + "next_retry_at": "2026-11-23T10:00:00Z"})),
    "an account id as a float": compact(documented_body(**{D + "account_id": 2285.0})),
    "an undocumented status word": compact(documented_body(**{D + "status": "error"})),
    "a total as text": compact(documented_body(**{"data.pagination.total": "3"})),
    "a pagination that is a list": compact(documented_body(**{"data.pagination": [1]})),
    "a post without post_id": compact(documented_body(**{"data.posts.0.post_id": None})),
    "pretty-printed (spaces beside quotes)": json.dumps(documented_body(), indent=1).encode(),
    "invalid UTF-8 in a field nobody reads": compact(documented_body()).replace(
        b'"UTC"', b'"\xff"'
    ),
    "a name of 501 characters (the old way cuts it)": compact(
        documented_body(**{D + "account_name": "n" * 501})
    ),
    "an empty name": compact(documented_body(**{D + "account_name": ""})),
    "a time over 64 characters (the old way reads none)": compact(
        documented_body(**{D + "published_at": "2026-11-23T09:22:31." + "1" * 50 + "Z"})
    ),
    "an integer json.loads refuses, in a field nobody reads": compact(
        documented_body(**{"meta.big": 1})
    ).replace(b'"big":1', b'"big":' + b"7" * 4301),
    "a later key of the same name wins (as json.loads)": compact(documented_body())[:-1]
    + b',"data":null}',
}


@pytest.mark.parametrize("body", FALLS_BACK.values(), ids=FALLS_BACK.keys())
def test_what_the_typed_path_does_not_vouch_for_goes_the_old_way(body: bytes) -> None:
    assert typed_page(body, offset=0, limit=1) is None
    assert same(through_read_page(body, limit=1), old_way(body, limit=1))


MOMENTS: list[Choice] = [
    *NOTHING,
    ("2026-11-23T09:22:31Z", True),
    ("2026-11-23T09:22:31.950+05:30", True),
    ("2026-11-23 09:22:31-08:00", True),
    ("2026-11-23T09:22:31.1234567Z", True),
    ("2026-11-23T09:22:31", False),
    ("2026-11-23", False),
    ("2026-11-23T09:22:31z", False),
    (" 2026-11-23T09:22:31Z", False),
    (1_795_000_000, False),
    ("yesterday", False),
    ("2026-11-23T09:22:31." + "1" * 50 + "Z", False),
]
POOLS: dict[str, list[Choice]] = {
    "data.posts.0.post_id": IDS,
    "data.posts.0.status": POST_STATUSES,
    "data.posts.0.content": CONTENTS,
    "data.posts.0.created_at": MOMENTS,
    "data.posts.0.scheduled_for": MOMENTS,
    D + "account_id": ACCOUNT_IDS,
    D + "platform": PLATFORMS,
    D + "status": DESTINATION_STATUSES,
    D + "account_name": [*TEXTS, *NOTHING],
    D + "error": [*TEXTS, *NOTHING],
    D + "attempts": ATTEMPTS,
    D + "platform_post_id": [*IDS, *NOTHING],
    D + "platform_post_url": [*TEXTS, *NOTHING],
    D + "published_at": MOMENTS,
    D + "next_retry_at": RETRY_AT,
    "data.pagination.total": TOTALS,
    "data.pagination.has_more": HAS_MORE,
}
ONE_VALUE = [
    pytest.param(path, value, taken, id=f"{path.rsplit('.', 1)[-1]}={value!r:.24}")
    for path, pool in POOLS.items()
    for value, taken in pool
]


@pytest.mark.parametrize(("path", "value", "taken"), ONE_VALUE)
def test_each_value_alone_is_taken_or_sent_the_old_way_as_documented(
    path: str, value: object, taken: bool | None
) -> None:
    body = documented_body(**{path: value})
    if value is ABSENT:
        parent: Any = body
        for key in path.split(".")[:-1]:
            parent = parent[int(key) if key.isdigit() else key]
        del parent[path.rsplit(".", 1)[-1]]
    typed = assert_one_answer(compact(body), limit=1)
    if taken is True:
        assert typed is not None
    elif taken is False:
        assert typed is None


def test_escaped_quotes_backslashes_and_slashes_stay_on_the_typed_path() -> None:
    body = compact(documented_body(**{D + "error": 'He said "no"; see C:\\temp\\'}))
    body = body.replace(b"/", b"\\/")
    page = assert_one_answer(body, limit=1)
    assert page is not None
    assert page.posts[0].destinations[0].error == 'He said "no"; see C:\\temp\\'
    assert page.posts[0].destinations[0].platform_post_url == (
        "https://x.com/i/status/66433006620530241"
    )


def test_more_than_six_fractional_digits_are_cut_as_the_old_way_cuts_them() -> None:
    # msgspec's own datetime would round .9999995 up to the next second.
    body = compact(documented_body(**{D + "published_at": "2026-11-23T09:22:31.9999995Z"}))
    page = assert_one_answer(body, limit=1)
    assert page is not None
    published = page.posts[0].destinations[0].published_at
    assert published == datetime(2026, 11, 23, 9, 22, 31, 999999, tzinfo=UTC)


ERRORS = {
    "an HTML page": b"<!DOCTYPE html><html><body>502 Bad Gateway</body></html>",
    "empty": b"",
    "not the envelope": b"[]",
    "data null": b'{"data":null,"error":null}',
    "posts not a list": b'{"data":{"posts":{}}}',
    "a post not an object": b'{"data":{"posts":["x"]}}',
    "an integer too long for json.loads": b'{"data":' + b"9" * 5000 + b"}",
    "NaN": b'{"data":{"posts":[],"pagination":{"total":NaN}}}',
    "truncated": compact(documented_body())[:-7],
}


@pytest.mark.parametrize("body", ERRORS.values(), ids=ERRORS.keys())
def test_a_broken_answer_raises_the_same_typed_error_as_before(body: bytes) -> None:
    assert typed_page(body, offset=0, limit=100) is None
    error = through_read_page(body)
    assert isinstance(error, MalformedResponse)
    assert same(error, old_way(body))


def test_an_error_status_never_reaches_the_typed_path() -> None:
    # A 500 whose body happens to be a valid page is still the server's error.
    error = through_read_page(compact(documented_body()), status=500)
    assert isinstance(error, ServerError)
    assert same(error, old_way(compact(documented_body()), status=500))


# -- the simulator's pages, as the app fetches them -------------------------------------------


def test_every_page_the_simulator_serves_is_read_by_the_typed_path() -> None:
    config = SimConfig(
        seed=7,
        posts=250,
        min_destinations=5,
        max_destinations=5,
        rate_limit=0,
        ayrshare_posts=0,
        latency_ms=0,
        malformed_odds=0,
        error_5xx_odds=0,
        burst_429=0,
    )
    with (
        SimServer(config, port=0) as sim,
        httpx.Client(headers={"Authorization": f"Bearer {DEMO_PE_KEY}"}) as http,
    ):
        bodies = [
            http.get(f"{sim.posteverywhere_url}/posts?limit=100&offset={offset}").content
            for offset in (0, 100, 200)
        ]
    destinations = 0
    for offset, body in zip((0, 100, 200), bodies, strict=True):
        page = assert_one_answer(body, offset=offset, limit=100)
        assert page is not None, f"the page at offset {offset} went the old way"
        destinations += sum(len(post.destinations) for post in page.posts)
    assert destinations == 250 * 5
