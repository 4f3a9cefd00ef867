"""Zernio against the simulator over loopback HTTP: every failure read once by status and
page, the whole-post retry in both readings (checked from the simulator's own counters), each
refusal typed, faults survived without a resend, the team's rate-limit headers, and the key
never logged."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from postretry_gui.domain import Post, Status
from postretry_gui.domain.errors import (
    DuplicateContent,
    Forbidden,
    MalformedResponse,
    NotFound,
    NothingToRetry,
    OutcomeUnknown,
    PaymentRequired,
    ProviderError,
    RateLimited,
    ReconnectRequired,
    ServerError,
    TooManyRateLimits,
    Unauthorized,
)
from postretry_gui.domain.status import FAILURE_POST_STATUSES, OTHER_POST_STATUSES
from postretry_gui.providers.base import PostFilter
from postretry_gui.providers.pacing import RatePacer
from postretry_gui.providers.zernio import CAPABILITIES, ZernioProvider
from postretry_gui.sim import DEMO_ZER_KEY, SimConfig, SimServer

RETRY = "POST /zernio/api/v1/posts/{post_id}/retry"
FAST = {"rate_limit": None, "zernio_rate_limit": None, "success_odds": 1.0}
FAILURES = PostFilter(statuses=FAILURE_POST_STATUSES)


@pytest.fixture
def sim(request: pytest.FixtureRequest) -> Iterator[SimServer]:
    knobs: dict[str, Any] = {**FAST, **getattr(request, "param", {})}
    with SimServer(SimConfig(seed=13, zernio_posts=90, **knobs), port=0) as server:
        yield server


def client(sim: SimServer, **kw: Any) -> ZernioProvider:
    kw.setdefault("pacer", RatePacer(unknown_window_s=0.05, jitter_s=0.0))
    return ZernioProvider(sim.zernio_url, kw.pop("api_key", DEMO_ZER_KEY), **kw)


def retry_answers(sim: SimServer) -> dict[str, int]:
    return dict(sim.stats()["requests"].get(RETRY, {}))


def retries_sent(sim: SimServer) -> int:
    return sum(retry_answers(sim).values())


def applied(sim: SimServer) -> dict[str, int]:
    return dict(sim.stats()["zernio"]["retries_applied"])


async def every_post(provider: ZernioProvider, post_filter: PostFilter, size: int) -> list[Post]:
    posts: list[Post] = []
    cursor: str | None = None
    while True:
        page = await provider.list_posts(post_filter, cursor, size)
        posts += page.posts
        cursor = page.next_cursor
        if cursor is None:
            return posts


async def a_failure(provider: ZernioProvider, *, fixable: bool = True) -> Post:
    for post in await every_post(provider, FAILURES, 100):
        categories = {d.error_code for d in post.failed}
        temporary = categories <= {"platform_error", "rate_limited", "system", "unknown"}
        if post.failed and temporary == fixable:
            return post
    raise AssertionError("no such post in the seeded data")


@pytest.mark.asyncio
@pytest.mark.parametrize("size", [7, 100])
async def test_every_post_is_read_once_failures_first(sim: SimServer, size: int) -> None:
    async with client(sim) as provider:
        failures = await every_post(provider, FAILURES, size)
        others = await every_post(provider, PostFilter(statuses=OTHER_POST_STATUSES), size)
    ids = [p.post_id for p in failures + others]
    assert len(ids) == len(set(ids))
    assert {p.post_id for p in failures} == {
        p.id for p in sim._context().zer.posts if p.status in ("failed", "partial")
    }
    assert all(p.failed for p in failures)
    assert len(ids) == 90


@pytest.mark.asyncio
async def test_a_retry_is_sent_once_and_its_answer_is_the_post_after_it(sim: SimServer) -> None:
    async with client(sim) as provider:
        post = await a_failure(provider)
        ack = await provider.retry(post, [d.account_id for d in post.failed])
        again = await provider.get_post(post.post_id)
        with pytest.raises(NothingToRetry):  # 400 "Invalid state": nothing failed any more
            await provider.retry(again, [post.failed[0].account_id])
    assert {d.status for d in ack.destinations} == {Status.PUBLISHED}
    assert again.failed == ()
    assert applied(sim) == {post.post_id: 1}
    assert retries_sent(sim) == 1, "the refused second retry never left: nothing had failed"


@pytest.mark.asyncio
async def test_a_207_names_what_failed_again(sim: SimServer) -> None:
    async with client(sim) as provider:
        post = await a_failure(provider, fixable=False)
        ack = await provider.retry(post, [d.account_id for d in post.failed])
    assert Status.FAILED in {d.status for d in ack.destinations}
    assert ack.message
    assert retry_answers(sim) == {"207": 1}


@pytest.mark.asyncio
@pytest.mark.parametrize("sim", [{"zernio_retry_mode": "async", "queued_s": 5.0}], indirect=True)
async def test_in_the_async_reading_a_second_retry_meanwhile_is_final(sim: SimServer) -> None:
    async with client(sim) as provider:
        post = await a_failure(provider)
        ack = await provider.retry(post, [post.failed[0].account_id])
        with pytest.raises(NothingToRetry) as caught:
            await provider.retry(post, [post.failed[0].account_id])
    assert {d.status for d in ack.destinations} == {Status.QUEUED}
    assert caught.value.http_status == 409
    assert applied(sim) == {post.post_id: 1}
    assert retries_sent(sim) == 2


RETRY_ERRORS = [
    ({"status": 409, "code": "DUPLICATE_CONTENT"}, DuplicateContent),
    ({"status": 403, "code": "ACCOUNT_DISCONNECTED"}, ReconnectRequired),
    ({"status": 403, "code": "insufficient_permissions"}, Forbidden),
    ({"status": 402}, PaymentRequired),
    ({"status": 400}, NothingToRetry),
    ({"status": 429}, RateLimited),
    ({"status": 404}, NotFound),
    ({"status": 401}, Unauthorized),
    ({"status": 504}, OutcomeUnknown),
]


@pytest.mark.asyncio
@pytest.mark.parametrize(("knob", "kind"), RETRY_ERRORS, ids=[str(k) for k, _ in RETRY_ERRORS])
async def test_each_refusal_is_typed_sent_once_and_nothing_applied(
    sim: SimServer, knob: dict[str, Any], kind: type[ProviderError]
) -> None:
    async with client(sim) as provider:
        post = await a_failure(provider)
        sim.configure(retry_error={**knob, "api": "zernio", "post_ids": [post.post_id]})
        with pytest.raises(kind):
            await provider.retry(post, [post.failed[0].account_id])
        reread = await provider.get_post(post.post_id)
    assert reread.failed == post.failed
    assert applied(sim) == {}
    assert retries_sent(sim) == 1


@pytest.mark.asyncio
async def test_a_dropped_answer_is_outcome_unknown_and_never_resent(sim: SimServer) -> None:
    async with client(sim) as provider:
        post = await a_failure(provider)
        sim.configure(drop_after_apply_odds=1.0, fault_routes=["POST /zernio"])
        with pytest.raises(OutcomeUnknown):
            await provider.retry(post, [post.failed[0].account_id])
        sim.configure(drop_after_apply_odds=0.0)
        reread = await provider.get_post(post.post_id)
    assert not reread.failed
    assert applied(sim) == {post.post_id: 1}
    assert retries_sent(sim) == 1


@pytest.mark.asyncio
async def test_server_errors_are_typed_and_a_retry_behind_them_is_never_applied(
    sim: SimServer,
) -> None:
    async with client(sim) as provider:
        post = await a_failure(provider)
        sim.configure(error_5xx_odds=1.0)
        with pytest.raises(ServerError):
            await provider.get_post(post.post_id)
        with pytest.raises((ServerError, OutcomeUnknown)):
            await provider.retry(post, [post.failed[0].account_id])
    assert applied(sim) == {}
    assert retries_sent(sim) == 1


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "kind", ["html_200", "html_502", "truncated_json", "wrong_types", "data_list"]
)
async def test_malformed_answers_are_typed(sim: SimServer, kind: str) -> None:
    sim.configure(malformed_odds=1.0, malformed_kinds=[kind], fault_routes=["GET /zernio"])
    async with client(sim) as provider:
        with pytest.raises(ProviderError) as caught:
            await provider.list_posts(FAILURES)
    assert isinstance(caught.value, ServerError if kind == "html_502" else MalformedResponse)


@pytest.mark.asyncio
@pytest.mark.parametrize("sim", [{"zernio_rate_limit": 3}], indirect=True)
async def test_the_headers_count_down_and_the_pacer_waits_rather_than_hammering(
    sim: SimServer,
) -> None:
    sim.configure(rate_time_scale=0.02)  # a minute of 1.2 s
    async with client(sim) as provider:
        seen = []
        for _ in range(3):
            await provider.accounts()
            seen.append(provider.rate_limit.remaining)
        await provider.accounts()  # waits for the window instead of earning a 429
    assert seen == [2, 1, 0]
    assert provider.rate_limit.limit == 3
    assert sim.stats()["rate_limited"] == 0


@pytest.mark.asyncio
@pytest.mark.parametrize("sim", [{"burst_429": 5}], indirect=True)
async def test_429s_in_a_row_stop_reads_and_a_retry_is_never_repeated(sim: SimServer) -> None:
    async with client(sim) as provider:
        post = sim._context().zer.posts[0]
        with pytest.raises((RateLimited, TooManyRateLimits)):
            await provider.get_post(post.id)
        stale = Post(post.id, ())
        with pytest.raises(NothingToRetry):  # nothing known failed: not even sent
            await provider.retry(stale, ["a"])
    assert retries_sent(sim) == 0


@pytest.mark.asyncio
async def test_the_key_is_never_logged(sim: SimServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with client(sim) as provider:
        post = await a_failure(provider)
        await provider.retry(post, [d.account_id for d in post.failed])
    async with client(sim, api_key="sk_live_wrong_key_0000") as wrong:
        with pytest.raises(Unauthorized):
            await wrong.accounts()
    assert DEMO_ZER_KEY not in caplog.text
    assert "sk_live_wrong_key_0000" not in caplog.text
    assert CAPABILITIES.per_destination_retry is False
