"""Issue 13: an Ayrshare post with status ``deleted`` stays visibly deleted (its post status
and the session's GONE mark, which the window shows as "Post gone") and is never offered for
retry, even where its networks carry errors."""

from __future__ import annotations

import json

import httpx
import pytest
from controller_fakes import WHOLE_POST_ONCE, RecordingListener

from postretry_gui.controller import PostMark, WorkspaceSession
from postretry_gui.controller.workspace_state import WorkspaceState
from postretry_gui.domain import PostStatus, RateLimitState, Status, Verdict
from postretry_gui.providers.ayrshare import AyrshareProvider
from postretry_gui.providers.ayrshare.parsing import parse_post

DELETED = {
    "id": "Dl3tEdPoSt0000000001",
    "post": "An old announcement",
    "platforms": ["linkedin", "facebook"],
    "status": "deleted",
    "postIds": [{"platform": "linkedin", "status": "success", "id": "urn:9"}],
    "errors": [{"code": 500, "message": "Facebook is down.", "platform": "facebook"}],
    "created": "2026-11-10T10:00:00.000Z",
}


def test_the_deleted_status_is_kept() -> None:
    post = parse_post(DELETED)
    assert post.status is PostStatus.DELETED
    assert [d.status for d in post.destinations] == [Status.PUBLISHED, Status.FAILED]


@pytest.mark.asyncio
async def test_a_deleted_post_is_marked_gone_and_never_retryable() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=json.dumps({"history": [DELETED]}).encode())

    provider = AyrshareProvider(
        "https://ayr.test/api", "key-1", transport=httpx.MockTransport(answer)
    )
    session = WorkspaceSession(provider, RecordingListener())
    await session.load()
    await session.wait_loaded()
    post = session.posts[DELETED["id"]]
    assert session.mark(post.post_id) is PostMark.GONE
    assert session.eligible_account_ids(post) == frozenset()
    for destination in post.destinations:
        verdict = session.eligibility_of(post, destination)
        assert verdict.verdict is Verdict.NOT_FAILED
        assert "deleted" in verdict.reason
    assert session.tick_all_ids(post) == frozenset()
    await session.aclose()
    await provider.aclose()


def test_a_post_read_as_deleted_while_watched_is_marked_gone() -> None:
    listener = RecordingListener()
    state = WorkspaceState(
        listener, WHOLE_POST_ONCE, lambda: RateLimitState(), known_retries=lambda _: 0
    )
    deleted = parse_post(DELETED)
    state.ingest([parse_post({**DELETED, "status": "error"})])
    assert state.mark(deleted.post_id) is None
    state.put(deleted)  # a poll's answer
    assert state.mark(deleted.post_id) is PostMark.GONE
    state.ingest([parse_post({**DELETED, "status": "error"})], force=True)
    assert state.mark(deleted.post_id) is None  # listed again as failed: not gone after all
