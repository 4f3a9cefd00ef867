"""Issue 13: ``GET /accounts/{id}/health`` is documented as a bare object (no envelope),
while the rest of the API wraps ``data``: the client reads both forms the same, and still
refuses what is neither."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from pe_wire import ok, provider_on

from postretry_gui.domain.errors import MalformedResponse

# The contract's example, as the docs print it.
BARE = {
    "status": "broken",
    "can_post": False,
    "reasons": ["needs_reconnection", "token_expired"],
    "needs_reconnection": True,
    "token": {"expires_at": "2026-11-01T00:00:00Z", "expired": True, "expiring_soon": False},
}


def bare(body: Any) -> httpx.Response:
    return httpx.Response(
        200, content=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )


@pytest.mark.asyncio
@pytest.mark.parametrize("answer", [bare(BARE), ok(BARE)], ids=["bare", "enveloped"])
async def test_health_reads_bare_or_enveloped(answer: httpx.Response) -> None:
    provider, _ = provider_on(lambda r: answer)
    async with provider:
        health = await provider.account_health("2285")
    assert health.account_id == "2285"
    assert health.status == "broken"
    assert health.requires_reconnect
    assert health.token_expired
    assert health.reasons == ("needs_reconnection", "token_expired")


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "body", [[BARE], "healthy", {"data": None, "error": None}], ids=["list", "word", "no-data"]
)
async def test_what_is_neither_form_is_still_refused(body: object) -> None:
    provider, _ = provider_on(lambda r: bare(body))
    async with provider:
        with pytest.raises(MalformedResponse):
            await provider.account_health("2285")
