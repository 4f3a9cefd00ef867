"""Ayrshare against the simulator over loopback HTTP: history in both shapes, the once-only
retry (checked from the simulator's own counters), the error codes it can produce, both
rate-limit header styles, and the four secrets (never logged)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest

from postretry_gui.domain import Destination, Post, Status
from postretry_gui.domain.errors import (
    AlreadyRetried,
    BadRequest,
    DuplicateContent,
    Forbidden,
    MalformedResponse,
    NotFound,
    OutcomeUnknown,
    PaymentRequired,
    ProviderError,
    ProviderSecretMissing,
    RateLimited,
    ReconnectRequired,
    ServerError,
    TooManyRateLimits,
    Unauthorized,
)
from postretry_gui.providers.ayrshare import AyrshareProvider
from postretry_gui.providers.ayrshare.networks import goes_to_x
from postretry_gui.providers.base import PostFilter
from postretry_gui.providers.pacing import RatePacer
from postretry_gui.sim import DEMO_AYR_KEY, SimConfig, SimServer

X_KEY = "xapp-key-5150-secret"
X_SECRET = "xapp-secret-8086-secret"
PROFILE = "profile-key-1999-secret"
FAST = {
    "rate_limit": None,
    "ayrshare_rate_limit": None,
    "queued_s": 0.05,
    "publishing_s": 0.05,
    "success_odds": 1.0,
}
FAILURES = PostFilter(statuses=("failed",))


@pytest.fixture
def sim(request: pytest.FixtureRequest) -> Iterator[SimServer]:
    knobs: dict[str, Any] = {**FAST, **getattr(request, "param", {})}
    with SimServer(SimConfig(seed=11, ayrshare_posts=80, **knobs), port=0) as server:
        yield server


def client(sim: SimServer, **kw: Any) -> AyrshareProvider:
    kw.setdefault("x_api_key", X_KEY)
    kw.setdefault("x_api_secret", X_SECRET)
    kw.setdefault("last_days", 0)
    kw.setdefault("backoff_s", 0.01)
    # A short unknown window: the new-style headers name no reset.
    kw.setdefault("pacer", RatePacer(unknown_window_s=0.05, jitter_s=0.0))
    return AyrshareProvider(sim.ayrshare_url, kw.pop("api_key", DEMO_AYR_KEY), **kw)


def ayr(sim: SimServer) -> dict[str, Any]:
    return dict(sim.stats()["ayrshare"])


def retry_calls(sim: SimServer) -> int:
    by_status = sim.stats()["requests"].get("PUT /ayrshare/api/post/retry", {})
    return sum(by_status.values())


async def all_failures(provider: AyrshareProvider, page_size: int) -> list[Post]:
    posts: list[Post] = []
    cursor: str | None = None
    for _ in range(100):
        page = await provider.list_posts(FAILURES, cursor, page_size)
        posts += page.posts
        cursor = page.next_cursor
        if cursor is None:
            return posts
    raise AssertionError("paging never ended")


async def a_failure(provider: AyrshareProvider, *, to_x: bool) -> Post:
    """A failed post whose failures are transient (no relink, no duplicate)."""
    for post in await all_failures(provider, 1000):
        transient = all(d.error_code in ("500", "503") for d in post.failed)
        if post.failed and transient and goes_to_x(post) is to_x:
            return post
    raise AssertionError("the seeded data has such a post")


async def settle(provider: AyrshareProvider, post_id: str) -> Post:
    """Read the post until no destination is on its way (bounded by a deadline)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        post = await provider.get_post(post_id)
        if not post.in_flight:
            return post
        await asyncio.sleep(0.02)  # the simulator settles on its own clock
    raise AssertionError("the retried post never settled")


