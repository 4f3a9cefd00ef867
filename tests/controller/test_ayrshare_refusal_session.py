"""Issue 13, end to end through the session: an Ayrshare error body answered with 200 to a
retry is a refusal, and when it re-sent nothing the post keeps its one retry, in memory and
in the journal (so it is still retryable after a restart)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from controller_fakes import RecordingListener

from postretry_gui.controller import WorkspaceSession
from postretry_gui.domain import Outcome, Verdict
from postretry_gui.providers.ayrshare import AyrshareProvider
from postretry_gui.store.journal import RetryJournal

# A post whose X network failed for a passing reason (LinkedIn published).
FAILED_ON_X = {
    "id": "N7kaDiZAfwc544OBKlgc",
    "post": "Spring collection is live",
    "platforms": ["twitter", "linkedin"],
    "status": "error",
    "postIds": [{"platform": "linkedin", "status": "success", "id": "urn:1"}],
    "errors": [{"code": 500, "message": "X returned an internal error.", "platform": "twitter"}],
    "created": "2026-11-15T10:00:00.000Z",
}
PLAN_REFUSAL = {
    "status": "error",
    "id": "N7kaDiZAfwc544OBKlgc",
    "errors": [{"action": "post", "code": 402, "message": "Retry needs a Premium plan."}],
}


def _server(retry_body: dict[str, Any]) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        body: object = {"history": [FAILED_ON_X]} if request.method == "GET" else retry_body
        if request.url.path.endswith("/user"):
            body = {"activeSocialAccounts": ["twitter", "linkedin"]}
        return httpx.Response(200, content=json.dumps(body).encode())

    return httpx.MockTransport(answer)


@pytest.mark.asyncio
async def test_a_200_refusal_is_not_accepted_and_keeps_the_posts_one_retry(
    tmp_path: Path,
) -> None:
    provider = AyrshareProvider(
        "https://ayr.test/api",
        "key-1",
        x_api_key="x-app-key",
        x_api_secret="x-app-secret",
        transport=_server(PLAN_REFUSAL),
    )
    with RetryJournal(tmp_path / "journal.sqlite3", operator="tester") as journal:
        session = WorkspaceSession(
            provider, RecordingListener(), journal=journal, workspace_id="ws"
        )
        await session.load()
        await session.wait_loaded()
        (post,) = session.posts.values()

        report = await session.retry({post.post_id: frozenset({"twitter"})})

        outcome = report.of(post.post_id)
        assert outcome is not None
        assert outcome.outcome is Outcome.REJECTED
        assert "Retry accepted" not in outcome.message
        assert session.retries_sent(post.post_id) == 0
        failed = post.destination("twitter")
        assert failed is not None
        assert session.eligibility_of(post, failed).verdict is Verdict.RETRYABLE
        # What a restart reads: the refusal is journalled, and not as a spent retry.
        await session.journal_written()
        assert journal.retries_sent(post.post_id, workspace_id="ws") == 0
        await session.aclose()
    await provider.aclose()
