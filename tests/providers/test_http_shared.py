"""The provider-neutral base: HttpClient and the parsing helpers, without PostEverywhere."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import httpx
import pytest
from pe_wire import FakeClock

from postretry_gui.domain import RateLimitState, parse_rate_limit
from postretry_gui.domain.errors import (
    BadRequest,
    MalformedResponse,
    NotFound,
    ProviderError,
    RateLimited,
    ServerError,
)
from postretry_gui.providers.http import HttpClient, HttpResponse
from postretry_gui.providers.pacing import RatePacer
from postretry_gui.providers.parsing import (
    clean_text,
    decode_json,
    error_for_status,
    id_text,
    opt_datetime,
    opt_int,
)


def http_on(
    answer: httpx.Response, mapper: object = None, **kw: object
) -> tuple[HttpClient, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answer

    clock = FakeClock()
    http = HttpClient(
        "https://api.test/v2",
        error_mapper=mapper or (lambda r: error_for_status(r.status)),  # type: ignore[arg-type]
        secret_headers={"Authorization": "Bearer s3cr3t-key"},
        transport=httpx.MockTransport(handle),
        pacer=RatePacer(clock=clock, sleep=clock.sleep, jitter_s=0.0),
        clock=clock,
        **kw,  # type: ignore[arg-type]
    )
    return http, seen


@pytest.mark.asyncio
async def test_a_2xx_comes_back_with_its_budget() -> None:
    headers = {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "299"}
    http, seen = http_on(httpx.Response(200, content=b"{}", headers=headers))
    async with http._client:
        response = await http.request("GET", "items", params={"a": "1"})
    assert response.ok
    assert response.content == b"{}"
    assert response.header("X-RATELIMIT-REMAINING") == "299"
    assert http.rate_limit.remaining == 299
    assert str(seen[0].url) == "https://api.test/v2/items?a=1"


@pytest.mark.asyncio
async def test_a_provider_specific_header_reader_is_used() -> None:
    def reader(headers: Mapping[str, str], now: float) -> RateLimitState:
        return parse_rate_limit(headers, now, reset_delta_in_ms=True)

    headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1500"}
    http, _ = http_on(httpx.Response(200, headers=headers), rate_limit_reader=reader)
    async with http._client:
        response = await http.request("GET", "items")
    assert response.rate_limit.reset_at == pytest.approx(response.rate_limit.observed_at + 1.5)


@pytest.mark.asyncio
async def test_a_crashing_error_mapper_still_gives_a_typed_error() -> None:
    def broken(response: HttpResponse) -> ProviderError:
        raise KeyError("bug")

    http, _ = http_on(httpx.Response(404), mapper=broken)
    async with http._client:
        with pytest.raises(MalformedResponse) as caught:
            await http.request("GET", "items")
    assert caught.value.http_status == 404


@pytest.mark.asyncio
async def test_the_mapper_decides_the_class_and_the_secret_is_scrubbed() -> None:
    def echo(response: HttpResponse) -> ProviderError:
        return NotFound("no such key s3cr3t-key here", code="s3cr3t-key")

    http, seen = http_on(httpx.Response(404), mapper=echo)
    async with http._client:
        with pytest.raises(NotFound) as caught:
            await http.request("POST", "items", json_body={"x": 1})
    assert "s3cr3t-key" not in str(caught.value)
    assert caught.value.code == "[redacted]"
    assert seen[0].headers["authorization"] == "Bearer s3cr3t-key"
    assert "s3cr3t" not in repr(http)


@pytest.mark.asyncio
async def test_a_post_is_not_idempotent_unless_said_so() -> None:
    http, seen = http_on(httpx.Response(429, headers={"Retry-After": "1"}))
    async with http._client:
        with pytest.raises(RateLimited):
            await http.request("POST", "items")
        assert len(seen) == 1
        with pytest.raises(ProviderError):  # TooManyRateLimits after the bounded repeats
            await http.request("PUT", "items", idempotent=True)
    assert len(seen) == 5


# -- parsing helpers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"<html><body>Bad gateway</body></html>", "an HTML page"),
        (b"", "an empty answer"),
        (b'{"a": ', "not JSON"),
        (b'{"a": NaN}', "not JSON"),
        (b"\xff\xfe", "not JSON"),
        (b"[" * 50_000, "not JSON"),
    ],
)
def test_decode_json_says_what_came_instead(body: bytes, says: str) -> None:
    with pytest.raises(MalformedResponse, match=says):
        decode_json(body, http_status=200)


def test_clean_text_drops_control_characters_and_bounds_length() -> None:
    assert clean_text("Token\x00 expired\x1b[31m") == "Token  expired [31m"
    long = clean_text("x" * 5000)
    assert long is not None
    assert len(long) == 500
    assert clean_text(42) is None
    assert clean_text("   ") is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [(2285, "2285"), (" 2285 ", "2285"), (2285.0, "2285"), (True, None), (10**300, None),
     ("", None), ({"id": 1}, None), (float("nan"), None), ("a\nb", None)],
)  # fmt: skip
def test_id_text(value: object, expected: str | None) -> None:
    assert id_text(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-04-15T16:00:00.000Z", datetime(2026, 4, 15, 16, tzinfo=UTC)),
        ("2026-04-15T18:00:00+02:00", datetime(2026, 4, 15, 16, tzinfo=UTC)),
        ("2026-04-15T16:00:00", datetime(2026, 4, 15, 16, tzinfo=UTC)),
        (1776268800, datetime(2026, 4, 15, 16, tzinfo=UTC)),
        (1776268800000, datetime(2026, 4, 15, 16, tzinfo=UTC)),
        ("yesterday", None),
        (10**30, None),
        (-5, None),
        (True, None),
    ],
)
def test_opt_datetime(value: object, expected: datetime | None) -> None:
    assert opt_datetime({"at": value}, "at") == expected


def test_opt_int_defaults_on_nonsense() -> None:
    assert opt_int({"n": "7"}, "n") == 7
    assert opt_int({"n": 2**70}, "n") == 0
    assert opt_int({"n": "seven"}, "n", default=-1) == -1
    assert opt_int({"n": False}, "n") == 0


@pytest.mark.parametrize(
    ("status", "kind"),
    [(418, BadRequest), (599, ServerError), (302, MalformedResponse), (429, RateLimited)],
)
def test_statuses_outside_the_table_still_get_a_class(
    status: int, kind: type[ProviderError]
) -> None:
    error = error_for_status(status)
    assert type(error) is kind
    assert error.http_status == status