# -- history -----------------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "sim", [{"history_shape": "object"}, {"history_shape": "list"}], indirect=True, ids=str
)
async def test_every_failed_post_is_read_once_in_either_history_shape(sim: SimServer) -> None:
    expected = {p.id for p in sim._context().ayr.posts if p.status == "error"}
    async with client(sim) as provider:
        paged = await all_failures(provider, 7)  # small pages: endDate paging is exercised
        whole = await all_failures(provider, 1000)
    assert {p.post_id for p in whole} == expected
    assert {p.post_id for p in paged} == expected
    assert all(p.failed for p in whole), "every error post shows a failed destination"
    # Only the boundary post of each full page may be read twice.
    assert len(paged) - len(expected) <= len(expected) // 7 + 1


@pytest.mark.asyncio
async def test_every_status_reaches_the_all_tab_and_last_days_bounds_history(
    sim: SimServer,
) -> None:
    async with client(sim) as provider:
        everything = []
        cursor: str | None = None
        others = PostFilter(statuses=("publishing", "scheduled", "published", "draft"))
        for _ in range(20):
            page = await provider.list_posts(others, cursor, 1000)
            everything += page.posts
            if (cursor := page.next_cursor) is None:
                break
    async with client(sim, last_days=7) as recent:
        week = (await recent.list_posts(PostFilter(), None, 1000)).posts
    shown = {"success", "pending", "processing", "paused", "awaiting approval"}
    expected = {p.id for p in sim._context().ayr.posts if p.status in shown}
    assert {p.post_id for p in everything} == expected
    cutoff = time.time() - 7 * 86_400
    # Without a status filter Ayrshare leaves deleted posts out.
    assert {p.post_id for p in week} == {
        p.id for p in sim._context().ayr.posts if p.created >= cutoff and p.status != "deleted"
    }


# -- the once-only retry -------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_retry_is_applied_once_and_a_second_answers_329(sim: SimServer) -> None:
    async with client(sim) as provider:
        post = await a_failure(provider, to_x=False)
        ack = await provider.retry(post, [post.failed[0].account_id], idempotency_key="i-1")
        assert {d.status for d in ack.destinations} == {Status.QUEUED}
        settled = await settle(provider, post.post_id)
        with pytest.raises(AlreadyRetried) as caught:
            await provider.retry(post, [post.failed[0].account_id], idempotency_key="i-2")
    assert {d.status for d in settled.destinations} == {Status.PUBLISHED}
    assert caught.value.code == "329"
    assert caught.value.http_status == 400
    stats = ayr(sim)
    assert stats["retries_applied"] == {post.post_id: 1}
    assert stats["retries_applied_by_intent"] == {"i-1": {post.post_id: 1}}
    assert retry_calls(sim) == 2


@pytest.mark.asyncio
async def test_the_x_keys_go_only_with_the_retry_of_a_post_to_x(sim: SimServer) -> None:
    async with client(sim) as provider:
        to_x = await a_failure(provider, to_x=True)
        not_to_x = await a_failure(provider, to_x=False)
        sim.reset_stats()
        await provider.retry(to_x, [to_x.failed[0].account_id])
        await provider.get_post(to_x.post_id)
        await provider.retry(not_to_x, [not_to_x.failed[0].account_id])
        await provider.list_posts(FAILURES)
    headers = ayr(sim)["headers_present"]
    for name in ("x_twitter_oauth1_api_key", "x_twitter_oauth1_api_secret"):
        assert headers[name] == {"true": 1, "false": 3}
    assert ayr(sim)["retries_applied"] == {to_x.post_id: 1, not_to_x.post_id: 1}


@pytest.mark.asyncio
async def test_without_x_keys_a_post_to_x_is_not_sent_at_all(sim: SimServer) -> None:
    async with client(sim, x_api_key=None, x_api_secret=None) as provider:
        post = await a_failure(provider, to_x=True)
        with pytest.raises(ProviderSecretMissing, match="X/Twitter"):
            await provider.retry(post, [post.failed[0].account_id])
    assert retry_calls(sim) == 0


