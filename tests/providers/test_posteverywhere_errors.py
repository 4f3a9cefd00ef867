"""Every error row of the contract, on a MockTransport: the typed error, with the server's
code, message and request id; and a retry is never sent twice."""

from __future__ import annotations

import logging
import socket

import httpx
import pytest
from pe_wire import KEY, FakeClock, fail, ok, post, provider_on, rate_headers

from postretry_gui.domain import Post
from postretry_gui.domain.errors import (
    BadRequest,
    Forbidden,
    MalformedResponse,
    NotFound,
    NothingToRetry,
    OutcomeUnknown,
    PaymentRequired,
    ProviderError,
    ProviderSecretMissing,
    RateLimited,
    ServerError,
    TimedOut,
    TooManyRateLimits,
    Unauthorized,
    Unreachable,
    ValidationFailed,
)
from postretry_gui.providers.base import PostFilter
from postretry_gui.providers.posteverywhere import PostEverywhereProvider

POST = Post(post_id="p-1", destinations=())

STATUS_ROWS = [
    (400, "bad_request", "Invalid request parameters", BadRequest),
    (401, "unauthorized", "Missing or invalid API key", Unauthorized),
    (402, "payment_required", "Out of credits", PaymentRequired),
    (403, "forbidden", "Key lacks the write scope", Forbidden),
    (404, "not_found", "Post not found.", NotFound),
    (
        409,
        "no_failed_destinations",
        "Nothing to retry - all destinations are currently queued, publishing, or published.",
        NothingToRetry,
    ),
    (422, "validation_error", "account_ids must be integers", ValidationFailed),
    (500, "internal_error", "Internal error", ServerError),
    (503, "unavailable", "Down for maintenance", ServerError),
]


@pytest.mark.asyncio
@pytest.mark.parametrize(("status", "code", "message", "kind"), STATUS_ROWS)
async def test_retry_error_rows_carry_code_message_and_request_id(
    status: int, code: str, message: str, kind: type[ProviderError]
) -> None:
    provider, wire = provider_on(lambda r: fail(status, code, message, request_id="e5f6g7h8"))
    async with provider:
        with pytest.raises(kind) as caught:
            await provider.retry(POST, ["2285"])
    error = caught.value
    assert (error.code, error.message, error.request_id, error.http_status) == (
        code,
        message,
        "e5f6g7h8",
        status,
    )
    assert len(wire.requests) == 1  # a retry is never repeated by the HTTP layer


@pytest.mark.asyncio
@pytest.mark.parametrize(("status", "code", "message", "kind"), STATUS_ROWS)
async def test_get_error_rows_are_typed_and_not_repeated(
    status: int, code: str, message: str, kind: type[ProviderError]
) -> None:
    provider, wire = provider_on(lambda r: fail(status, code, message))
    async with provider:
        with pytest.raises(kind):
            await provider.get_post("p-1")
    assert len(wire.requests) == 1


@pytest.mark.asyncio
async def test_502_on_a_get_is_a_server_error_with_no_body_needed() -> None:
    html = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
    provider, _ = provider_on(lambda r: httpx.Response(502, content=html))
    async with provider:
        with pytest.raises(ServerError) as caught:
            await provider.list_posts(PostFilter())
    assert caught.value.http_status == 502


@pytest.mark.asyncio
@pytest.mark.parametrize("status", [502, 504])
async def test_a_gateway_error_on_a_retry_means_outcome_unknown(status: int) -> None:
    provider, wire = provider_on(lambda r: fail(status, "bad_gateway", "upstream lost"))
    async with provider:
        with pytest.raises(OutcomeUnknown) as caught:
            await provider.retry(POST, ["2285"])
    assert caught.value.http_status == status
    assert len(wire.requests) == 1


@pytest.mark.asyncio
@pytest.mark.parametrize("code", ["rate_limited", "rate_limit_exceeded"])
async def test_429_on_a_retry_raises_rate_limited_with_the_wait_from_headers(code: str) -> None:
    clock = FakeClock()
    headers = rate_headers(remaining=0, reset=clock.now + 30, retry_after=7)
    provider, wire = provider_on(lambda r: fail(429, code, "Slow down", headers=headers), clock)
    async with provider:
        with pytest.raises(RateLimited) as caught:
            await provider.retry(POST, ["2285"])
    assert caught.value.code == code
    # Retry-After (7 s) and the exhausted window (30 s): the longer wait is the true one.
    assert caught.value.retry_after == pytest.approx(30)
    assert len(wire.requests) == 1


