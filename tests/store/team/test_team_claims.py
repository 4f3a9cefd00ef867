"""Claims on a real PostgreSQL, with several instances' connections at the same moment."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from team_testkit import OpenDatabase

from postretry_gui.store.team import ClaimLost, Claims, HeldPair, TeamDatabase


def _pairs(posts: range, accounts: tuple[str, ...] = ("x", "y")) -> list[tuple[str, str]]:
    return [(f"post-{n:03}", a) for n in posts for a in accounts]


@pytest.mark.asyncio
async def test_three_claimers_on_overlapping_selections_get_each_pair_once(
    open_database: OpenDatabase,
) -> None:
    names = ("alice", "bob", "carol")
    claimers = [Claims(await open_database(name), "ws1") for name in names]
    selections = [_pairs(range(0, 200)), _pairs(range(100, 300)), _pairs(range(50, 250))]
    results = await asyncio.gather(*(c.claim(s) for c, s in zip(claimers, selections, strict=True)))

    claimed = Counter(pair for r in results for pair in r.claim.pairs)
    assert set(claimed) == set(_pairs(range(0, 300)))
    assert max(claimed.values()) == 1
    for result, selection, name in zip(results, selections, names, strict=True):
        # Every pair asked for is either claimed here or reported with its holder's name.
        held = {(h.post_id, h.account_id): h.holder for h in result.held}
        assert set(result.claim.pairs) | set(held) == set(selection)
        assert not set(result.claim.pairs) & set(held)
        assert name not in held.values()
    assert len({r.claim.fence for r in results}) == 3


@pytest.mark.asyncio
async def test_a_held_pair_says_who_is_retrying_it(open_database: OpenDatabase) -> None:
    alice = Claims(await open_database("alice"), "ws1")
    bob = Claims(await open_database("bob"), "ws1")
    await alice.claim([("post-1", "x")])
    result = await bob.claim([("post-1", "x"), ("post-2", "x")])
    assert result.claim.pairs == (("post-2", "x"),)
    assert result.held == (HeldPair("post-1", "x", "alice"),)
    assert result.held[0].describe() == "being retried by alice"
    assert await bob.held_by_others([("post-1", "x"), ("post-2", "x")]) == result.held


@pytest.mark.asyncio
async def test_a_released_pair_can_be_claimed_again(open_database: OpenDatabase) -> None:
    alice = Claims(await open_database("alice"), "ws1")
    bob = Claims(await open_database("bob"), "ws1")
    first = await alice.claim([("post-1", "x"), ("post-1", "y")])
    await alice.confirm_send(first.claim)
    assert await alice.release(first.claim, [("post-1", "x")]) == 1
    again = await bob.claim([("post-1", "x"), ("post-1", "y")])
    assert again.claim.pairs == (("post-1", "x"),)
    assert [h.holder for h in again.held] == ["alice"]


@pytest.mark.asyncio
async def test_an_expired_lease_is_taken_over_and_its_fencing_number_refused(
    open_database: OpenDatabase,
) -> None:
    alice = Claims(await open_database("alice"), "ws1")
    bob = Claims(await open_database("bob"), "ws1")
    # A lease of 0 s has run out by the next statement: no waiting needed.
    stale = (await alice.claim([("post-1", "x")], lease_s=0)).claim
    with pytest.raises(ClaimLost, match="not sent"):
        await alice.confirm_send(stale)

    taken = (await bob.claim([("post-1", "x")])).claim
    assert taken.pairs == (("post-1", "x"),)
    assert taken.fence > stale.fence
    with pytest.raises(ClaimLost):
        await alice.renew(stale)
    assert await alice.release(stale) == 0  # the newer claim is left alone
    await bob.confirm_send(taken)
    renewed = await bob.renew(taken, lease_s=600)
    assert renewed.expires_at > taken.expires_at


@pytest.mark.asyncio
async def test_confirming_is_all_or_nothing(database: TeamDatabase) -> None:
    claims = Claims(database, "ws1")
    claim = (await claims.claim([("p", "x"), ("q", "x")])).claim
    await claims.release(claim, [("q", "x")])
    with pytest.raises(ClaimLost, match="1 of 2"):
        await claims.confirm_send(claim)
    async with database.session() as connection:
        cursor = await connection.execute("SELECT count(*) FROM claims WHERE sent_at IS NOT NULL")
        assert await cursor.fetchone() == (0,)
