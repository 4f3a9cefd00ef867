"""Triage in the session: each provider's cause table decides what "tick all retryable"
takes and what a hand-ticked retry must be confirmed with."""

from __future__ import annotations

from collections import Counter

import pytest
from controller_fakes import FakeClock, FakeProvider, RecordingListener, dest, post

from postretry_gui.controller import WorkspaceSession
from postretry_gui.controller.workspace_opener import cause_table
from postretry_gui.controller.workspace_state import WorkspaceState
from postretry_gui.domain import (
    Account,
    AccountHealth,
    Destination,
    Post,
    PostStatus,
    RateLimitState,
    Status,
    Verdict,
)
from postretry_gui.domain.provider_spec import ProviderSpec
from postretry_gui.domain.triage import Cause
from postretry_gui.providers.ayrshare import SPEC as AYRSHARE
from postretry_gui.providers.posteverywhere import SPEC as POSTEVERYWHERE

# Ayrshare's own words for its duplicate-text failures (API-CONTRACTS.md section 2).
DUPLICATE_X = dest("twitter", error="Status is a duplicate.", error_code="110")
DUPLICATE_FACEBOOK = dest(
    "facebook",
    error="Facebook Error: This status update is identical to the last one you posted.",
    error_code="107",
)
PASSING = dest("linkedin", error="LinkedIn is temporarily unavailable. Please retry.")


async def _session(
    posts: list[Post], spec: ProviderSpec = AYRSHARE, accounts: tuple[Account, ...] = ()
) -> WorkspaceSession:
    provider = FakeProvider(posts, capabilities=spec.capabilities, accounts=accounts)
    session = WorkspaceSession(
        provider, RecordingListener(), clock=FakeClock(), causes=cause_table(spec.kind)
    )
    await session.load()
    await session.wait_loaded()
    return session


@pytest.mark.asyncio
@pytest.mark.parametrize("duplicate", [DUPLICATE_X, DUPLICATE_FACEBOOK], ids=["110", "107"])
async def test_ayrshare_duplicate_text_is_content_and_not_ticked_by_tick_all(
    duplicate: Destination,
) -> None:
    session = await _session([post("p", duplicate)])
    p = session.posts["p"]
    failure = p.destinations[0]
    assert session.cause_of(p, failure) is Cause.CONTENT
    verdict = session.eligibility_of(p, failure)
    # Still tickable by hand, but never by "tick all retryable".
    assert verdict.retryable
    assert not verdict.ticked_by_tick_all
    assert session.tick_all_ids(p) == frozenset()
    # The window asks first, and says why: same text, same failure, the only retry spent.
    (sentence,) = session.confirmations(p, frozenset({failure.account_id}))
    assert "fail the same way" in sentence
    assert "Ayrshare allows one retry per post" in sentence
    await session.aclose()


@pytest.mark.asyncio
async def test_tick_all_takes_what_a_retry_fixes_and_ayrshare_sends_the_whole_post() -> None:
    session = await _session([post("mixed", DUPLICATE_X, PASSING), post("content", DUPLICATE_X)])
    mixed = session.posts["mixed"]
    assert session.cause_of(mixed, mixed.destinations[1]) is Cause.TEMPORARY
    assert session.eligibility_of(mixed, mixed.destinations[1]).ticked_by_tick_all
    # A whole-post retry re-sends both failed networks: the tick shows what will really go.
    assert session.tick_all_ids(mixed) == frozenset({"twitter", "linkedin"})
    assert session.tick_all_ids(session.posts["content"]) == frozenset()
    await session.aclose()


@pytest.mark.asyncio
async def test_reconnect_stays_untickable_and_needs_no_confirmation() -> None:
    relink = dest("twitter", error="X/Twitter authorization error.", error_code="272")
    session = await _session([post("p", relink)])
    p = session.posts["p"]
    assert session.cause_of(p, p.destinations[0]) is Cause.RECONNECT
    verdict = session.eligibility_of(p, p.destinations[0])
    assert verdict.verdict is Verdict.RECONNECT_REQUIRED
    assert verdict.confirmation is None
    assert session.confirmations(p, frozenset({"twitter"})) == ()
    await session.aclose()


@pytest.mark.asyncio
async def test_a_failure_with_a_live_address_asks_before_it_can_go_out_twice() -> None:
    live = dest("2285", error="Error posting", platform_post_url="https://x.com/i/status/1")
    session = await _session([post("p", live)], POSTEVERYWHERE)
    p = session.posts["p"]
    verdict = session.eligibility_of(p, live)
    assert verdict.cause is Cause.MAY_BE_LIVE
    assert verdict.retryable
    assert not verdict.ticked_by_tick_all
    assert verdict.confirmation is not None
    assert "publish it twice" in verdict.confirmation
    # PostEverywhere has no retry limit to spend.
    assert "per post" not in verdict.confirmation
    await session.aclose()


@pytest.mark.asyncio
async def test_posteverywhere_passing_failures_about_media_are_temporary() -> None:
    session = await _session(
        [
            post(
                "p",
                dest("1", error="Network timeout while uploading media"),
                dest("2", error="Upload session expired before the media finished processing"),
                dest("3", error="Rate limit exceeded on platform"),
                dest("4", error="Video aspect ratio not supported"),
            )
        ],
        POSTEVERYWHERE,
    )
    p = session.posts["p"]
    causes = [session.cause_of(p, d) for d in p.destinations]
    assert causes == [Cause.TEMPORARY, Cause.TEMPORARY, Cause.TEMPORARY, Cause.CONTENT]
    assert session.tick_all_ids(p) == frozenset({"1", "2", "3"})
    await session.aclose()


