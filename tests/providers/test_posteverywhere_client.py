"""What goes on the wire and how answers read, on a MockTransport: the whole surface of
API-CONTRACTS.md section 1, with the tolerant variants the contract lists."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import parse_qs

import httpx
import pytest
from pe_wire import destination, ok, post, provider_on

from postretry_gui.domain import Post, Status
from postretry_gui.domain.errors import BadRequest
from postretry_gui.domain.status import PostStatus
from postretry_gui.providers.base import PostFilter
from postretry_gui.providers.posteverywhere import CAPABILITIES, PostEverywhereProvider


def query(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.url.query.decode()).items()}


def test_capabilities_are_those_of_per_destination_retry() -> None:
    assert CAPABILITIES.display_name == "PostEverywhere"
    assert CAPABILITIES.per_destination_retry is True
    assert CAPABILITIES.max_retries_per_post is None
    assert CAPABILITIES.reconnect_url == "https://app.posteverywhere.ai/accounts"


# -- list posts --------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_list_posts_sends_every_filter() -> None:
    provider, wire = provider_on(lambda r: ok({"posts": [], "pagination": {"has_more": False}}))
    since = datetime(2026, 4, 15, 18, 0, tzinfo=timezone(timedelta(hours=2)))
    post_filter = PostFilter(
        statuses=("failed", "partially_failed"),
        platforms=("x", "linkedin"),
        search="launch day",
        updated_after=since,
        account_id="2285",
    )
    async with provider:
        page = await provider.list_posts(post_filter, limit=50)
    assert page.posts == ()
    assert page.next_cursor is None
    request = wire.requests[0]
    assert request.url.path == "/api/v1/posts"
    assert query(request) == {
        "status": "failed,partially_failed",
        "platform": "x,linkedin",
        "search": "launch day",
        "updated_after": "2026-04-15T16:00:00Z",
        "account_id": "2285",
        "limit": "50",
        "offset": "0",
        # Creation order never changes: offset pages shift only when posts enter or leave.
        "sort": "created_at",
        "order": "desc",
    }


@pytest.mark.asyncio
async def test_a_short_page_with_has_more_true_still_leads_on_by_items_received() -> None:
    # Less one: the next page starts on this page's last post, so the two can be checked
    # to join up (Page.overlap).
    page_one = {"posts": [post("a"), post("b")], "pagination": {"limit": 5, "has_more": True}}
    provider, wire = provider_on(lambda r: ok(page_one))
    async with provider:
        page = await provider.list_posts(PostFilter(), "10", limit=5)
    assert [p.post_id for p in page.posts] == ["a", "b"]
    assert page.next_cursor == "11"
    assert page.overlap == 1
    assert query(wire.requests[0])["offset"] == "10"


@pytest.mark.parametrize(
    ("pagination", "count", "limit", "expected"),
    [
        ({"has_more": False, "total": 3}, 3, 3, None),  # has_more wins over a full page
        ({}, 3, 3, "2"),  # no has_more: a full page may have more (from its last post)
        ({}, 2, 3, None),  # no has_more: a short page is the last
        ({"has_more": True}, 0, 3, None),  # an empty page never loops
        ({"has_more": "yes"}, 3, 3, "2"),  # a broken has_more reads as absent
        ({"has_more": True}, 1, 3, "1"),  # one post cannot overlap: the next page follows it
    ],
)
@pytest.mark.asyncio
async def test_pagination_rules(
    pagination: dict[str, object], count: int, limit: int, expected: str | None
) -> None:
    body = {"posts": [post(f"p{i}") for i in range(count)], "pagination": pagination}
    provider, _ = provider_on(lambda r: ok(body))
    async with provider:
        page = await provider.list_posts(PostFilter(), limit=limit)
    assert page.next_cursor == expected


@pytest.mark.asyncio
async def test_walking_pages_reaches_every_post_and_each_page_starts_on_the_last() -> None:
    everything = [post(f"p{i}") for i in range(23)]

    def answer(request: httpx.Request) -> httpx.Response:
        q = query(request)
        offset, limit = int(q["offset"]), int(q["limit"])
        # The server returns fewer than asked (as the vendor's does) yet says has_more.
        chunk = everything[offset : offset + limit - 1]
        more = offset + len(chunk) < len(everything)
        return ok({"posts": chunk, "pagination": {"has_more": more, "total": 23}})

    provider, _wire = provider_on(answer)
    pages: list[list[str]] = []
    cursor: str | None = None
    async with provider:
        for _ in range(50):
            page = await provider.list_posts(PostFilter(), cursor, limit=5)
            pages.append([p.post_id for p in page.posts])
            assert page.total == 23
            cursor = page.next_cursor
            if cursor is None:
                break
    for previous, page_ids in itertools.pairwise(pages):
        assert page_ids[0] == previous[-1]
    read = [pages[0][0]] + [post_id for ids in pages for post_id in ids[1:]]
    assert read == [f"p{i}" for i in range(23)]


@pytest.mark.asyncio
@pytest.mark.parametrize("cursor", ["-1", "abc", "1e3", "9" * 20])
async def test_a_foreign_cursor_is_refused_before_sending(cursor: str) -> None:
    provider, wire = provider_on(lambda r: ok({"posts": []}))
    async with provider:
        with pytest.raises(BadRequest):
            await provider.list_posts(PostFilter(), cursor)
    assert wire.requests == []


# -- a post, and the tolerant reading ----------------------------------------------------------


@pytest.mark.asyncio
async def test_get_post_reads_the_documented_shape() -> None:
    provider, wire = provider_on(lambda r: ok(post("f47ac10b")))
    async with provider:
        got = await provider.get_post("f47ac10b")
    assert wire.requests[0].url.path == "/api/v1/posts/f47ac10b"
    assert got.post_id == "f47ac10b"
    assert got.status is PostStatus.PARTIALLY_FAILED
    assert got.created_at == datetime(2026, 4, 15, 15, 0, tzinfo=UTC)
    failed = got.destination("2285")
    assert failed is not None
    assert failed.status is Status.FAILED
    assert failed.error == "Token expired. Please reconnect your LinkedIn account."
    assert failed.attempts == 3
    assert failed.platform == "linkedin"
    assert [d.account_id for d in got.failed] == ["2285"]


@pytest.mark.asyncio
async def test_tolerant_variants_of_a_post() -> None:
    data = {
        "id": 12345,  # the deprecated alias, as a number
        "status": "published",  # beside a failed destination: rows follow destinations
        "surprise": {"new": "field"},
        "destinations": [
            {"account_id": "77", "status": "failed", "id": "dest-9", "error": None},
            {
                "account_id": 78,
                "status": "published",
                "platform": "X",
                "error": {"message": "old shape", "code": 190},
                "attempts": "2",
                "published_at": "2026-04-15T16:00:00",
            },
            {"account_id": 79, "status": "brand-new-state", "attempts": None},
        ],
    }
    provider, _ = provider_on(lambda r: ok(data, camel=True, omit_error=True))
    async with provider:
        got = await provider.get_post("12345")
    assert got.post_id == "12345"
    assert got.content == ""
    assert got.scheduled_for is None
    first, second, third = got.destinations
    assert first.account_id == "77"
    assert first.status is Status.FAILED
    assert first.error is None
    assert second.platform == "x"
    assert second.attempts == 2
    assert second.error_code == "190"
    assert second.published_at == datetime(2026, 4, 15, 16, 0, tzinfo=UTC)
    assert third.status is Status.UNKNOWN
    assert third.attempts == 0


@pytest.mark.asyncio
async def test_a_post_id_is_one_opaque_path_segment() -> None:
    provider, wire = provider_on(lambda r: ok(post("../accounts")))
    async with provider:
        await provider.get_post("../accounts")
    assert wire.requests[0].url.raw_path == b"/api/v1/posts/..%2Faccounts"


@pytest.mark.asyncio
async def test_results_is_the_light_poll_of_destinations() -> None:
    data = {
        "post_id": "p-1",
        "post_status": "publishing",
        "results": [
            destination(2285, "queued", next_retry_at="2026-04-15T16:05:00Z", error=None),
            destination(2286, "published"),
        ],
    }
    provider, wire = provider_on(lambda r: ok(data))
    async with provider:
        got = await provider.results("p-1")
    assert wire.requests[0].url.path == "/api/v1/posts/p-1/results"
    assert got.status is PostStatus.PUBLISHING
    assert [d.status for d in got.destinations] == [Status.QUEUED, Status.PUBLISHED]
    assert got.destinations[0].next_retry_at == datetime(2026, 4, 15, 16, 5, tzinfo=UTC)


# -- retry -------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_retry_sends_exactly_the_chosen_accounts_as_integers() -> None:
    answer = {
        "post_id": "p-1",
        "retried_count": 2,
        "destinations": [destination(2285, "queued"), destination(17, "queued")],
        "next_step": "2 destinations re-queued. Poll GET /v1/posts/p-1.",
    }
    provider, wire = provider_on(lambda r: ok(answer))
    async with provider:
        ack = await provider.retry(
            Post(post_id="p-1", destinations=()), ["2285", " 17 ", "2285"], idempotency_key="k-1"
        )
    request = wire.requests[0]
    assert f"{request.method} {request.url.path}" == "POST /api/v1/posts/p-1/retry"
    assert json.loads(request.content) == {"account_ids": [2285, 17]}
    assert request.headers["Idempotency-Key"] == "k-1"
    assert ack.post_id == "p-1"
    assert ack.retried_count == 2
    assert [d.status for d in ack.destinations] == [Status.QUEUED, Status.QUEUED]
    assert ack.message.startswith("2 destinations re-queued")


@pytest.mark.asyncio
@pytest.mark.parametrize("account_ids", [[], ["x"], ["12a"], ["-1"], ["1.5"]])
async def test_a_retry_with_no_usable_account_is_refused_before_sending(
    account_ids: list[str],
) -> None:
    provider, wire = provider_on(lambda r: ok({}))
    async with provider:
        with pytest.raises(BadRequest):
            await provider.retry(Post(post_id="p-1", destinations=()), account_ids)
    assert wire.requests == []


@pytest.mark.asyncio
async def test_retry_without_an_idempotency_key_sends_none() -> None:
    provider, wire = provider_on(lambda r: ok({"post_id": "p-1", "retried_count": 1}))
    async with provider:
        ack = await provider.retry(Post(post_id="p-1", destinations=()), ["1"])
    assert "Idempotency-Key" not in wire.requests[0].headers
    assert ack.destinations == ()
    assert ack.retried_count == 1


@pytest.mark.asyncio
async def test_retry_failed_sends_its_filters_once() -> None:
    provider, wire = provider_on(lambda r: ok({"retried_count": 4, "message": "4 re-queued"}))
    async with provider:
        ack = await provider.retry_failed(
            post_ids=["a", "b"],
            platform="x",
            failed_after=datetime(2026, 4, 1, tzinfo=UTC),
            max_attempts=3,
            idempotency_key="bulk-1",
        )
    request = wire.requests[0]
    assert request.url.path == "/api/v1/posts/retry-failed"
    assert json.loads(request.content) == {
        "post_ids": ["a", "b"],
        "platform": "x",
        "failed_after": "2026-04-01T00:00:00Z",
        "max_attempts": 3,
    }
    assert ack.retried_count == 4
    assert ack.message == "4 re-queued"
    assert ack.post_id == ""


@pytest.mark.asyncio
async def test_retry_failed_needs_a_filter_and_at_most_200_posts() -> None:
    provider, wire = provider_on(lambda r: ok({}))
    async with provider:
        with pytest.raises(BadRequest):
            await provider.retry_failed()
        with pytest.raises(BadRequest):
            await provider.retry_failed(post_ids=[str(i) for i in range(201)])
    assert wire.requests == []


# -- accounts and health -------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_accounts_in_both_id_spellings_with_list_health() -> None:
    data = {
        "accounts": [
            {
                "account_id": 2285,
                "platform": "linkedin",
                "account_name": "My Brand",
                "is_active": True,
                "health": {"status": "healthy", "can_post": True},
            },
            {"id": "2286", "platform": "x", "health": {"status": "expired", "can_post": False}},
            {"id": 2287, "platform": "threads", "is_active": False, "health": None},
        ]
    }
    provider, _ = provider_on(lambda r: ok(data))
    async with provider:
        accounts = await provider.accounts()
    assert [a.account_id for a in accounts] == ["2285", "2286", "2287"]
    healthy, expired, bare = accounts
    assert healthy.health is not None
    assert not healthy.health.requires_reconnect
    assert expired.health is not None
    assert expired.health.requires_reconnect
    assert expired.health.token_expired
    assert bare.health is None
    assert bare.is_active is False


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("data", "reconnect"),
    [
        ({"status": "healthy", "can_post": True, "reasons": []}, False),
        ({"status": "warning", "can_post": True, "reasons": ["token_expiring_soon"]}, False),
        # The status word says warning, but the machine fields say reconnect.
        ({"status": "warning", "needs_reconnection": True}, True),
        ({"status": "healthy", "token": {"expired": True, "expiring_soon": False}}, True),
        ({"status": "broken", "can_post": False, "reasons": ["token_expired"]}, True),
    ],
)
async def test_account_health_vocabulary(data: dict[str, object], reconnect: bool) -> None:
    provider, wire = provider_on(lambda r: ok(data))
    async with provider:
        health = await provider.account_health("2285")
    assert wire.requests[0].url.path == "/api/v1/accounts/2285/health"
    assert health.account_id == "2285"
    assert health.status == data["status"]
    assert health.requires_reconnect is reconnect


def test_repr_names_the_server_not_the_key() -> None:
    provider = PostEverywhereProvider("https://pe.test/api/v1", "pe_live_secretsecret")
    assert "pe.test" in repr(provider)
    assert "secret" not in repr(provider)
