"""Ayrshare on a MockTransport: what goes on the wire, how every contract variant reads,
every error code, the 429 breaker on a fake clock, and the four secrets."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from pe_wire import FakeClock, Wire

from postretry_gui.domain import Destination, Post, Status, Verdict, eligibility
from postretry_gui.domain.errors import (
    AlreadyRetried,
    BadRequest,
    DuplicateContent,
    Forbidden,
    MalformedResponse,
    NotFound,
    NothingToRetry,
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
from postretry_gui.domain.status import PostStatus
from postretry_gui.providers.ayrshare import CAPABILITIES, AyrshareProvider
from postretry_gui.providers.base import PostFilter
from postretry_gui.providers.pacing import RatePacer

KEY = "ayr_live_KEY0123456789abcdef"
PROFILE = "PROFILE-7f3a9c-secret"
X_KEY = "xappkey-4471-secret"
X_SECRET = "xappsecret-9923-secret"
SECRETS = (KEY, PROFILE, X_KEY, X_SECRET)
BASE = "https://ayr.test/api"


def answer(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(
        status,
        content=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def error(status: int, code: int | str, message: str, **extra: Any) -> httpx.Response:
    body = {"action": "post", "status": "error", "code": code, "message": message, **extra}
    return answer(body, status)


def item(post_id: str = "N7kaDiZAfwc544OBKlgc", **extra: Any) -> dict[str, Any]:
    """A history item as the contract's table shows it: X failed, LinkedIn published."""
    return {
        "id": post_id,
        "post": "Spring collection is live",
        "platforms": ["twitter", "linkedin"],
        "status": "error",
        "postIds": [
            {"platform": "linkedin", "status": "success", "id": "urn:1", "postUrl": "https://l/1"}
        ],
        "errors": [
            {
                "action": "post",
                "status": "error",
                "code": 500,
                "message": "X returned an internal error. Please retry.",
                "platform": "twitter",
            }
        ],
        "created": "2026-11-15T10:00:00.000Z",
        "scheduleDate": {"_seconds": 1_794_744_000, "_nanoseconds": 500_000_000, "utc": None},
        "type": "now",
        **extra,
    }


def provider_on(
    respond: Any, clock: FakeClock | None = None, **kw: Any
) -> tuple[AyrshareProvider, Wire]:
    clock = clock or FakeClock()
    wire = Wire(respond)
    pacer = RatePacer(clock=clock, sleep=clock.sleep, jitter_s=0.0)
    kw.setdefault("x_api_key", X_KEY)
    kw.setdefault("x_api_secret", X_SECRET)
    provider = AyrshareProvider(BASE, KEY, transport=wire.transport, pacer=pacer, clock=clock, **kw)
    return provider, wire


def query(request: httpx.Request) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in request.url.params.multi_items():
        out.setdefault(name, []).append(value)
    return out


def test_capabilities_say_whole_post_and_once() -> None:
    assert CAPABILITIES.display_name == "Ayrshare"
    assert CAPABILITIES.per_destination_retry is False
    assert CAPABILITIES.max_retries_per_post == 1
    assert CAPABILITIES.reconnect_url == "https://app.ayrshare.com/social-accounts"
    assert CAPABILITIES.relink_error_codes == frozenset({"156", "161", "272"})


@pytest.mark.asyncio
async def test_there_is_no_bulk_retry_one_request_per_post() -> None:
    assert CAPABILITIES.bulk_max_posts == 0
    provider, wire = provider_on(lambda r: answer({}))
    async with provider:
        with pytest.raises(BadRequest):
            await provider.retry_bulk("twitter", ["p1", "p2"], idempotency_key="k")
    assert wire.requests == []


# -- history -----------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_failures_are_asked_for_with_status_error_and_every_filter() -> None:
    provider, wire = provider_on(lambda r: answer({"history": []}), last_days=7)
    async with provider:
        page = await provider.list_posts(
            PostFilter(statuses=("failed", "partially_failed"), platforms=("x", "linkedin")),
            limit=5000,
        )
    assert page.posts == ()
    assert page.next_cursor is None
    request = wire.requests[0]
    assert request.url.path == "/api/history"
    assert query(request) == {
        "lastDays": ["7"],
        "limit": ["1000"],  # clamped to Ayrshare's maximum
        "status": ["error"],
        "platforms[]": ["twitter", "linkedin"],
    }


