"""Bulk requests in the team journal on a real PostgreSQL: one intent per (post, account) tied
to the request's key, written whole or not at all, moved together; and the schema step that
added the key to a database an older version created."""

from __future__ import annotations

import pytest
from team_testkit import OpenDatabase

from postretry_gui.domain import Outcome
from postretry_gui.store import IntentNotFound, IntentState, InvalidIntent, InvalidTransition
from postretry_gui.store.team import SCHEMA_VERSION, TeamDatabase, TeamJournal
from postretry_gui.store.team.schema import MIGRATIONS, migrate

PAIRS = [("post-1", "acc-a"), ("post-2", "acc-a"), ("post-3", "acc-a")]


@pytest.mark.asyncio
async def test_a_bulk_request_lands_whole_with_its_key_and_its_sender(
    open_database: OpenDatabase,
) -> None:
    alice = TeamJournal(await open_database("alice"))

    written = await alice.intend_request("ws1", "key-1", PAIRS)

    assert [(i.post_id, i.account_ids) for i in written] == [(p, (a,)) for p, a in PAIRS]
    assert {(i.operator, i.request_key, i.state) for i in written} == {
        ("alice", "key-1", IntentState.INTENDED)
    }
    assert len({i.intent_id for i in written}) == len(PAIRS)
    bob_view = TeamJournal(await open_database("bob"), "ws1")
    assert {i.intent_id for i in await bob_view.history()} == {i.intent_id for i in written}
    assert await bob_view.request("key-1") == written


@pytest.mark.asyncio
async def test_a_bulk_request_the_database_refuses_in_part_is_not_written_at_all(
    database: TeamDatabase,
) -> None:
    # A server-side refusal of the last row: the rows before it must go with it.
    async with database.session() as connection:
        await connection.execute(
            "CREATE FUNCTION refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF NEW.post_id = 'boom' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$"
        )
        await connection.execute(
            "CREATE TRIGGER refuse_boom BEFORE INSERT ON intents "
            "FOR EACH ROW EXECUTE FUNCTION refuse_boom()"
        )
    journal = TeamJournal(database)

    with pytest.raises(Exception, match="refused"):
        await journal.intend_request("ws1", "key-1", [*PAIRS, ("boom", "acc-a")])

    assert await journal.history() == []


@pytest.mark.asyncio
async def test_writing_a_request_again_after_a_lost_answer_writes_nothing_twice(
    database: TeamDatabase,
) -> None:
    journal = TeamJournal(database)
    first = await journal.intend_request("ws1", "key-1", PAIRS)

    again = await journal.intend_request("ws1", "key-1", PAIRS)

    assert again == first
    assert await journal.history_count() == len(PAIRS)


@pytest.mark.asyncio
async def test_a_bad_bulk_request_is_refused_before_anything_is_written(
    database: TeamDatabase,
) -> None:
    journal = TeamJournal(database)
    with pytest.raises(InvalidIntent, match="needs its key"):
        await journal.intend_request("ws1", " ", PAIRS)
    with pytest.raises(InvalidIntent, match="at least one"):
        await journal.intend_request("ws1", "key-1", [])
    with pytest.raises(InvalidIntent, match="post id"):
        await journal.intend_request("ws1", "key-1", [*PAIRS, ("", "acc-a")])
    assert await journal.history_count() == 0


@pytest.mark.asyncio
async def test_a_requests_intents_move_together_and_each_settles_alone(
    database: TeamDatabase,
) -> None:
    journal = TeamJournal(database)
    first, *rest = await journal.intend_request("ws1", "key-1", PAIRS)

    sent = await journal.mark_request_sent("key-1")
    acknowledged = await journal.acknowledge_request("key-1", Outcome.RETRIED, "queued")
    await journal.settle(first.intent_id, Outcome.PUBLISHED)

    assert {i.state for i in sent} == {IntentState.SENT}
    assert all(i.sent_at is not None for i in sent)
    assert {(i.state, i.detail) for i in acknowledged} == {(IntentState.ACKNOWLEDGED, "queued")}
    by_id = {i.intent_id: i for i in await journal.request("key-1")}
    assert by_id[first.intent_id].outcome is Outcome.PUBLISHED
    assert {by_id[i.intent_id].state for i in rest} == {IntentState.ACKNOWLEDGED}


@pytest.mark.asyncio
async def test_a_request_moves_whole_or_not_at_all(database: TeamDatabase) -> None:
    journal = TeamJournal(database)
    first, *rest = await journal.intend_request("ws1", "key-1", PAIRS)
    await journal.mark_request_sent("key-1")
    await journal.settle(first.intent_id, Outcome.NOTHING_TO_RETRY)

    # One intent of it is settled: the request cannot be marked unknown, and none of it is.
    with pytest.raises(InvalidTransition, match="1 of the 3 intents"):
        await journal.mark_request_unknown("key-1", "lost")

    states = {i.intent_id: i.state for i in await journal.request("key-1")}
    assert [states[i.intent_id] for i in rest] == [IntentState.SENT] * len(rest)


@pytest.mark.asyncio
async def test_only_a_request_that_never_left_is_settled_as_not_sent(
    database: TeamDatabase,
) -> None:
    journal = TeamJournal(database)
    await journal.intend_request("ws1", "never", PAIRS[:2])
    await journal.intend_request("ws1", "left", PAIRS[2:])
    await journal.mark_request_sent("left")

    settled = await journal.settle_request("never", Outcome.NOT_SENT, "claim lost")

    assert {(i.state, i.outcome) for i in settled} == {(IntentState.SETTLED, Outcome.NOT_SENT)}
    with pytest.raises(InvalidTransition):
        await journal.settle_request("left", Outcome.NOT_SENT)
    await journal.mark_request_unknown("left", "timed out")
    assert await journal.retries_sent("post-3") == 1
    assert await journal.retries_sent("post-1") == 0
    with pytest.raises(IntentNotFound):
        await journal.mark_request_sent("no-such-key")


@pytest.mark.asyncio
async def test_a_database_of_the_previous_version_gains_the_request_key_and_keeps_its_history(
    open_database: OpenDatabase,
) -> None:
    database = await open_database("alice", migrate=False)
    async with database.session() as connection:
        assert await migrate(connection, MIGRATIONS[: SCHEMA_VERSION - 1]) == SCHEMA_VERSION - 1
        # An intent as the previous version wrote it (it knew no request key).
        await connection.execute(
            "INSERT INTO intents (intent_id, workspace_id, post_id, account_ids, created_at, "
            "operator, state, outcome, detail, sent_at, updated_at) VALUES ('old-1', 'ws1', "
            "'post-1', ARRAY['acc-a'], now(), 'bob', 'settled', 'published', 'live', now(), now())"
        )

    assert await database.migrate() == SCHEMA_VERSION

    journal = TeamJournal(database)
    old = await journal.get("old-1")
    assert (old.operator, old.outcome, old.request_key) == ("bob", Outcome.PUBLISHED, None)
    assert old.idempotency_key == "old-1"
    written = await journal.intend_request("ws1", "key-1", PAIRS)
    assert [i.request_key for i in written] == ["key-1"] * len(PAIRS)
    async with database.session() as connection:
        cursor = await connection.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'intents_by_request'"
        )
        row = await cursor.fetchone()
    assert row is not None
    assert "request_key" in row[0]
