"""The PostEverywhere client against the real simulator on 127.0.0.1: the client that passes
here is the client that works against the service (API-CONTRACTS.md section 1)."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Iterator
from typing import Any

import pytest

from postretry_gui.domain import Post, Status
from postretry_gui.domain.errors import (
    BadRequest,
    Forbidden,
    MalformedResponse,
    NotFound,
    NothingToRetry,
    OutcomeUnknown,
    PaymentRequired,
    ProviderError,
    RateLimited,
    ServerError,
    TimedOut,
    Unauthorized,
    ValidationFailed,
)
from postretry_gui.providers.base import PostFilter
from postretry_gui.providers.posteverywhere import PostEverywhereProvider
from postretry_gui.sim import DEMO_PE_KEY, SimConfig, SimServer

QUIET = {
    "latency_ms": 0,
    "error_5xx_odds": 0,
    "burst_429": 0,
    "drop_after_apply_odds": 0,
    "malformed_odds": 0,
}


@pytest.fixture
def sim() -> Iterator[SimServer]:
    config = SimConfig(
        seed=1, posts=120, rate_limit=1000, rate_window_s=60, success_odds=1.0, **QUIET
    )
    with SimServer(config, port=0) as server:
        yield server


def client(sim: SimServer, key: str = DEMO_PE_KEY, **kw: Any) -> PostEverywhereProvider:
    return PostEverywhereProvider(sim.posteverywhere_url, key, **kw)


def statuses(sim: SimServer, route: str) -> dict[str, int]:
    requests: dict[str, dict[str, int]] = sim.stats()["requests"]
    return requests.get(route, {})


async def counted_when_answered(sim: SimServer, route: str, total: int) -> dict[str, int]:
    """The statuses of ``route`` once the server has counted ``total`` requests, for a client
    that stopped waiting: the server counts a request when it answers, which may be after the
    client gave up (polled, 5 s deadline)."""
    for _ in range(500):
        if sum(statuses(sim, route).values()) >= total:
            break
        await asyncio.sleep(0.01)
    return statuses(sim, route)


PREFIX = "/posteverywhere/api/v1"


async def a_failed_destination(provider: PostEverywhereProvider) -> tuple[Post, str]:
    """A post with a failed destination whose error a retry can fix."""
    cursor: str | None = None
    for _ in range(20):
        page = await provider.list_posts(PostFilter(statuses=("failed",)), cursor, limit=50)
        for post in page.posts:
            for destination in post.failed:
                if "token" not in (destination.error or "").lower():
                    return post, destination.account_id
        cursor = page.next_cursor
        if cursor is None:
            break
    raise AssertionError("the simulator's data has no retryable failed destination")


# -- reading ---------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_pages_lead_to_the_last_one_each_starting_on_the_last_post_before(
    sim: SimServer,
) -> None:
    pages: list[list[str]] = []
    totals: set[int | None] = set()
    cursor: str | None = None
    async with client(sim) as provider:
        for _ in range(100):
            page = await provider.list_posts(PostFilter(), cursor, limit=7)
            pages.append([post.post_id for post in page.posts])
            totals.add(page.total)
            cursor = page.next_cursor
            if cursor is None:
                break
    assert totals == {120}
    # Each page repeats the last post of the one before (the join the loader checks)...
    for previous, ids in itertools.pairwise(pages):
        assert ids[0] == previous[-1]
    # ...and otherwise every post comes once: 120 posts in steps of 6 after the first 7.
    read = pages[0] + [post_id for ids in pages[1:] for post_id in ids[1:]]
    assert len(read) == 120
    assert len(set(read)) == 120
    assert statuses(sim, f"GET {PREFIX}/posts") == {"200": 20}  # 1 + ceil(113 / 6)


@pytest.mark.asyncio
async def test_filters_narrow_the_list_on_the_server(sim: SimServer) -> None:
    async with client(sim) as provider:
        page = await provider.list_posts(
            PostFilter(statuses=("failed", "partially_failed"), platforms=("linkedin",))
        )
    assert page.posts
    for post in page.posts:
        assert post.failed, post
        assert "linkedin" in {d.platform for d in post.destinations}


@pytest.mark.asyncio
async def test_post_results_accounts_and_health_read_cleanly(sim: SimServer) -> None:
    async with client(sim) as provider:
        post, account_id = await a_failed_destination(provider)
        again = await provider.get_post(post.post_id)
        light = await provider.results(post.post_id)
        accounts = await provider.accounts()
        health = await provider.account_health(accounts[0].account_id)
    assert again.post_id == post.post_id
    assert again.destination(account_id) is not None
    assert {d.account_id for d in light.destinations} == {d.account_id for d in again.destinations}
    assert len(accounts) == 16
    assert all(a.health is not None for a in accounts)
    assert health.account_id == accounts[0].account_id
    assert health.status in ("healthy", "warning", "broken")
    assert provider.rate_limit.limit == 1000


@pytest.mark.asyncio
async def test_camel_case_meta_and_missing_error_key_are_understood(sim: SimServer) -> None:
    sim.configure(camel_case_meta=True, omit_null_error=True)
    async with client(sim) as provider:
        page = await provider.list_posts(PostFilter(), limit=3)
        with pytest.raises(NotFound) as caught:
            await provider.get_post("no-such-post")
    assert len(page.posts) == 3
    assert caught.value.request_id  # from meta.requestId


# -- retry -----------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_retry_is_applied_once_then_nothing_is_left_to_retry(sim: SimServer) -> None:
    async with client(sim) as provider:
        post, account_id = await a_failed_destination(provider)
        ack = await provider.retry(post, [account_id], idempotency_key="intent-1")
        with pytest.raises(NothingToRetry) as caught:
            await provider.retry(post, [account_id])
    assert ack.retried_count == 1
    assert [(d.account_id, d.status) for d in ack.destinations] == [(account_id, Status.QUEUED)]
    stats = sim.stats()
    assert stats["retries_applied"] == {f"{post.post_id}|{account_id}": 1}
    assert stats["retries_applied_by_intent"] == {"intent-1": {f"{post.post_id}|{account_id}": 1}}
    assert caught.value.code == "no_failed_destinations"
    assert caught.value.http_status == 409


@pytest.mark.asyncio
async def test_a_retried_destination_settles_as_polling_shows(sim: SimServer) -> None:
    sim.configure(queued_s=0.05, publishing_s=0.05)
    async with client(sim) as provider:
        post, account_id = await a_failed_destination(provider)
        await provider.retry(post, [account_id])
        deadline = time.monotonic() + 5
        destination = None
        while time.monotonic() < deadline:
            destination = (await provider.results(post.post_id)).destination(account_id)
            if destination is not None and destination.status.settled:
                break
    assert destination is not None
    assert destination.status is Status.PUBLISHED  # success_odds=1.0


@pytest.mark.asyncio
async def test_server_error_rows(sim: SimServer) -> None:
    async with client(sim) as provider:
        post, _ = await a_failed_destination(provider)
        with pytest.raises(NotFound) as missing:
            await provider.retry(Post(post_id="no-such-post", destinations=()), ["1"])
        with pytest.raises(ValidationFailed) as unknown_account:
            await provider.retry(post, ["999999"])
        with pytest.raises(BadRequest) as bad_filter:
            await provider.list_posts(PostFilter(account_id="not-a-number"))
    assert missing.value.code == "not_found"
    assert missing.value.message == "Post not found."
    assert missing.value.request_id
    assert unknown_account.value.code == "validation_error"
    assert bad_filter.value.http_status == 400
    assert sim.stats()["retries_applied"] == {}


@pytest.mark.asyncio
async def test_a_wrong_key_is_unauthorized_and_never_shown(sim: SimServer) -> None:
    wrong = "pe_live_ffffffffffffffffffffffffffffffff"
    async with client(sim, wrong) as provider:
        with pytest.raises(Unauthorized) as caught:
            await provider.accounts()
    assert caught.value.code == "unauthorized"
    assert wrong not in str(caught.value)


@pytest.mark.asyncio
async def test_a_429_on_a_retry_is_returned_to_the_caller_and_nothing_applied(
    sim: SimServer,
) -> None:
    async with client(sim) as provider:
        post, account_id = await a_failed_destination(provider)
        sim.configure(burst_429=1)
        with pytest.raises(RateLimited) as caught:
            await provider.retry(post, [account_id])
    assert caught.value.retry_after is not None
    assert caught.value.retry_after >= 1
    assert statuses(sim, f"POST {PREFIX}/posts/{{post_id}}/retry") == {"429": 1}
    assert sim.stats()["retries_applied"] == {}


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [(402, "payment_required", PaymentRequired), (403, "forbidden", Forbidden)],
)
async def test_402_and_403_on_a_retry_are_typed_and_nothing_is_applied(
    sim: SimServer, status: int, code: str, kind: type[ProviderError]
) -> None:
    async with client(sim) as provider:
        post, account_id = await a_failed_destination(provider)
        sim.configure(retry_error={"status": status, "message": "Refused by the plan."})
        with pytest.raises(kind) as single:
            await provider.retry(post, [account_id], idempotency_key="k-1")
        with pytest.raises(kind) as bulk:
            await provider.retry_failed(post_ids=[post.post_id], idempotency_key="k-2")
        reread = await provider.get_post(post.post_id)
    for caught in (single, bulk):
        assert (caught.value.code, caught.value.http_status) == (code, status)
        assert caught.value.message == "Refused by the plan."
        assert caught.value.request_id
    destination = reread.destination(account_id)
    assert destination is not None
    assert destination.status is Status.FAILED
    stats = sim.stats()
    assert stats["retries_applied"] == {}
    assert stats["faults"]["retry_error"] == 2
    assert statuses(sim, f"POST {PREFIX}/posts/{{post_id}}/retry") == {str(status): 1}
    assert statuses(sim, f"POST {PREFIX}/posts/retry-failed") == {str(status): 1}


@pytest.mark.asyncio
async def test_a_get_waits_out_a_429_and_succeeds(sim: SimServer) -> None:
    sim.configure(burst_429=1)
    started = time.monotonic()
    async with client(sim) as provider:
        accounts = await provider.accounts()
    assert len(accounts) == 16
    assert time.monotonic() - started >= 1.0  # the Retry-After of 1 s was honoured
    assert statuses(sim, f"GET {PREFIX}/accounts") == {"429": 1, "200": 1}


@pytest.mark.asyncio
async def test_5xx_answers_are_server_errors_and_a_retry_is_never_repeated(
    sim: SimServer,
) -> None:
    async with client(sim) as provider:
        post, account_id = await a_failed_destination(provider)
        sim.configure(error_5xx_odds=1.0)
        seen: set[int | None] = set()
        for _ in range(12):
            with pytest.raises(ServerError) as caught:
                await provider.get_post(post.post_id)
            seen.add(caught.value.http_status)
        with pytest.raises((ServerError, OutcomeUnknown)):
            await provider.retry(post, [account_id])
    assert seen == {500, 502, 503}
    assert sum(statuses(sim, f"POST {PREFIX}/posts/{{post_id}}/retry").values()) == 1


@pytest.mark.asyncio
async def test_a_connection_dropped_after_the_retry_applied_is_outcome_unknown(
    sim: SimServer,
) -> None:
    async with client(sim) as provider:
        post, account_id = await a_failed_destination(provider)
        sim.configure(drop_after_apply_odds=1.0)
        with pytest.raises(OutcomeUnknown):
            await provider.retry(post, [account_id])
        sim.configure(drop_after_apply_odds=0.0)
        reread = await provider.get_post(post.post_id)
    # The retry was applied, exactly once: the client did not resend it.
    assert sim.stats()["retries_applied"] == {f"{post.post_id}|{account_id}": 1}
    assert statuses(sim, f"POST {PREFIX}/posts/{{post_id}}/retry") == {"dropped": 1}
    destination = reread.destination(account_id)
    assert destination is not None
    assert destination.status is not Status.FAILED or destination.attempts > 0


@pytest.mark.asyncio
async def test_a_slow_answer_times_out_and_a_slow_retry_is_outcome_unknown(
    sim: SimServer,
) -> None:
    async with client(sim, timeout=0.3) as provider:
        post, account_id = await a_failed_destination(provider)
        sim.configure(latency_ms=800)
        with pytest.raises(TimedOut):
            await provider.get_post(post.post_id)
        with pytest.raises(OutcomeUnknown):
            await provider.retry(post, [account_id])
    # Sent once, never again, although no answer came.
    route = f"POST {PREFIX}/posts/{{post_id}}/retry"
    assert sum((await counted_when_answered(sim, route, 1)).values()) == 1


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("kind", "on_get", "on_retry"),
    [
        ("html_200", MalformedResponse, OutcomeUnknown),
        ("html_502", ServerError, OutcomeUnknown),
        ("truncated_json", MalformedResponse, OutcomeUnknown),
        ("wrong_types", MalformedResponse, OutcomeUnknown),
        ("data_list", MalformedResponse, OutcomeUnknown),
    ],
)
async def test_malformed_answers_are_typed(
    sim: SimServer, kind: str, on_get: type[Exception], on_retry: type[Exception]
) -> None:
    async with client(sim) as provider:
        post, account_id = await a_failed_destination(provider)
        sim.configure(malformed_odds=1.0, malformed_kinds=[kind])
        # (wrong_types breaks the first list of a body: the posts, the accounts.)
        with pytest.raises(on_get):
            await provider.list_posts(PostFilter(), limit=5)
        with pytest.raises(on_get):
            await provider.accounts()
        # The retry was applied and answered 2xx (or a gateway page): unknown, not failed.
        with pytest.raises(on_retry):
            await provider.retry(post, [account_id])
    assert sim.stats()["retries_applied"] == {f"{post.post_id}|{account_id}": 1}


# -- pacing ------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.asyncio
async def test_a_burst_of_30_concurrent_calls_gets_no_429() -> None:
    config = SimConfig(seed=1, posts=120, rate_limit=5, rate_window_s=2, **QUIET)
    with SimServer(config, port=0) as sim:
        started = time.monotonic()
        async with client(sim) as provider:
            # (Interactive: background calls would keep a reserve and take a window longer;
            # the reserve has its own tests on a fake clock.)
            pages = await asyncio.gather(
                *(provider.list_posts(PostFilter(), str(i), limit=1) for i in range(30))
            )
            left = provider.rate_limit
        elapsed = time.monotonic() - started
        assert statuses(sim, f"GET {PREFIX}/posts") == {"200": 30}
        assert sim.stats()["rate_limited"] == 0
    assert [len(page.posts) for page in pages] == [1] * 30
    assert left.limit == 5
    # 30 requests at 5 per 2 s need at least 5 windows after the first.
    assert elapsed >= 10
    print(f"\n30 concurrent calls at 5 per 2 s: {elapsed:.1f} s, no 429")