@pytest.mark.asyncio
async def test_an_inactive_posteverywhere_account_is_a_reconnect() -> None:
    inactive = Account("7", "x", health=AccountHealth("7", reasons=("account_inactive",)))
    session = await _session(
        [post("p", dest("7", error="Request timed out"))], POSTEVERYWHERE, (inactive,)
    )
    p = session.posts["p"]
    assert session.cause_of(p, p.destinations[0]) is Cause.RECONNECT
    assert session.eligibility_of(p, p.destinations[0]).verdict is Verdict.RECONNECT_REQUIRED
    await session.aclose()


@pytest.mark.asyncio
async def test_a_deleted_post_is_never_offered_for_retry() -> None:
    deleted = post(
        "gone", dest("twitter", error="Status is a duplicate."), status=PostStatus.DELETED
    )
    session = await _session([deleted])
    p = session.posts["gone"]
    assert session.cause_of(p, p.destinations[0]) is None
    assert session.eligibility_of(p, p.destinations[0]).verdict is Verdict.NOT_FAILED
    assert session.eligible_account_ids(p) == frozenset()
    await session.aclose()


def _posteverywhere_state() -> WorkspaceState:
    return WorkspaceState(
        RecordingListener(),
        POSTEVERYWHERE.capabilities,
        lambda: RateLimitState(),
        known_retries=lambda _: 0,
        causes=POSTEVERYWHERE.causes,
    )


def test_the_same_error_on_many_rows_keeps_each_accounts_own_cause() -> None:
    # Causes are worked out once per distinct failure; what sets one row apart still shows:
    # its account's health (also when health arrives after the rows were shown) and an
    # address the network gave it.
    state = _posteverywhere_state()
    timeout = "Request timed out"
    live = dest("8", error=timeout, platform_post_url="https://x.com/p/1")
    posts = [post(f"p{i}", dest("7", error=timeout), dest("8", error=timeout)) for i in range(3)]
    posts.append(post("live", live))
    state.ingest(posts)

    def causes() -> list[Cause | None]:
        return [state.cause_of(p, d) for p in state.posts.values() for d in p.destinations]

    temporary, may_be_live = Cause.TEMPORARY, Cause.MAY_BE_LIVE
    assert causes() == [temporary] * 6 + [may_be_live]
    inactive = AccountHealth("7", reasons=("account_inactive",))
    state.set_health([Account("7", "x", health=inactive), Account("8", "y")])
    assert causes() == [Cause.RECONNECT, temporary] * 3 + [may_be_live]
    state.set_health([Account("7", "x"), Account("8", "y")])
    assert causes() == [temporary] * 6 + [may_be_live]


def test_the_cause_counts_follow_every_change_of_the_posts() -> None:
    # What the filter shows after a sync: each cause with its failed destinations, kept as
    # reads, polls and retry answers replace posts, and as the accounts' health arrives.
    state = _posteverywhere_state()

    def counted_afresh() -> dict[Cause, int]:
        causes = (state.cause_of(p, d) for p in state.posts.values() for d in p.destinations)
        found: dict[Cause, int] = {}
        for cause in causes:
            if cause is not None:
                found[cause] = found.get(cause, 0) + 1
        return found

    def counts() -> Counter[Cause] | None:
        return state.count_causes(posts_at_most=1_000)

    timeout, invalid = "Request timed out", "Invalid media type"
    state.ingest(
        [
            post("a", dest("7", error=timeout), dest("8", error=invalid)),
            post("b", dest("7", error=timeout)),
        ]
    )
    assert counts() == {Cause.TEMPORARY: 2, Cause.CONTENT: 1}
    state.put(post("b", dest("7", status=Status.PUBLISHED)))  # a poll saw the retry land
    assert counts() == {Cause.TEMPORARY: 1, Cause.CONTENT: 1}
    state.put_answer(post("a", dest("7", status=Status.QUEUED), dest("8", error=invalid)))
    assert counts() == {Cause.CONTENT: 1}
    inactive = AccountHealth("8", reasons=("account_inactive",))
    state.set_health([Account("8", "y", health=inactive)])
    assert counts() == {Cause.RECONNECT: 1}
    state.ingest([post("c", dest("7", error=timeout), status=PostStatus.DELETED)])
    state.ingest([post("b", dest("8", error=timeout))], force=True)
    assert counts() == {Cause.RECONNECT: 2} == counted_afresh()


def test_a_big_change_is_counted_a_slice_at_a_time_to_the_same_counts() -> None:
    state = _posteverywhere_state()
    state.ingest([post(f"p{i}", dest(str(i % 3), error="Request timed out")) for i in range(5)])
    assert [state.count_causes(posts_at_most=2) for _ in range(2)] == [None, None]
    assert state.count_causes(posts_at_most=2) == {Cause.TEMPORARY: 5}
    # Nothing changed since: the counts come at once.
    assert state.count_causes(posts_at_most=0) == {Cause.TEMPORARY: 5}


def test_each_provider_spec_carries_its_own_cause_table() -> None:
    assert cause_table(AYRSHARE.kind) is AYRSHARE.causes
    assert cause_table(POSTEVERYWHERE.kind) is POSTEVERYWHERE.causes
    assert AYRSHARE.causes.cause_of_code("110") is Cause.CONTENT
    assert cause_table("no-such-provider") is None