@pytest.mark.asyncio
async def test_429_retry_after_alone_gives_its_wait() -> None:
    headers = {"Retry-After": "7"}
    provider, _ = provider_on(lambda r: fail(429, "rate_limited", "Slow down", headers=headers))
    async with provider:
        with pytest.raises(RateLimited) as caught:
            await provider.retry(POST, ["2285"])
    assert caught.value.retry_after == pytest.approx(7)


@pytest.mark.asyncio
async def test_a_get_after_429_waits_the_retry_after_then_succeeds() -> None:
    clock = FakeClock()
    answers = iter(
        [
            fail(429, "rate_limited", "Slow down", headers=rate_headers(retry_after=5)),
            ok(post("p-1")),
        ]
    )
    provider, wire = provider_on(lambda r: next(answers), clock)
    sent_at: list[float] = []
    wire.answer = lambda r: (sent_at.append(clock.now), next(answers))[1]
    async with provider:
        fetched = await provider.get_post("p-1")
    assert fetched.post_id == "p-1"
    assert len(wire.requests) == 2
    assert sent_at[1] - sent_at[0] >= 5  # never before the Retry-After


@pytest.mark.asyncio
async def test_repeated_429s_on_a_get_stop_with_too_many_rate_limits() -> None:
    headers = rate_headers(retry_after=2)
    provider, wire = provider_on(lambda r: fail(429, "rate_limited", "Slow", headers=headers))
    async with provider:
        with pytest.raises(TooManyRateLimits) as caught:
            await provider.list_posts(PostFilter())
    assert len(wire.requests) == 4  # the first try and 3 repeats, then it stops
    assert caught.value.http_status == 429


@pytest.mark.asyncio
async def test_a_429_without_any_wait_backs_off_exponentially() -> None:
    clock = FakeClock()
    bare = httpx.Response(429, content=b"{}")
    provider, _wire = provider_on(lambda r: bare, clock)
    async with provider:
        with pytest.raises(TooManyRateLimits):
            await provider.get_post("p-1")
    assert clock.sleeps == pytest.approx([1.0, 2.0, 4.0])


@pytest.mark.asyncio
async def test_a_huge_retry_after_raises_instead_of_freezing() -> None:
    headers = rate_headers(retry_after=3000)
    provider, wire = provider_on(lambda r: fail(429, "rate_limited", "Slow", headers=headers))
    async with provider:
        with pytest.raises(RateLimited) as caught:
            await provider.get_post("p-1")
        # And the next call does not even go out before the wait has passed.
        with pytest.raises(RateLimited):
            await provider.accounts()
    assert caught.value.retry_after == pytest.approx(3000)
    assert len(wire.requests) == 1


# -- no answer -----------------------------------------------------------------------------


def raiser(exc_type: type[httpx.TransportError]) -> object:
    def answer(request: httpx.Request) -> httpx.Response:
        raise exc_type("simulated", request=request)

    return answer


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("exc_type", "on_get", "on_retry"),
    [
        (httpx.ConnectError, Unreachable, Unreachable),  # refused: nothing left
        (httpx.ConnectTimeout, TimedOut, TimedOut),  # never connected: nothing left
        (httpx.ReadTimeout, TimedOut, OutcomeUnknown),  # sent, answer lost
        (httpx.WriteTimeout, TimedOut, OutcomeUnknown),
        (httpx.RemoteProtocolError, Unreachable, OutcomeUnknown),  # dropped mid-answer
        (httpx.ReadError, Unreachable, OutcomeUnknown),
    ],
)
async def test_transport_failures_are_typed_by_whether_the_request_may_have_left(
    exc_type: type[httpx.TransportError],
    on_get: type[ProviderError],
    on_retry: type[ProviderError],
) -> None:
    provider, wire = provider_on(raiser(exc_type))  # type: ignore[arg-type]
    async with provider:
        with pytest.raises(on_get) as got:
            await provider.get_post("p-1")
        with pytest.raises(on_retry) as retried:
            await provider.retry(POST, ["2285"])
    assert type(got.value) is on_get
    assert type(retried.value) is on_retry
    assert wire.paths() == ["GET /api/v1/posts/p-1", "POST /api/v1/posts/p-1/retry"]


