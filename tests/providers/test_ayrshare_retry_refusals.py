"""Issue 13: an Ayrshare error body answered with HTTP 200 to a retry is a refusal, never
"Retry accepted", whatever it carries (an ``id``, codes only inside ``errors[]``, no code).

Whether the post's one retry was spent depends on what the body says happened: a refusal of
the request itself (a plan, a relink, ``retryAvailable: true``) re-sent nothing
(``RetryNotApplied``); 329 says the retry is gone; a network's own answer in ``errors[]``
(110 duplicate) says the post went out again.
"""

from __future__ import annotations

from typing import Any

import pytest
from test_ayrshare_client import LI_FAILED, X_FAILED, answer, post_of, provider_on

from postretry_gui.domain.errors import (
    AlreadyRetried,
    DuplicateContent,
    ProviderError,
    RetryNotApplied,
)

PLAN = "Retry requires a Premium plan or higher."


async def _retry(body: dict[str, Any]) -> ProviderError:
    provider, wire = provider_on(lambda r: answer(body))
    async with provider:
        with pytest.raises(ProviderError) as caught:
            await provider.retry(post_of(X_FAILED, LI_FAILED), ["twitter"])
    assert len(wire.requests) == 1  # refused, and never sent again
    assert caught.value.http_status == 200
    return caught.value


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "body",
    [
        {"status": "error", "message": PLAN},
        {"status": "error", "code": 402, "message": PLAN, "id": "N7ka"},
        {"action": "post", "status": "error", "code": 156, "message": "Account not linked."},
        {"status": "error", "errors": [{"code": 402, "message": PLAN}], "id": "N7ka"},
        {"errors": [{"action": "post", "code": 402, "message": PLAN}]},
        {
            "status": "error",
            "errors": [{"code": 500, "message": "X is down", "platform": "twitter"}],
            "retryAvailable": True,
        },
    ],
    ids=[
        "status-error-without-code",
        "with-an-id",
        "relink",
        "code-only-in-errors-with-an-id",
        "errors-without-status",
        "retry-available",
    ],
)
async def test_a_refusal_of_the_request_itself_is_not_applied(body: dict[str, Any]) -> None:
    refusal = await _retry(body)
    assert isinstance(refusal, RetryNotApplied)
    assert "Retry accepted" not in str(refusal)


@pytest.mark.asyncio
async def test_329_in_a_200_answer_is_already_retried() -> None:
    body = {"status": "error", "id": "N7ka", "errors": [{"code": 329, "message": "retried"}]}
    assert isinstance(await _retry(body), AlreadyRetried)


@pytest.mark.asyncio
async def test_a_networks_own_refusal_says_the_post_went_out_again() -> None:
    body = {
        "status": "error",
        "id": "N7ka",
        "errors": [{"code": 110, "message": "Status is a duplicate.", "platform": "twitter"}],
    }
    refusal = await _retry(body)
    assert isinstance(refusal, DuplicateContent)
    assert not isinstance(refusal, RetryNotApplied)


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "body",
    [{"status": "pending", "id": "N7ka"}, {"status": "success", "id": "other", "errors": []}],
)
async def test_an_acceptance_still_reads_as_one(body: dict[str, Any]) -> None:
    provider, _ = provider_on(lambda r: answer(body))
    async with provider:
        ack = await provider.retry(post_of(X_FAILED, LI_FAILED), ["twitter"])
    assert ack.retried_count == 2
    assert "Retry accepted" in ack.message