@pytest.mark.asyncio
@pytest.mark.parametrize("shape", ["object", "list"])
async def test_both_history_shapes_read_the_same(shape: str) -> None:
    items = [item("a"), item("b", status="success", errors=[], platforms=["linkedin"])]
    body = {"history": items, "refId": "r", "count": 2} if shape == "object" else items
    provider, _ = provider_on(lambda r: answer(body))
    async with provider:
        page = await provider.list_posts(PostFilter())
    first, second = page.posts
    assert first.post_id == "a"
    assert first.status is PostStatus.PARTIALLY_FAILED
    assert second.post_id == "b"
    assert second.status is PostStatus.PUBLISHED
    assert [d.status for d in second.destinations] == [Status.PUBLISHED]


@pytest.mark.asyncio
async def test_several_statuses_are_read_one_after_the_other_and_full_pages_lead_back_in_time() -> (
    None
):
    def respond(request: httpx.Request) -> httpx.Response:
        q = query(request)
        if q["status"] == ["pending"] and "endDate" not in q:
            return answer(
                {
                    "history": [
                        item("p1", status="pending", created="2026-11-15T10:00:00Z"),
                        item("p2", status="pending", created="2026-11-14T10:00:00Z"),
                    ]
                }
            )
        return answer({"history": [item("p3", status=q["status"][0])]})

    provider, wire = provider_on(respond)
    seen: list[str] = []
    cursor: str | None = None
    async with provider:
        for _ in range(10):
            page = await provider.list_posts(PostFilter(statuses=("publishing",)), cursor, 2)
            seen += [p.post_id for p in page.posts]
            cursor = page.next_cursor
            if cursor is None:
                break
    asked = [(query(r)["status"][0], query(r).get("endDate")) for r in wire.requests]
    assert asked == [
        ("pending", None),
        ("pending", ["2026-11-14T10:00:00.000Z"]),
        ("processing", None),
    ]
    assert seen == ["p1", "p2", "p3", "p3"]


@pytest.mark.asyncio
async def test_a_server_that_ignores_end_date_cannot_make_paging_loop() -> None:
    full = {"history": [item("p1"), item("p2", created="2026-11-14T10:00:00Z")]}
    provider, wire = provider_on(lambda r: answer(full))
    cursor: str | None = None
    async with provider:
        for _ in range(10):
            cursor = (await provider.list_posts(PostFilter(), cursor, 2)).next_cursor
            if cursor is None:
                break
    assert cursor is None
    assert len(wire.requests) == 2


@pytest.mark.asyncio
@pytest.mark.parametrize("cursor", ["9", "x", "0|yesterday", "0|2026-11-14T10:00:00", "-1"])
async def test_a_foreign_cursor_or_status_is_refused_before_sending(cursor: str) -> None:
    provider, wire = provider_on(lambda r: answer([]))
    async with provider:
        with pytest.raises(BadRequest):
            await provider.list_posts(PostFilter(statuses=("failed",)), cursor)
        with pytest.raises(BadRequest):
            await provider.list_posts(PostFilter(statuses=("bogus",)))
    assert wire.requests == []


@pytest.mark.asyncio
async def test_search_and_account_filters_apply_to_what_history_returns() -> None:
    items = [item("a"), item("b", post="Other text", platforms=["facebook"], errors=[])]
    provider, wire = provider_on(lambda r: answer(items))
    async with provider:
        by_text = await provider.list_posts(PostFilter(search="SPRING"))
        by_account = await provider.list_posts(PostFilter(account_id="x"))
    assert [p.post_id for p in by_text.posts] == ["a"]
    assert [p.post_id for p in by_account.posts] == ["a"]
    assert query(wire.requests[1])["platforms[]"] == ["twitter"]


