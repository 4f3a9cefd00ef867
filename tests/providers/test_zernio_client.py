"""Zernio on a MockTransport and on its fixtures (docs/zernio-fixtures): what goes on the
wire, how every contract variant reads, each error by HTTP status first, the whole-post
retry (207 read, 400/409 final, a timeout unknown and never resent), and triage by
``errorCategory``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from pe_wire import FakeClock, Wire

from postretry_gui.domain import Destination, Post, Status, Verdict, eligibility, retry_unit
from postretry_gui.domain.errors import (
    BadRequest,
    DuplicateContent,
    Forbidden,
    MalformedResponse,
    NotFound,
    NothingToRetry,
    OutcomeUnknown,
    PaymentRequired,
    RateLimited,
    ReconnectRequired,
    ServerError,
    Unauthorized,
)
from postretry_gui.domain.status import FAILURE_POST_STATUSES, PostStatus
from postretry_gui.domain.triage import Cause, classify
from postretry_gui.providers.base import PostFilter
from postretry_gui.providers.pacing import RatePacer
from postretry_gui.providers.zernio import CAPABILITIES, CAUSES, ZernioProvider
from postretry_gui.providers.zernio.causes import CATEGORY_CAUSES
from postretry_gui.providers.zernio.parsing import parse_post_answer, parse_posts
from postretry_gui.providers.zernio.typed import typed_posts

KEY = "sk_live_0123456789abcdef0123456789abcdef"
BASE = "https://zernio.test/api"
FIXTURES = Path(__file__).resolve().parents[2] / "docs" / "zernio-fixtures"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def answer(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(
        status,
        content=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def provider_on(answer_with: Any, **kw: Any) -> tuple[ZernioProvider, Wire]:
    clock = FakeClock()
    wire = Wire(answer_with)
    pacer = RatePacer(clock=clock, sleep=clock.sleep, jitter_s=0.0)
    provider = ZernioProvider(BASE, KEY, transport=wire.transport, pacer=pacer, clock=clock, **kw)
    return provider, wire


def failed_page_post() -> Post:
    posts, _ = parse_posts(fixture("list-posts-failed-page.json"))
    return posts[0]


# -- reading the fixtures ----------------------------------------------------------------------


def test_the_failed_page_reads_the_same_on_both_paths_and_keys_targets_by_account() -> None:
    raw = (FIXTURES / "list-posts-failed-page.json").read_bytes()
    tolerant = parse_posts(json.loads(raw))
    typed = typed_posts(raw)
    assert typed is not None
    assert typed == tolerant
    first, second = tolerant[0]
    assert first.status is PostStatus.FAILED
    assert [d.account_id for d in first.destinations] == [
        "6650a1c2d3e4f5a6b7c8d902",
        "6650a1c2d3e4f5a6b7c8d903",
        "6650a1c2d3e4f5a6b7c8d901",
    ]
    assert first.destinations[0].account_name == "Northwind Coffee"
    assert [d.error_code for d in first.destinations] == [
        "auth_expired",
        "platform_error",
        "user_content",
    ]
    # A bare id string as accountId reads as the same key.
    assert any(d.account_id == "6650a1c2d3e4f5a6b7c8d905" for d in second.destinations)


def test_a_partial_post_keeps_its_published_target_and_its_categories() -> None:
    post = parse_post_answer(fixture("get-post-partial.json"))
    assert post.status is PostStatus.PARTIALLY_FAILED
    statuses = [d.status for d in post.destinations]
    assert statuses == [Status.PUBLISHED, Status.FAILED, Status.FAILED]
    assert post.destinations[0].platform_post_url
    causes = [classify(d, CAUSES, CAPABILITIES) for d in post.failed]
    assert causes == [Cause.REFUSED, Cause.TEMPORARY]


@pytest.mark.parametrize(("category", "cause"), sorted(CATEGORY_CAUSES.items()))
def test_every_category_of_the_contract_has_its_cause(category: str, cause: Cause) -> None:
    destination = Destination("a1", "x", Status.FAILED, error="It failed.", error_code=category)
    assert classify(destination, CAUSES, CAPABILITIES) is cause


def test_the_issue_s_mapping_holds_and_a_new_category_is_unknown() -> None:
    assert CATEGORY_CAUSES["auth_expired"] is Cause.RECONNECT
    assert CATEGORY_CAUSES["user_content"] is CATEGORY_CAUSES["media_error"] is Cause.CONTENT
    assert CATEGORY_CAUSES["platform_rejected"] is Cause.REFUSED
    assert CATEGORY_CAUSES["rate_limited"] is CATEGORY_CAUSES["system"] is Cause.TEMPORARY
    odd = Destination("a1", "x", Status.FAILED, error="Something odd.", error_code="brand_new")
    assert classify(odd, CAUSES, CAPABILITIES) is Cause.UNKNOWN


def _target(**extra: Any) -> dict[str, Any]:
    account = {"_id": "acc1", "platform": "linkedin", "displayName": "Acme", "isActive": True}
    return {
        "platform": "linkedin",
        "accountId": {**account, **extra.pop("account", {})},
        "status": "failed",
        "errorMessage": "Publishing failed.",
        "errorCategory": "platform_error",
        **extra,
    }


@pytest.mark.parametrize(
    ("target", "reconnect"),
    [
        (_target(errorCategory="auth_expired"), True),
        (_target(errorCategory="ACCOUNT_ISSUE"), True),
        (_target(account={"needsReconnection": True}), True),
        (_target(account={"isActive": False}), True),
        (_target(account={"enabled": False}), True),
        (_target(), False),
        (_target(errorCategory=None, errorMessage="Token expired, reconnect required"), True),
    ],
)
def test_a_target_that_needs_a_reconnect_is_never_tickable(
    target: dict[str, Any], reconnect: bool
) -> None:
    post = parse_post_answer({"post": {"_id": "p1", "status": "failed", "platforms": [target]}})
    verdict = eligibility(post.destinations[0], post, CAPABILITIES).verdict
    assert (verdict is Verdict.RECONNECT_REQUIRED) is reconnect
    assert (verdict is Verdict.RETRYABLE) is not reconnect


def test_an_unconfirmed_instagram_failure_may_be_live_whatever_its_category() -> None:
    text = "Instagram did not confirm the post was published."
    unconfirmed = _target(platform="instagram", errorMessage=text)
    post = parse_post_answer({"post": {"_id": "p1", "platforms": [unconfirmed]}})
    (destination,) = post.destinations
    assert destination.error_code == "unconfirmed"
    assert classify(destination, CAUSES, CAPABILITIES) is Cause.MAY_BE_LIVE
    expired = _target(errorMessage=text, errorCategory="auth_expired")
    post = parse_post_answer({"post": {"_id": "p1", "platforms": [expired]}})
    assert classify(post.destinations[0], CAUSES, CAPABILITIES) is Cause.RECONNECT


def test_unknown_and_cancelled_target_words_are_never_failed() -> None:
    targets = [_target(status=word) for word in ("cancelled", "exploded", None)]
    for index, target in enumerate(targets):
        target["accountId"] = f"acc{index}"
    post = parse_post_answer({"post": {"_id": "p1", "platformTargets": targets}})
    assert [d.status for d in post.destinations] == [Status.UNKNOWN] * 3
    assert post.failed == ()


def test_ticking_one_failed_destination_ticks_the_whole_post() -> None:
    post = failed_page_post()
    eligible = frozenset(
        d.account_id for d in post.failed if eligibility(d, post, CAPABILITIES).retryable
    )
    one = frozenset({next(iter(eligible))})
    assert retry_unit(post, one, CAPABILITIES, eligible) == eligible
    assert CAPABILITIES.max_retries_per_post is None


# -- the wire --------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_failures_first_one_status_per_request_paged_until_pages() -> None:
    def serve(request: httpx.Request) -> httpx.Response:
        params = request.url.params
        page = int(params["page"])
        post = {"_id": f"{params['status']}-{page}", "status": params["status"], "platforms": []}
        return answer({"posts": [post], "pagination": {"page": page, "limit": 1, "pages": 2}})

    provider, wire = provider_on(serve)
    seen: list[str] = []
    cursor: str | None = None
    async with provider:
        while True:
            page = await provider.list_posts(PostFilter(statuses=FAILURE_POST_STATUSES), cursor, 1)
            seen += [p.post_id for p in page.posts]
            cursor = page.next_cursor
            if cursor is None:
                break
    assert seen == ["failed-1", "failed-2", "partial-1", "partial-2"]
    first = wire.requests[0]
    assert first.headers["authorization"] == f"Bearer {KEY}"
    assert dict(first.url.params) == {
        "page": "1",
        "limit": "1",
        "sortBy": "created-desc",
        "status": "failed",
    }


@pytest.mark.asyncio
async def test_without_pagination_a_short_page_ends_the_walk_and_limit_stays_at_100() -> None:
    provider, wire = provider_on(lambda r: answer({"posts": []}))
    async with provider:
        page = await provider.list_posts(PostFilter(), None, 1000)
    assert page.next_cursor is None
    assert wire.requests[0].url.params["limit"] == "100"


@pytest.mark.asyncio
async def test_a_bad_cursor_is_refused_before_anything_is_sent() -> None:
    provider, wire = provider_on(lambda r: answer({"posts": []}))
    async with provider:
        with pytest.raises(BadRequest):
            await provider.list_posts(PostFilter(), "9:1")
    assert wire.requests == []


@pytest.mark.asyncio
async def test_a_207_is_read_as_the_post_after_the_retry_and_sent_once_without_a_body() -> None:
    post = failed_page_post()
    provider, wire = provider_on(lambda r: answer(fixture("retry-post-207.json"), 207))
    async with provider:
        ack = await provider.retry(post, [d.account_id for d in post.failed], idempotency_key="k")
    (request,) = wire.requests
    assert request.method == "POST"
    assert request.url.path == f"/api/v1/posts/{post.post_id}/retry"
    assert request.content == b""
    assert "idempotency-key" not in request.headers
    statuses = {d.platform: d.status for d in ack.destinations}
    assert statuses == {
        "linkedin": Status.FAILED,
        "instagram": Status.PUBLISHED,
        "twitter": Status.FAILED,
    }
    assert ack.message.startswith("Post partially published")


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (400, {"error": "Invalid state"}, NothingToRetry),
        (409, fixture("error-409-retry-publishing.json"), NothingToRetry),
        (
            409,
            {"error": "Already posted", "code": "DUPLICATE_CONTENT", "details": {"accountId": "a"}},
            DuplicateContent,
        ),
        (403, {"error": "Account disconnected", "code": "ACCOUNT_DISCONNECTED"}, ReconnectRequired),
        (402, {"error": "Payment failed"}, PaymentRequired),
        (429, {"error": "Too many", "details": {}}, RateLimited),
        (404, {"error": "Not found"}, NotFound),
        (401, {"error": "Invalid API key", "code": "invalid_credentials"}, Unauthorized),
    ],
)
async def test_retry_refusals_are_final_and_typed(
    status: int, body: Any, kind: type[Exception]
) -> None:
    post = failed_page_post()
    provider, wire = provider_on(lambda r: answer(body, status))
    async with provider:
        with pytest.raises(kind) as caught:
            await provider.retry(post, [post.failed[1].account_id])
    assert len(wire.requests) == 1, "never resent"
    assert str(caught.value)


@pytest.mark.asyncio
async def test_a_timeout_on_the_retry_is_outcome_unknown_and_never_resent() -> None:
    def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow publish", request=request)

    post = failed_page_post()
    provider, wire = provider_on(hang)
    async with provider:
        with pytest.raises(OutcomeUnknown):
            await provider.retry(post, [post.failed[1].account_id])
    assert len(wire.requests) == 1


@pytest.mark.asyncio
async def test_an_unreadable_2xx_to_a_retry_is_outcome_unknown() -> None:
    post = failed_page_post()
    provider, _ = provider_on(lambda r: httpx.Response(200, content=b"<html>ok</html>"))
    async with provider:
        with pytest.raises(OutcomeUnknown):
            await provider.retry(post, [post.failed[1].account_id])


@pytest.mark.asyncio
async def test_a_choice_outside_the_failed_destinations_is_refused_before_sending() -> None:
    post = parse_post_answer(fixture("get-post-partial.json"))
    provider, wire = provider_on(lambda r: answer({}))
    async with provider:
        with pytest.raises(BadRequest):
            await provider.retry(post, [post.destinations[0].account_id])
    assert wire.requests == []


@pytest.mark.asyncio
async def test_reads_classify_by_status_and_name_the_missing_group() -> None:
    body = {
        "error": "Key lacks access",
        "code": "insufficient_permissions",
        "required_group": "accounts",
    }
    answers = iter(
        [
            answer(body, 403),
            httpx.Response(502, content=b"<html>Bad Gateway</html>"),
            answer({"error": "Not found"}, 404),
        ]
    )
    provider, _ = provider_on(lambda r: next(answers))
    async with provider:
        with pytest.raises(Forbidden, match="accounts group"):
            await provider.accounts()
        with pytest.raises(ServerError):
            await provider.get_post("p1")
        with pytest.raises(NotFound):
            await provider.get_post("p1")


@pytest.mark.asyncio
async def test_accounts_and_health_read_reconnect_in_either_route() -> None:
    health = {
        "accountId": "acc2",
        "status": "error",
        "tokenStatus": {"valid": False},
        "permissions": {"canPost": False},
        "issues": ["Token expired"],
    }
    answers = iter([answer(fixture("accounts.json")), answer(health)])
    provider, wire = provider_on(lambda r: next(answers))
    async with provider:
        accounts = await provider.accounts()
        checked = await provider.account_health("acc2")
    linkedin = next(a for a in accounts if a.platform == "linkedin")
    assert linkedin.health is not None
    assert linkedin.health.requires_reconnect
    assert not linkedin.is_active
    assert checked.requires_reconnect
    assert checked.token_expired
    assert wire.paths()[1] == "GET /api/v1/accounts/acc2/health"


@pytest.mark.asyncio
async def test_rate_limit_headers_are_read_as_unix_seconds() -> None:
    clock_now = FakeClock()()
    headers = {
        "X-RateLimit-Limit": "600",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": str(int(clock_now) + 30),
    }
    provider, _ = provider_on(lambda r: answer({"posts": []}, headers=headers))
    async with provider:
        await provider.list_posts(PostFilter())
        state = provider.rate_limit
    assert state.limit == 600
    assert state.remaining == 0
    assert state.reset_at == int(clock_now) + 30


def test_the_api_key_is_never_in_the_repr() -> None:
    assert KEY not in repr(ZernioProvider(BASE, KEY))


def test_a_list_of_the_wrong_shape_is_malformed() -> None:
    with pytest.raises(MalformedResponse):
        parse_posts({"posts": "oops"})
