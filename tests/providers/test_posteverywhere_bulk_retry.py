"""``retry_bulk``: PostEverywhere's ``retry-failed`` naming one account on many posts, and
what its answer says was re-queued (when it says anything)."""

from __future__ import annotations

import json

import pytest
from pe_wire import destination, ok, provider_on

from postretry_gui.domain.errors import BadRequest, OutcomeUnknown
from postretry_gui.providers.posteverywhere import CAPABILITIES


@pytest.mark.asyncio
async def test_a_bulk_retry_names_the_posts_and_the_account_once_with_its_key() -> None:
    answer = {
        "retried_count": 2,
        "destinations": [
            {"post_id": "a", **destination(2285, "queued")},
            {"post_id": "b", **destination(2285, "queued")},
        ],
        "message": "2 destinations re-queued across 2 posts.",
    }
    provider, wire = provider_on(lambda r: ok(answer))
    async with provider:
        ack = await provider.retry_bulk("2285", ["a", "b"], idempotency_key="req-1")
    (request,) = wire.requests
    assert request.url.path == "/api/v1/posts/retry-failed"
    assert json.loads(request.content) == {"post_ids": ["a", "b"], "account_id": 2285}
    assert request.headers["Idempotency-Key"] == "req-1"
    assert ack.retried_count == 2
    assert ack.requeued is not None
    assert [(p, d.account_id, d.status.value) for p, d in ack.requeued] == [
        ("a", "2285", "queued"),
        ("b", "2285", "queued"),
    ]
    assert CAPABILITIES.bulk_max_posts == 200


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "answer",
    [
        {"retried_count": 2},  # the SDK-only list is absent
        {"retried_count": 2, "destinations": [destination(2285, "queued")]},  # names no post
        {"retried_count": 2, "destinations": [{"post_id": "a", "status": "queued"}]},  # no id
    ],
)
async def test_an_answer_that_does_not_say_what_it_requeued_reads_as_silent(
    answer: dict[str, object],
) -> None:
    provider, _ = provider_on(lambda r: ok(answer))
    async with provider:
        ack = await provider.retry_bulk("2285", ["a", "b"], idempotency_key="req-1")
    assert ack.requeued is None
    assert ack.retried_count == 2


@pytest.mark.asyncio
async def test_a_bulk_retry_refuses_what_it_cannot_send_and_an_unreadable_2xx_is_unknown() -> None:
    provider, wire = provider_on(lambda r: ok({}))
    async with provider:
        with pytest.raises(BadRequest):
            await provider.retry_bulk("2285", [], idempotency_key="k")
        with pytest.raises(BadRequest):
            await provider.retry_bulk("2285", [str(i) for i in range(201)], idempotency_key="k")
        with pytest.raises(BadRequest):
            await provider.retry_bulk("x", ["a"], idempotency_key="k")
    assert wire.requests == []
    broken, _ = provider_on(lambda r: ok(["not", "an", "object"]))
    async with broken:
        with pytest.raises(OutcomeUnknown):
            await broken.retry_bulk("2285", ["a"], idempotency_key="k")