# -- a post, tolerantly ------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize("created_key", ["created", "createDate", "create_date"])
async def test_every_spelling_of_the_creation_date(created_key: str) -> None:
    body = item("p")
    del body["created"]
    body[created_key] = "2026-11-15T10:00:00.000Z"
    provider, _ = provider_on(lambda r: answer(body))
    async with provider:
        post = await provider.get_post("p")
    assert post.created_at == datetime(2026, 11, 15, 10, 0, tzinfo=UTC)


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "schedule",
    [
        {"_seconds": 1_794_744_000, "_nanoseconds": 0, "utc": "2026-11-15T12:00:00.000Z"},
        {"_seconds": 1_794_744_000, "_nanoseconds": 0},
        "2026-11-15T12:00:00.000Z",
        1_794_744_000_000,
    ],
    ids=["firestore", "firestore-without-utc", "iso", "unix-ms"],
)
async def test_every_shape_of_the_schedule_date(schedule: object) -> None:
    provider, _ = provider_on(lambda r: answer(item("p", scheduleDate=schedule)))
    async with provider:
        post = await provider.get_post("p")
    assert post.scheduled_for == datetime(2026, 11, 15, 12, 0, tzinfo=UTC)


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "schedule",
    [{"_seconds": 10**400}, {"_seconds": -5}, {"_seconds": 1e308, "_nanoseconds": 10**400}],
    ids=["beyond-float", "negative", "beyond-datetime"],
)
async def test_an_impossible_schedule_date_is_left_out_not_a_crash(schedule: object) -> None:
    # Found by the hostile-body property test: float(10**400) overflowed.
    provider, _ = provider_on(lambda r: answer(item("p", scheduleDate=schedule)))
    async with provider:
        post = await provider.get_post("p")
    assert post.scheduled_for is None


@pytest.mark.asyncio
async def test_a_post_id_entry_reading_error_without_an_errors_entry_still_says_why() -> None:
    body = item(
        "p",
        platforms=["youtube"],
        postIds=[{"platform": "youtube", "status": "error", "id": "678"}],
        errors=[],
    )
    provider, _ = provider_on(lambda r: answer(body))
    async with provider:
        post = await provider.get_post("p")
    [youtube] = post.destinations
    assert youtube.status is Status.FAILED
    assert youtube.error == "The network reported an error."


@pytest.mark.asyncio
async def test_destinations_one_per_network_from_platforms_post_ids_and_errors() -> None:
    body = item(
        "p",
        platforms=["twitter", "linkedin", "facebook", "tiktok"],
        errors=[
            *item()["errors"],
            {"code": "161", "message": "Facebook authorization error.", "platform": "facebook"},
            # A network that reported an error but also published: it published.
            {"code": 500, "message": "late error", "platform": "linkedin"},
        ],
    )
    provider, wire = provider_on(lambda r: answer(body))
    async with provider:
        post = await provider.get_post("p")
    assert wire.requests[0].url.path == "/api/post/p"
    by_id = {d.account_id: d for d in post.destinations}
    assert list(by_id) == ["twitter", "linkedin", "facebook", "tiktok"]
    x, linkedin, facebook, tiktok = post.destinations
    assert (x.platform, x.status, x.error_code) == ("x", Status.FAILED, "500")
    assert x.error == "X returned an internal error. Please retry."
    assert (linkedin.status, linkedin.platform_post_id) == (Status.PUBLISHED, "urn:1")
    assert linkedin.platform_post_url == "https://l/1"
    assert (facebook.status, facebook.error_code) == (Status.FAILED, "161")
    assert tiktok.status is Status.UNKNOWN  # named, with neither a post id nor an error
    # The relink code means "reconnect", through capabilities only.
    verdict = eligibility(facebook, post, CAPABILITIES)
    assert verdict.verdict is Verdict.RECONNECT_REQUIRED
    assert eligibility(x, post, CAPABILITIES).verdict is Verdict.RETRYABLE


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("word", "status"), [("pending", Status.QUEUED), ("processing", Status.PUBLISHING)]
)
async def test_a_post_being_retried_has_its_unpublished_networks_in_flight(
    word: str, status: Status
) -> None:
    provider, _ = provider_on(lambda r: answer(item("p", status=word)))
    async with provider:
        post = await provider.get_post("p")
    x, linkedin = post.destinations
    assert (x.status, x.error, x.error_code) == (status, None, None)
    assert linkedin.status is Status.PUBLISHED


@pytest.mark.asyncio
async def test_get_post_keeps_the_id_it_was_asked_by_in_one_path_segment() -> None:
    provider, wire = provider_on(lambda r: answer(item("some-other-id")))
    async with provider:
        post = await provider.get_post("../user")
        polled = await provider.results("../user")
    assert wire.requests[0].url.raw_path == b"/api/post/..%2Fuser"
    assert post.post_id == "../user"
    assert polled == post


# -- retry -------------------------------------------------------------------------------------


def post_of(*destinations: Destination, post_id: str = "N7ka") -> Post:
    return Post(post_id=post_id, destinations=destinations)


