"""The team journal on a real PostgreSQL: the local journal's states and words, with names."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from team_testkit import OpenDatabase

from postretry_gui.domain import Outcome
from postretry_gui.store import IntentNotFound, IntentState, InvalidIntent, InvalidTransition
from postretry_gui.store.team import TeamDatabase, TeamJournal


@pytest.mark.asyncio
async def test_an_intent_moves_forward_and_keeps_its_operators_name(
    database: TeamDatabase,
) -> None:
    journal = TeamJournal(database)
    intent = await journal.intend("ws1", "post-1", ["acc-a", "acc-b"])
    assert intent.state is IntentState.INTENDED
    assert intent.operator == "alice"
    assert intent.account_ids == ("acc-a", "acc-b")
    sent = await journal.mark_sent(intent.intent_id)
    assert sent.state is IntentState.SENT
    assert sent.sent_at is not None
    await journal.acknowledge(intent.intent_id, Outcome.RETRIED, "queued")
    settled = await journal.settle(intent.intent_id, "published", "live")
    assert settled.state is IntentState.SETTLED
    assert settled.outcome is Outcome.PUBLISHED
    assert settled.detail == "live"
    assert await journal.unfinished() == []


@pytest.mark.asyncio
async def test_states_only_move_forward(database: TeamDatabase) -> None:
    journal = TeamJournal(database)
    intent = await journal.intend("ws1", "post-1", ["acc-a"])
    await journal.mark_sent(intent.intent_id)
    with pytest.raises(InvalidTransition, match="not sent"):
        await journal.settle(intent.intent_id, Outcome.NOT_SENT)
    await journal.settle(intent.intent_id, Outcome.FAILED_AGAIN)
    with pytest.raises(InvalidTransition, match="settled"):
        await journal.mark_sent(intent.intent_id)
    with pytest.raises(IntentNotFound):
        await journal.mark_sent("no-such-intent")


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("post_id", "accounts"), [("", ["a"]), ("p", []), ("p", "acc"), ("p", ["a", ""])]
)
async def test_a_bad_intent_is_refused_before_it_is_written(
    database: TeamDatabase, post_id: str, accounts: list[str]
) -> None:
    journal = TeamJournal(database)
    with pytest.raises(InvalidIntent):
        await journal.intend("ws1", post_id, accounts)
    assert await journal.history_count() == 0


@pytest.mark.asyncio
async def test_every_operator_sees_the_whole_team_history_searchable(
    open_database: OpenDatabase,
) -> None:
    alice = TeamJournal(await open_database("alice"), "ws1")
    bob = TeamJournal(await open_database("bob"), "ws1")
    first = await alice.intend("ws1", "post-1", ["acc-a"])
    await bob.intend("ws1", "post-2", ["acc_b"])
    await bob.intend("ws2", "post-3", ["acc-c"])  # another workspace on the same database
    await alice.settle(first.intent_id, Outcome.UNREACHABLE, "100% offline")

    history = await bob.history()
    assert [(i.post_id, i.operator) for i in history] == [("post-2", "bob"), ("post-1", "alice")]
    assert [i.post_id for i in await alice.history(search="BOB")] == ["post-2"]
    assert [i.post_id for i in await alice.history(search="100%")] == ["post-1"]
    assert await alice.history(search="acc%b") == []  # "%" is a character, not a wildcard
    assert await alice.history_count(search="acc_b") == 1
    assert [i.post_id for i in await alice.history(limit=1, offset=1)] == ["post-1"]
    assert await alice.history_count() == 2
    assert await TeamJournal(await open_database("carol")).history_count() == 3


@pytest.mark.asyncio
async def test_retries_sent_counts_every_instance_but_not_the_never_sent(
    open_database: OpenDatabase,
) -> None:
    alice = TeamJournal(await open_database("alice"))
    bob = TeamJournal(await open_database("bob"))
    await alice.intend("ws1", "post-1", ["a"])
    never = await bob.intend("ws1", "post-1", ["a"])
    await bob.settle(never.intent_id, Outcome.NOT_SENT)
    await bob.intend("ws1", "post-1", ["a"])
    assert await alice.retries_sent("post-1") == 2
    assert await alice.retries_sent("post-1", workspace_id="ws2") == 0


@pytest.mark.asyncio
async def test_a_team_retry_the_server_did_not_apply_is_not_counted(
    open_database: OpenDatabase,
) -> None:
    alice = TeamJournal(await open_database("alice"))
    refused = await alice.intend("ws1", "post-1", ["a"])
    await alice.mark_sent(refused.intent_id)
    await alice.settle(refused.intent_id, Outcome.NOT_RETRIED, "nothing re-sent")
    assert await alice.retries_sent("post-1") == 0


@pytest.mark.asyncio
async def test_export_writes_the_team_history_as_spreadsheet_safe_csv(
    open_database: OpenDatabase, tmp_path: Path
) -> None:
    journal = TeamJournal(await open_database("=cmd"))
    intent = await journal.intend("ws1", "post-1", ["acc-a", "acc-b"])
    await journal.settle(intent.intent_id, Outcome.REJECTED, "=HYPERLINK()")
    target = tmp_path / "history.csv"
    assert await journal.export_csv(target) == 1
    rows = list(csv.DictReader(target.read_text(encoding="utf-8").splitlines()))
    assert rows[0]["operator"] == "'=cmd"
    assert rows[0]["detail"] == "'=HYPERLINK()"
    assert rows[0]["account_ids"] == "acc-a acc-b"
    assert rows[0]["outcome"] == "rejected"