@pytest.mark.asyncio
async def test_a_real_refused_connection_is_unreachable() -> None:
    # A port just freed on loopback: nothing listens there, a genuine ECONNREFUSED.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/api/v1"
    async with PostEverywhereProvider(url, KEY, timeout=2) as provider:
        with pytest.raises(Unreachable):
            await provider.retry(POST, ["2285"])


# -- bodies that are not the expected JSON ---------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "body",
    [
        b"<!DOCTYPE html><html><body>Please wait...</body></html>",
        b'{"data": {"post_id": "p-1", "destinations": [',
        b"",
        b'{"data": null, "error": null, "meta": {}}',
        b'{"data": "oops", "error": null}',
        b'{"data": {"post_id": "p-1", "destinations": "oops"}}',
        b'{"data": {"post_id": "p-1", "destinations": [{"platform": "x"}]}}',
        b'{"data": {"post_id": {"nested": true}}}',
        b'{"data": {"post_id": NaN}}',
        b"[1, 2, 3]",
        b"\xff\xfe\x00garbage",
    ],
    ids=[
        "html",
        "truncated",
        "empty",
        "data-null",
        "data-string",
        "destinations-string",
        "destination-without-account",
        "post-id-object",
        "nan",
        "bare-list",
        "bytes",
    ],
)
async def test_bodies_that_are_not_the_promised_json_are_malformed(body: bytes) -> None:
    provider, _ = provider_on(lambda r: httpx.Response(200, content=body))
    async with provider:
        with pytest.raises(MalformedResponse):
            await provider.get_post("p-1")


@pytest.mark.asyncio
async def test_wrong_types_in_a_list_page_are_malformed() -> None:
    provider, _ = provider_on(lambda r: ok({"posts": "oops", "pagination": {}}))
    async with provider:
        with pytest.raises(MalformedResponse):
            await provider.list_posts(PostFilter())


@pytest.mark.asyncio
async def test_an_oversized_answer_is_refused() -> None:
    provider, _ = provider_on(lambda r: httpx.Response(200, content=b" " * (17 * 1024 * 1024)))
    async with provider:
        with pytest.raises(MalformedResponse):
            await provider.get_post("p-1")


# -- the key ---------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_the_key_travels_only_in_the_authorization_header(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    echo = f"Invalid API key {KEY}"
    provider, wire = provider_on(lambda r: fail(401, "unauthorized", echo))
    async with provider:
        with pytest.raises(Unauthorized) as caught:
            await provider.retry(POST, ["2285"])
        assert KEY not in repr(provider)
        assert KEY not in repr(provider.pacer)
    request = wire.requests[0]
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    assert KEY not in str(request.url)
    assert KEY.encode() not in request.content
    assert KEY not in str(caught.value)
    assert KEY not in repr(caught.value)
    assert "[redacted]" in caught.value.message
    assert KEY not in caplog.text


@pytest.mark.parametrize("key", ["", "   ", "pe_live_abc\ndef", "pe_live_abc def", "pe_lïve"])
def test_an_unusable_key_is_refused_without_showing_it(key: str) -> None:
    with pytest.raises((ProviderSecretMissing, Unauthorized)) as caught:
        PostEverywhereProvider("https://pe.test/api/v1", key)
    if key.strip():
        assert key.strip() not in str(caught.value)


@pytest.mark.parametrize("url", ["", "ftp://pe.test", "pe.test/api", "http://"])
def test_a_bad_base_url_is_a_clear_error(url: str) -> None:
    with pytest.raises(BadRequest, match="server address"):
        PostEverywhereProvider(url, KEY)


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "body",
    [b"<html>Just a moment...</html>", b'{"data": ["oops"]}', b'{"data": {"retried_count": 1'],
)
async def test_an_unreadable_2xx_to_a_retry_is_outcome_unknown_not_failed(body: bytes) -> None:
    provider, wire = provider_on(lambda r: httpx.Response(200, content=body))
    async with provider:
        with pytest.raises(OutcomeUnknown):
            await provider.retry(POST, ["2285"])
        with pytest.raises(OutcomeUnknown):
            await provider.retry_failed(post_ids=["p-1"])
    assert len(wire.requests) == 2