X_FAILED = Destination("twitter", "x", Status.FAILED, error="boom", error_code="500")
LI_FAILED = Destination("linkedin", "linkedin", Status.FAILED, error="boom")
LI_PUBLISHED = Destination("linkedin", "linkedin", Status.PUBLISHED)
FB_FAILED = Destination("facebook", "facebook", Status.FAILED, error="boom")


@pytest.mark.asyncio
async def test_retry_sends_the_post_id_once_and_queues_every_failed_destination() -> None:
    provider, wire = provider_on(lambda r: answer({"status": "pending", "id": "other"}))
    post = post_of(LI_FAILED, FB_FAILED, Destination("tiktok", "tiktok", Status.PUBLISHED))
    async with provider:
        ack = await provider.retry(post, ["linkedin"], idempotency_key="intent-1")
    request = wire.requests[0]
    assert f"{request.method} {request.url.path}" == "PUT /api/post/retry"
    assert json.loads(request.content) == {"id": "N7ka"}
    assert request.headers["Idempotency-Key"] == "intent-1"
    assert "X-Twitter-OAuth1-Api-Key" not in request.headers
    assert ack.post_id == "N7ka"
    assert ack.retried_count == 2
    assert [(d.account_id, d.status, d.error) for d in ack.destinations] == [
        ("linkedin", Status.QUEUED, None),
        ("facebook", Status.QUEUED, None),
    ]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "destinations",
    [(X_FAILED, LI_FAILED), (Destination("twitter", "x", Status.PUBLISHED), LI_FAILED)],
    ids=["x-failed", "x-published"],
)
async def test_the_x_keys_go_only_with_a_retry_of_a_post_that_goes_to_x(
    destinations: tuple[Destination, ...],
) -> None:
    provider, wire = provider_on(lambda r: answer({"status": "pending", "id": "N7ka"}))
    async with provider:
        await provider.get_post("N7ka")
        await provider.retry(post_of(*destinations), ["linkedin"])
        await provider.retry(post_of(LI_FAILED), ["linkedin"])
    read, to_x, not_to_x = wire.requests
    assert to_x.headers["X-Twitter-OAuth1-Api-Key"] == X_KEY
    assert to_x.headers["X-Twitter-OAuth1-Api-Secret"] == X_SECRET
    for request in (read, not_to_x):
        assert "X-Twitter-OAuth1-Api-Key" not in request.headers
        assert "X-Twitter-OAuth1-Api-Secret" not in request.headers


@pytest.mark.asyncio
async def test_a_post_to_x_without_x_keys_is_refused_before_sending() -> None:
    provider, wire = provider_on(lambda r: answer({}), x_api_key=None, x_api_secret=None)
    async with provider:
        with pytest.raises(ProviderSecretMissing, match="X/Twitter"):
            await provider.retry(post_of(X_FAILED), ["twitter"])
    assert wire.requests == []


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("destinations", "account_ids", "kind"),
    [
        ((LI_FAILED,), [], BadRequest),
        ((LI_FAILED, LI_PUBLISHED), ["tiktok"], BadRequest),
        ((LI_PUBLISHED,), ["linkedin"], NothingToRetry),
    ],
    ids=["none-chosen", "not-a-failed-destination", "nothing-failed"],
)
async def test_a_retry_naming_no_failed_destination_is_refused_before_sending(
    destinations: tuple[Destination, ...], account_ids: list[str], kind: type[ProviderError]
) -> None:
    provider, wire = provider_on(lambda r: answer({}))
    async with provider:
        with pytest.raises(kind):
            await provider.retry(post_of(*destinations), account_ids)
    assert wire.requests == []


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "exc_type", [httpx.ReadTimeout, httpx.RemoteProtocolError, httpx.ReadError]
)
async def test_a_lost_answer_to_a_retry_is_outcome_unknown_and_never_resent(
    exc_type: type[httpx.TransportError],
) -> None:
    def respond(request: httpx.Request) -> httpx.Response:
        raise exc_type("lost", request=request)

    provider, wire = provider_on(respond)
    async with provider:
        with pytest.raises(OutcomeUnknown):
            await provider.retry(post_of(LI_FAILED), ["linkedin"])
    assert len(wire.requests) == 1


# -- errors ------------------------------------------------------------------------------------