@pytest.mark.asyncio
async def test_the_profile_key_travels_with_every_request_and_picks_the_profile(
    sim: SimServer,
) -> None:
    async with client(sim) as primary, client(sim, profile_key=PROFILE) as other:
        primary_user = await primary.user()
        other_user = await other.user()
        await other.list_posts(FAILURES)
    assert ayr(sim)["headers_present"]["profile_key"] == {"true": 2, "false": 1}
    assert primary_user.active_social_accounts != other_user.active_social_accounts


@pytest.mark.asyncio
async def test_profiles_are_walked_by_cursor_and_accounts_come_from_the_user(
    sim: SimServer,
) -> None:
    async with client(sim) as provider:
        profiles = await provider.profiles(page_size=3)
        accounts = await provider.accounts()
        post = (await provider.list_posts(FAILURES)).posts[0]
    assert [p.title for p in profiles][:2] == ["Primary Profile", "Acme Coffee"]
    assert len(profiles) == len(sim._context().ayr.profiles)
    assert [a.account_id for a in accounts] == list(sim._context().ayr.profiles[0].platforms)
    assert all(a.health is not None and not a.health.requires_reconnect for a in accounts)
    linked = {a.account_id for a in accounts}
    for destination in post.destinations:
        # Display names from /user fill in the networks the profile has linked.
        assert bool(destination.account_name) == (destination.account_id in linked)


# -- errors the simulator can produce ---------------------------------------------------------


@pytest.mark.asyncio
async def test_a_wrong_key_is_unauthorized(sim: SimServer) -> None:
    async with client(sim, api_key="ayr_live_not_a_test_key") as provider:
        with pytest.raises(Unauthorized) as caught:
            await provider.list_posts(FAILURES)
    assert (caught.value.code, caught.value.http_status) == ("102", 401)


@pytest.mark.asyncio
async def test_an_unknown_post_is_not_found_for_a_read_and_a_retry(sim: SimServer) -> None:
    ghost = Post("no-such-post", (Destination("linkedin", "linkedin", Status.FAILED),))
    async with client(sim) as provider:
        with pytest.raises(NotFound) as read:
            await provider.get_post("no-such-post")
        with pytest.raises(NotFound):
            await provider.retry(ghost, ["linkedin"])
    assert read.value.code == "144"


@pytest.mark.asyncio
@pytest.mark.parametrize("sim", [{"ayrshare_plan": "basic"}], indirect=True)
async def test_a_plan_without_retry_is_forbidden_and_nothing_is_applied(sim: SimServer) -> None:
    async with client(sim) as provider:
        post = await a_failure(provider, to_x=False)
        with pytest.raises(Forbidden, match="Premium") as caught:
            await provider.retry(post, [post.failed[0].account_id])
    assert caught.value.code == "169"
    assert ayr(sim)["retries_applied"] == {}


@pytest.mark.asyncio
async def test_a_post_that_is_not_in_error_cannot_be_retried(sim: SimServer) -> None:
    pending = next(p for p in sim._context().ayr.posts if p.status == "pending")
    stale = Post(pending.id, (Destination(pending.platforms[0], "x", Status.FAILED),))
    async with client(sim) as provider:
        with pytest.raises(BadRequest) as caught:
            await provider.retry(stale, [pending.platforms[0]])
    assert caught.value.code == "330"
    assert ayr(sim)["retries_applied"] == {}


@pytest.mark.asyncio
async def test_server_errors_are_typed_and_a_retry_behind_them_is_never_applied(
    sim: SimServer,
) -> None:
    async with client(sim) as provider:
        post = await a_failure(provider, to_x=False)
        sim.configure(error_5xx_odds=1.0)
        with pytest.raises(ServerError) as read:
            await provider.get_post(post.post_id)
        with pytest.raises((ServerError, OutcomeUnknown)) as retried:
            await provider.retry(post, [post.failed[0].account_id])
    assert read.value.http_status in (500, 502, 503, 504)
    assert retried.value.http_status in (500, 502, 503, 504)
    assert ayr(sim)["retries_applied"] == {}
    assert retry_calls(sim) == 1


