"""End to end on loopback: the real simulator, the real PostEverywhere client, the session.

What the operator ticks is what the server applies, once each, and polling sees it settle.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from loopback_session import loaded_session

from postretry_gui.controller import WorkspaceSession
from postretry_gui.domain import Outcome, Status
from postretry_gui.sim import SimConfig, SimServer


@pytest.fixture
def sim() -> Iterator[SimServer]:
    config = SimConfig(seed=1, posts=60, queued_s=0.05, publishing_s=0.05, success_odds=1.0)
    with SimServer(config, port=0) as server:
        yield server


@pytest_asyncio.fixture
async def session(sim: SimServer) -> AsyncIterator[WorkspaceSession]:
    async with loaded_session(sim) as session:
        yield session


def _selection(session: WorkspaceSession, posts: int) -> dict[str, frozenset[str]]:
    """Tick the first eligible destination of posts with two or more, all of the others."""
    chosen: dict[str, frozenset[str]] = {}
    for post in session.posts.values():
        eligible = sorted(session.eligible_account_ids(post))
        if not eligible:
            continue
        chosen[post.post_id] = frozenset(eligible[:1] if len(eligible) > 1 else eligible)
        if len(chosen) == posts:
            break
    assert len(chosen) == posts, "the seeded simulator should offer enough failures"
    return chosen


@pytest.mark.asyncio
async def test_retry_a_selection_end_to_end(sim: SimServer, session: WorkspaceSession) -> None:
    assert session.sync_state.failures_loaded
    assert len(session.posts) == 60  # failures first, then every other status for "All"
    assert session.sync_state.requests_left is not None
    selection = _selection(session, 4)

    report = await asyncio.wait_for(session.retry(selection), 10)
    assert report.counts == {Outcome.RETRIED: 4}
    await asyncio.wait_for(session.wait_settled(), 10)

    applied = sim.stats()["retries_applied"]
    expected = {f"{p}|{a}": 1 for p, ids in selection.items() for a in ids}
    assert applied == expected
    for post_id, ids in selection.items():
        post = session.posts[post_id]
        for account_id in ids:
            destination = post.destination(account_id)
            assert destination is not None
            assert destination.status is Status.PUBLISHED
            assert not session.locked(post_id, account_id)


@pytest.mark.asyncio
async def test_two_ctrl_r_at_once_apply_each_destination_once(
    sim: SimServer, session: WorkspaceSession
) -> None:
    selection = _selection(session, 3)

    first, second = await asyncio.wait_for(
        asyncio.gather(session.retry(selection), session.retry(selection)), 10
    )
    await asyncio.wait_for(session.wait_settled(), 10)

    assert first.counts == {Outcome.RETRIED: 3}
    assert second.counts == {Outcome.SKIPPED: 3}
    expected = {f"{p}|{a}": 1 for p, ids in selection.items() for a in ids}
    assert sim.stats()["retries_applied"] == expected


@pytest.mark.asyncio
async def test_a_dropped_answer_is_read_back_not_resent(
    sim: SimServer, session: WorkspaceSession
) -> None:
    selection = _selection(session, 2)
    sim.configure(drop_after_apply_odds=1.0)

    report = await asyncio.wait_for(session.retry(selection), 10)
    await asyncio.wait_for(session.wait_settled(), 10)

    assert report.counts == {Outcome.OUTCOME_UNKNOWN: 2}
    expected = {f"{p}|{a}": 1 for p, ids in selection.items() for a in ids}
    assert sim.stats()["retries_applied"] == expected
    for post_id, ids in selection.items():
        assert session.mark(post_id) is None
        for account_id in ids:
            destination = session.posts[post_id].destination(account_id)
            assert destination is not None
            assert destination.status is Status.PUBLISHED