ALREADY = "This post was already retried and cannot be retried again."
ERROR_ROWS = [
    (400, 329, ALREADY, AlreadyRetried),
    (400, 156, "TikTok account is not linked.", ReconnectRequired),
    (400, 161, "Facebook authorization error. Please unlink and relink.", ReconnectRequired),
    (400, 272, "X/Twitter authorization error.", ReconnectRequired),
    (400, 110, "Status is a duplicate.", DuplicateContent),
    (400, 107, "This status update is identical to the last one you posted.", DuplicateContent),
    (400, 101, "Missing the post id.", BadRequest),
    (401, 102, "API Key not valid.", Unauthorized),
    (402, 103, "Payment required.", PaymentRequired),
    (403, 169, "Retrying a post requires the Premium plan or higher.", Forbidden),
    (404, 144, "Post not found.", NotFound),
    (429, 429, "Too many requests.", RateLimited),
    (500, 500, "Something went wrong.", ServerError),
    (503, 503, "Something went wrong.", ServerError),
]


@pytest.mark.asyncio
@pytest.mark.parametrize(("status", "code", "message", "kind"), ERROR_ROWS)
async def test_every_error_row_is_typed_with_its_code_and_message(
    status: int, code: int, message: str, kind: type[ProviderError]
) -> None:
    provider, wire = provider_on(lambda r: error(status, code, message, retryAvailable=True))
    async with provider:
        with pytest.raises(kind) as caught:
            await provider.retry(post_of(LI_FAILED), ["linkedin"])
    assert caught.value.code == str(code)
    assert message in caught.value.message
    assert caught.value.http_status == status
    assert len(wire.requests) == 1


@pytest.mark.asyncio
async def test_a_relink_error_names_its_network() -> None:
    body = {
        "status": "error",
        "code": 272,
        "message": "Authorization error.",
        "platform": "twitter",
    }
    provider, _ = provider_on(lambda r: answer(body, 400))
    async with provider:
        with pytest.raises(ReconnectRequired, match=r"^X: Authorization error\."):
            await provider.retry(post_of(LI_FAILED), ["linkedin"])


@pytest.mark.asyncio
@pytest.mark.parametrize("status", [502, 504])
async def test_a_gateway_error_on_a_retry_is_outcome_unknown(status: int) -> None:
    provider, wire = provider_on(lambda r: error(status, status, "Bad gateway"))
    async with provider:
        with pytest.raises(OutcomeUnknown):
            await provider.retry(post_of(LI_FAILED), ["linkedin"])
        with pytest.raises(ServerError):
            await provider.get_post("N7ka")
    assert len(wire.requests) == 2


@pytest.mark.asyncio
async def test_an_error_body_answered_with_200_is_still_an_error() -> None:
    provider, _ = provider_on(lambda r: error(200, 329, ALREADY))
    async with provider:
        with pytest.raises(AlreadyRetried) as caught:
            await provider.retry(post_of(LI_FAILED), ["linkedin"])
    assert caught.value.http_status == 200


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "body",
    [
        b"<html>Bad gateway</html>",
        b"",
        b'{"history": "oops"}',
        b'{"history": [{"post": "no id"}]}',
        b"null",
    ],
    ids=["html", "empty", "history-string", "item-without-id", "null"],
)
async def test_bodies_that_are_not_the_promised_json_are_malformed(body: bytes) -> None:
    provider, _ = provider_on(lambda r: httpx.Response(200, content=body))
    async with provider:
        with pytest.raises(MalformedResponse):
            await provider.list_posts(PostFilter())


# -- rate limits -------------------------------------------------------------------------------


def too_many() -> httpx.Response:
    return error(429, 429, "Too many requests.", action="ratelimit")


@pytest.mark.asyncio
async def test_429s_back_off_then_stop_and_refuse_to_send_until_the_cool_down() -> None:
    clock = FakeClock()
    provider, wire = provider_on(lambda r: too_many(), clock, cooldown_s=60.0)
    async with provider:
        with pytest.raises(TooManyRateLimits, match="suspends profiles") as caught:
            await provider.get_post("p")
        assert len(wire.requests) == 3  # three 429s in a row, then it stops
        assert clock.sleeps == pytest.approx([2.0, 4.0])  # its own backoff: no Retry-After
        assert caught.value.http_status == 429
        # While stopped, nothing leaves: not a read, not a retry.
        with pytest.raises(TooManyRateLimits):
            await provider.list_posts(PostFilter())
        with pytest.raises(TooManyRateLimits):
            await provider.retry(post_of(LI_FAILED), ["linkedin"])
        assert len(wire.requests) == 3
        # After the cool-down one probe goes; another 429 stops it again at once.
        clock.now += 61
        with pytest.raises(TooManyRateLimits):
            await provider.get_post("p")
        assert len(wire.requests) == 4
        # An answer that is not a 429 ends the run.
        clock.now += 61
        wire.answer = lambda r: answer(item("p"))
        await provider.get_post("p")
        assert provider.rate_limits_in_a_row == 0