@pytest.mark.asyncio
async def test_a_dropped_answer_is_outcome_unknown_and_never_resent(sim: SimServer) -> None:
    async with client(sim) as provider:
        post = await a_failure(provider, to_x=False)
        sim.configure(drop_after_apply_odds=1.0, fault_routes=["PUT /ayrshare"])
        with pytest.raises(OutcomeUnknown):
            await provider.retry(post, [post.failed[0].account_id], idempotency_key="lost")
        sim.configure(drop_after_apply_odds=0.0)
        # Re-reading shows it was applied; sending it again would only earn a 329.
        reread = await provider.get_post(post.post_id)
    assert reread.in_flight or not reread.failed
    assert ayr(sim)["retries_applied"] == {post.post_id: 1}
    assert retry_calls(sim) == 1


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "kind", ["html_200", "html_502", "truncated_json", "wrong_types", "data_list"]
)
async def test_malformed_answers_are_typed(sim: SimServer, kind: str) -> None:
    sim.configure(malformed_odds=1.0, malformed_kinds=[kind], fault_routes=["GET /ayrshare"])
    async with client(sim) as provider:
        with pytest.raises(ProviderError) as caught:
            await provider.list_posts(FAILURES)
    expected = ServerError if kind == "html_502" else MalformedResponse
    assert isinstance(caught.value, expected)


# -- every error code of the contract, from the simulator's retry_error knob -------------------

RETRY_ERRORS = [
    # (the knob, the typed error, what its message starts with)
    (
        {"code": 156, "platform": "linkedin", "message": "LinkedIn account is not linked."},
        ReconnectRequired,
        "LinkedIn: LinkedIn account is not linked.",
    ),
    (
        {"code": 161, "platform": "facebook", "message": "Facebook authorization error."},
        ReconnectRequired,
        "Facebook: Facebook authorization error.",
    ),
    (
        {"code": 272, "platform": "twitter", "message": "X/Twitter authorization error."},
        ReconnectRequired,
        "X: X/Twitter authorization error.",
    ),
    (
        {"code": 110, "platform": "twitter", "message": "Status is a duplicate."},
        DuplicateContent,
        "Status is a duplicate.",
    ),
    (
        {"code": 107, "platform": "facebook", "message": "This status update is identical."},
        DuplicateContent,
        "This status update is identical.",
    ),
    (
        {"code": 329, "message": "This post was already retried and cannot be retried again."},
        AlreadyRetried,
        "This post was already retried",
    ),
    ({"status": 402, "code": 402, "message": "Payment required."}, PaymentRequired, "Payment"),
    ({"status": 504, "code": 504, "message": "Gateway timeout."}, OutcomeUnknown, "A gateway"),
]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("knob", "kind", "starts"), RETRY_ERRORS, ids=[str(k["code"]) for k, _, _ in RETRY_ERRORS]
)
async def test_each_retry_error_code_is_typed_and_the_simulator_applied_nothing(
    sim: SimServer, knob: dict[str, Any], kind: type[ProviderError], starts: str
) -> None:
    async with client(sim) as provider:
        post = await a_failure(provider, to_x=knob.get("platform") == "twitter")
        sim.configure(retry_error={"status": 400, **knob, "post_ids": [post.post_id]})
        with pytest.raises(kind) as caught:
            await provider.retry(post, [post.failed[0].account_id], idempotency_key="k-1")
        reread = await provider.get_post(post.post_id)
    assert caught.value.message.startswith(starts)
    assert caught.value.code == str(knob["code"])
    assert caught.value.http_status == knob.get("status", 400)
    # Nothing applied: the post still reads as it did, and the retry was sent once.
    assert reread.failed == post.failed
    assert not reread.in_flight
    assert not sim._context().ayr.by_id[post.post_id].retried
    assert ayr(sim)["retries_applied"] == {}
    assert sim.stats()["faults"]["retry_error"] == 1
    assert retry_calls(sim) == 1


