"""Bulk requests ask the workspace's coordination before they leave (team mode's claims):
posts whose pair another operator holds are dropped from the request and show who retries
them; with none granted nothing is sent; a claim lost before the send sends nothing and
settles the intents as not sent. Against the simulator, with a stand-in coordination."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from dataclasses import dataclass

import pytest
import pytest_asyncio
from bulk_child import FAST_POLLS, FAULT_MATRIX_SIM, WORKSPACE, journal_dir, make_provider
from controller_fakes import RecordingListener

from postretry_gui.controller import WorkspaceSession
from postretry_gui.controller.coordination import (
    ClaimAnswer,
    CoordinationRefused,
    Pair,
    PairsAnswer,
    PairsTicket,
    SoloCoordination,
    Ticket,
)
from postretry_gui.domain import Outcome
from postretry_gui.domain.eligibility import Verdict
from postretry_gui.sim import SimConfig, SimServer
from postretry_gui.store.journal import IntentState, RetryJournal

BULK_ROUTE = "POST /posteverywhere/api/v1/posts/retry-failed"
LOST = "The claim on 3 of 3 destinations ran out before it could be sent: not sent."


class StandInCoordination:
    """Another operator ("bob") holds ``held``; everything else is granted. ``lose``: every
    claim is lost before its request leaves (its lease ran out)."""

    shared = True
    operator = "alice"

    def __init__(
        self,
        held: Mapping[Pair, str] | None = None,
        *,
        lose: bool = False,
        confirms: int | None = None,
    ) -> None:
        self.held = dict(held or {})
        self.lose = lose
        # How many sends are confirmed before the claim is lost (None: all of them).
        self.confirms = confirms
        self.claimed: list[frozenset[Pair]] = []
        self.released: list[PairsTicket | Ticket] = []
        self.kept: list[PairsTicket | Ticket] = []

    async def claim(self, post_id: str, account_ids: Iterable[str]) -> ClaimAnswer:
        raise AssertionError("these tests send bulk requests only")

    async def claim_pairs(self, pairs: Iterable[Pair]) -> PairsAnswer:
        asked = frozenset(pairs)
        granted = frozenset(p for p in asked if p not in self.held)
        self.claimed.append(granted)
        held = {p: holder for p, holder in self.held.items() if p in asked}
        return PairsAnswer(PairsTicket(granted) if granted else None, held)

    async def before_send(self, ticket: Ticket | PairsTicket) -> None:
        if self.confirms is not None:
            self.lose = self.confirms <= 0
            self.confirms -= 1
        if self.lose:
            raise CoordinationRefused(LOST)

    async def finished(self, ticket: Ticket | PairsTicket, *, applied: bool) -> None:
        (self.kept if applied else self.released).append(ticket)


@pytest.fixture
def sim() -> Iterator[SimServer]:
    # Retried destinations fail again: a held row is not moved on by a publish meanwhile.
    config = SimConfig(seed=3, posts=200, **{**FAULT_MATRIX_SIM, "success_odds": 0.0})
    with SimServer(config, port=0) as server:
        yield server


@dataclass
class Rig:
    coordination: StandInCoordination
    selection: dict[str, frozenset[str]]  # one account on many posts: one bulk request
    session: WorkspaceSession
    journal: RetryJournal
    sim: SimServer
    listener: RecordingListener

    @property
    def account_id(self) -> str:
        (account_id,) = {a for ids in self.selection.values() for a in ids}
        return account_id

    def bulk_requests(self) -> int:
        return int(self.sim.stats()["requests_by_route"].get(BULK_ROUTE, 0))

    def applied(self) -> set[Pair]:
        applied = self.sim.stats()["retries_applied"]
        return {(p, a) for p, a in (key.split("|") for key in applied)}

    def verdict(self, post_id: str) -> Verdict:
        post = self.session.posts[post_id]
        destination = post.destination(self.account_id)
        assert destination is not None
        return self.session.eligibility_of(post, destination).verdict


def _one_account(session: WorkspaceSession, posts: int) -> dict[str, frozenset[str]]:
    """``posts`` posts whose destination on the most common retryable account is ticked."""
    by_account: dict[str, list[str]] = {}
    for post_id in sorted(session.posts):
        for account_id in session.eligible_account_ids(session.posts[post_id]):
            by_account.setdefault(account_id, []).append(post_id)
    account_id, post_ids = max(by_account.items(), key=lambda item: len(item[1]))
    assert len(post_ids) >= posts, "the seeded simulator has an account failed on many posts"
    return {post_id: frozenset({account_id}) for post_id in post_ids[:posts]}


async def _rig(sim: SimServer, coordination: StandInCoordination) -> AsyncIterator[Rig]:
    with journal_dir() as folder:
        journal = RetryJournal(folder / "journal.sqlite3", operator="alice")
        provider = make_provider(sim.posteverywhere_url)
        listener = RecordingListener()
        session = WorkspaceSession(
            provider,
            listener,
            journal=journal,
            workspace_id=WORKSPACE,
            poll_settings=FAST_POLLS,
            coordination=coordination,
        )
        try:
            await session.load()
            await session.wait_loaded()
            selection = _one_account(session, 6)
            assert session.plan_retry(selection).request_count == 1
            sim.reset_stats()
            yield Rig(coordination, selection, session, journal, sim, listener)
        finally:
            await session.aclose()
            await provider.aclose()
            journal.close()


@pytest_asyncio.fixture
async def rig(sim: SimServer, request: pytest.FixtureRequest) -> AsyncIterator[Rig]:
    # ``rig.coordination.held`` is filled by the test, once the selection is known.
    coordination = StandInCoordination(lose=getattr(request, "param", False))
    async for made in _rig(sim, coordination):
        yield made


def _hold(rig: Rig, post_ids: Iterable[str]) -> None:
    for post_id in post_ids:
        rig.coordination.held[(post_id, rig.account_id)] = "bob"


@pytest.mark.asyncio
async def test_posts_another_operator_holds_are_left_out_of_the_request_and_say_who(
    rig: Rig,
) -> None:
    held = sorted(rig.selection)[1::3]  # two of the six
    _hold(rig, held)
    granted = [p for p in rig.selection if p not in held]

    report = await rig.session.retry(rig.selection)
    await rig.session.wait_settled()

    assert rig.bulk_requests() == 1
    assert rig.applied() == {(p, rig.account_id) for p in granted}
    outcomes = {o.post_id: o for o in report.outcomes}
    assert {p: outcomes[p].outcome for p in held} == dict.fromkeys(held, Outcome.SKIPPED)
    assert {outcomes[p].message for p in held} == {"Not sent: being retried by bob."}
    assert {outcomes[p].outcome for p in granted} == {Outcome.RETRIED}
    # The held rows say who retries them until the post is read again.
    assert {rig.verdict(p) for p in held} == {Verdict.IN_FLIGHT}
    intents = rig.journal.history(limit=100)
    assert {(i.post_id, i.account_ids) for i in intents} == {
        (p, (rig.account_id,)) for p in granted
    }
    assert len({i.request_key for i in intents}) == 1
    # Applied: the claim is kept to run out with its lease while the pairs settle.
    assert (rig.coordination.kept, rig.coordination.released) == (
        [PairsTicket(frozenset((p, rig.account_id) for p in granted))],
        [],
    )


@pytest.mark.asyncio
async def test_when_another_operator_holds_every_pair_nothing_is_sent(rig: Rig) -> None:
    _hold(rig, rig.selection)

    report = await rig.session.retry(rig.selection)

    assert rig.bulk_requests() == 0
    assert rig.applied() == set()
    assert rig.journal.history(limit=100) == []
    assert {(o.outcome, o.message) for o in report.outcomes} == {
        (Outcome.SKIPPED, "Not sent: being retried by bob.")
    }
    assert {rig.verdict(p) for p in rig.selection} == {Verdict.IN_FLIGHT}
    assert rig.coordination.kept == rig.coordination.released == []


@pytest.mark.asyncio
@pytest.mark.parametrize("rig", [True], indirect=True, ids=["claim-lost"])
async def test_a_claim_lost_before_the_send_sends_nothing_and_settles_the_intents_not_sent(
    rig: Rig,
) -> None:
    report = await rig.session.retry(rig.selection)

    assert rig.bulk_requests() == 0
    assert rig.applied() == set()
    assert {(o.outcome, o.message) for o in report.outcomes} == {(Outcome.NOT_SENT, LOST)}
    await rig.session.journal_written()
    intents = rig.journal.history(limit=100)
    assert len(intents) == len(rig.selection)
    assert {(i.state, i.outcome) for i in intents} == {(IntentState.SETTLED, Outcome.NOT_SENT)}
    # Unlocked: retryable again, and the claim let go at once.
    assert {rig.verdict(p) for p in rig.selection} == {Verdict.RETRYABLE}
    assert len(rig.coordination.released) == 1
    assert rig.coordination.kept == []
    assert rig.session.retries_sent(next(iter(rig.selection))) == 0


@pytest.mark.asyncio
async def test_alone_every_pair_of_a_bulk_request_is_granted_at_once() -> None:
    pairs = [("p1", "a"), ("p2", "a")]

    answer = await SoloCoordination("alice").claim_pairs(pairs)

    assert answer.ticket == PairsTicket(frozenset(pairs))
    assert answer.held_by == {}
    assert all(answer.granted(pair) for pair in pairs)


@pytest.mark.asyncio
async def test_a_claim_that_runs_out_while_waiting_out_a_429_is_not_sent_again() -> None:
    # The first send is refused with a 429 (nothing applied). Its wait outlasts the claim's
    # lease: the re-send asks the coordination again, learns the claim is lost, and does
    # not go: someone else may be retrying these destinations by now.
    config = SimConfig(
        seed=3,
        posts=200,
        **{**FAULT_MATRIX_SIM, "success_odds": 0.0},
        burst_429=1,
        fault_routes=(BULK_ROUTE,),
    )
    with SimServer(config, port=0) as sim:
        coordination = StandInCoordination(confirms=1)
        async for rig in _rig(sim, coordination):
            report = await rig.session.retry(rig.selection)

            assert rig.bulk_requests() == 1  # the refused one; never a second
            assert rig.applied() == set()
            assert {o.outcome for o in report.outcomes} == {Outcome.REJECTED}
            notices = [text for _, text in rig.listener.notices]
            assert any("Not sent again after the rate limit" in text for text in notices)
            assert len(coordination.released) == 1  # nothing applied: let go at once
            assert {rig.verdict(p) for p in rig.selection} == {Verdict.RETRYABLE}


@pytest.mark.asyncio
async def test_a_job_stopped_by_a_rejected_key_still_says_who_holds_the_posts_it_left_out(
    rig: Rig,
) -> None:
    held = sorted(rig.selection)[:2]
    _hold(rig, held)
    rig.sim.configure(retry_error={"status": 401})

    report = await rig.session.retry(rig.selection)

    assert rig.applied() == set()
    outcomes = {o.post_id: o for o in report.outcomes}
    assert {(outcomes[p].outcome, outcomes[p].message) for p in held} == {
        (Outcome.SKIPPED, "Not sent: being retried by bob.")
    }
    sent = [p for p in rig.selection if p not in held]
    assert {outcomes[p].outcome for p in sent} == {Outcome.KEY_REJECTED}