@pytest.mark.asyncio
async def test_a_429_on_a_retry_is_not_repeated_but_counts_toward_the_stop() -> None:
    clock = FakeClock()
    provider, wire = provider_on(lambda r: too_many(), clock)
    async with provider:
        with pytest.raises(RateLimited):
            await provider.retry(post_of(LI_FAILED), ["linkedin"])
        assert len(wire.requests) == 1
        assert provider.rate_limits_in_a_row == 1
        with pytest.raises(TooManyRateLimits):
            await provider.get_post("p")
    assert len(wire.requests) == 3


@pytest.mark.asyncio
async def test_new_style_headers_give_the_budget() -> None:
    headers = {"x-ratelimit-max": "300", "x-ratelimit-count": "298"}
    provider, _ = provider_on(lambda r: answer(item("p"), headers=headers))
    async with provider:
        await provider.get_post("p")
    assert (provider.rate_limit.limit, provider.rate_limit.remaining) == (300, 2)


@pytest.mark.asyncio
async def test_old_style_reset_is_milliseconds_left_and_is_waited_for() -> None:
    clock = FakeClock()
    start = clock.now
    headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1500"}
    provider, wire = provider_on(lambda r: answer(item("p"), headers=headers), clock)
    sent_at: list[float] = []
    wire.answer = lambda r: (sent_at.append(clock.now), answer(item("p"), headers=headers))[1]
    async with provider:
        await provider.get_post("p")
        assert provider.rate_limit.reset_at == pytest.approx(start + 1.5)
        await provider.get_post("p")
    assert sent_at[1] - sent_at[0] == pytest.approx(1.5)


# -- the four secrets ----------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_profile_key_goes_with_every_request_when_the_workspace_has_one() -> None:
    provider, wire = provider_on(lambda r: answer({"history": []}), profile_key=PROFILE)
    async with provider:
        await provider.list_posts(PostFilter())
    assert wire.requests[0].headers["Profile-Key"] == PROFILE
    assert wire.requests[0].headers["Authorization"] == f"Bearer {KEY}"
    bare, bare_wire = provider_on(lambda r: answer({"history": []}))
    async with bare:
        await bare.list_posts(PostFilter())
    assert "Profile-Key" not in bare_wire.requests[0].headers


@pytest.mark.asyncio
async def test_no_secret_in_reprs_logs_or_errors_even_when_the_server_echoes_them(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)

    def echo(request: httpx.Request) -> httpx.Response:
        seen = " ".join(f"{k}={v}" for k, v in request.headers.items())
        return error(401, 102, f"API Key not valid: {seen}")

    provider, wire = provider_on(echo, profile_key=PROFILE)
    async with provider:
        with pytest.raises(Unauthorized) as caught:
            await provider.retry(post_of(X_FAILED), ["twitter"])
        texts = [repr(provider), repr(provider.pacer), str(caught.value), repr(caught.value)]
    assert wire.requests[0].headers["X-Twitter-OAuth1-Api-Secret"] == X_SECRET
    assert "[redacted]" in caught.value.message
    for secret in SECRETS:
        for text in [*texts, caplog.text]:
            assert secret not in text


@pytest.mark.parametrize(
    "kw",
    [
        {"api_key": ""},
        {"api_key": "ayr key with spaces"},
        {"profile_key": "bad\nkey"},
        {"x_api_key": "only-the-key"},
        {"x_api_secret": "only-the-secret"},
        {"last_days": -1},
    ],
)
def test_unusable_settings_are_refused_without_showing_them(kw: dict[str, Any]) -> None:
    arguments: dict[str, Any] = {"base_url": BASE, "api_key": KEY, **kw}
    with pytest.raises(ProviderError) as caught:
        AyrshareProvider(**arguments)
    for value in kw.values():
        if isinstance(value, str) and value.strip():
            assert value.strip() not in str(caught.value)