@pytest.mark.asyncio
async def test_a_504_on_a_read_is_a_server_error(sim: SimServer) -> None:
    """Ayrshare's gateways answer 504: the 5xx fault draws it among 500/502/503 (seeded)."""
    post_id = sim._context().ayr.posts[0].id
    sim.configure(error_5xx_odds=1.0)
    seen: list[ProviderError] = []
    async with client(sim) as provider:
        for _ in range(40):
            with pytest.raises(ServerError) as caught:
                await provider.get_post(post_id)
            seen.append(caught.value)
            if caught.value.http_status == 504:
                break
    assert seen[-1].http_status == 504
    assert retry_calls(sim) == 0


# -- rate limits -------------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "sim", [{"ayrshare_rate_limit": 4, "ayrshare_header_style": "new"}], indirect=True
)
async def test_new_style_headers_count_down_and_429s_stop_the_client(sim: SimServer) -> None:
    async with client(sim) as provider:
        seen = []
        for _ in range(4):
            await provider.get_post(sim._context().ayr.posts[0].id)
            seen.append((provider.rate_limit.limit, provider.rate_limit.remaining))
        with pytest.raises(TooManyRateLimits, match="suspends profiles"):
            await provider.get_post(sim._context().ayr.posts[0].id)
        with pytest.raises(TooManyRateLimits):
            await provider.list_posts(FAILURES)  # stopped: not even sent
    assert seen == [(4, 3), (4, 2), (4, 1), (4, 0)]
    assert sim.stats()["rate_limited"] == 3  # three 429s in a row, then silence


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "sim", [{"ayrshare_rate_limit": 3, "ayrshare_header_style": "old"}], indirect=True
)
async def test_old_style_reset_in_milliseconds_is_waited_for_without_a_single_429(
    sim: SimServer,
) -> None:
    async with client(sim) as provider:
        for _ in range(3):
            await provider.get_post(sim._context().ayr.posts[0].id)
        state = provider.rate_limit
        with pytest.raises(RateLimited, match="may leave in") as caught:
            await provider.get_post(sim._context().ayr.posts[0].id)
    assert state.remaining == 0
    assert state.reset_at is not None
    # The window is 300 s: "milliseconds left" read as seconds would say 83 hours.
    assert 250 <= state.reset_at - time.time() <= 300
    assert caught.value.retry_after is not None
    assert caught.value.retry_after <= 300
    assert sim.stats()["rate_limited"] == 0


@pytest.mark.asyncio
@pytest.mark.parametrize("sim", [{"burst_429": 1}], indirect=True)
async def test_a_429_on_a_retry_is_not_repeated(sim: SimServer) -> None:
    post_id = next(p.id for p in sim._context().ayr.posts if p.status == "error")
    async with client(sim) as provider:
        sim.configure(burst_429=1)
        post = Post(post_id, (Destination("linkedin", "linkedin", Status.FAILED),))
        with pytest.raises(RateLimited):
            await provider.retry(post, ["linkedin"])
    assert retry_calls(sim) == 1
    assert ayr(sim)["retries_applied"] == {}


# -- secrets -------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_no_secret_is_ever_logged(sim: SimServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with client(sim, profile_key=PROFILE) as provider:
        post = await a_failure(provider, to_x=True)
        await provider.retry(post, [post.failed[0].account_id])
        with pytest.raises(AlreadyRetried) as caught:
            await provider.retry(post, [post.failed[0].account_id])
        await provider.accounts()
        texts = [repr(provider), str(caught.value), repr(caught.value), caplog.text]
    assert ayr(sim)["headers_present"]["x_twitter_oauth1_api_secret"]["true"] == 2
    assert "GET" in caplog.text or "PUT" in caplog.text, "debug logging was captured"
    for secret in (DEMO_AYR_KEY, PROFILE, X_KEY, X_SECRET):
        for text in texts:
            assert secret not in text
