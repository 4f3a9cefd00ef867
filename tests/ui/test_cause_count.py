"""The cause filter's counts over a big list: counted a slice per turn, the same in the end."""

from __future__ import annotations

from postretry_gui.domain import Destination, Post, Status
from postretry_gui.domain.triage import Cause
from postretry_gui.ui.cause_filter import CauseCount, cause_counts


class ByAccount:
    """Every failure on an even account is temporary, on an odd one content."""

    def cause_of(self, post: Post, destination: Destination) -> Cause | None:
        return Cause.TEMPORARY if int(destination.account_id) % 2 == 0 else Cause.CONTENT


def posts(n: int) -> list[Post]:
    return [
        Post(
            post_id=f"p{i}",
            destinations=(
                Destination(account_id=str(i % 3), platform="x", status=Status.FAILED),
                Destination(account_id="9", platform="x", status=Status.PUBLISHED),
            ),
        )
        for i in range(n)
    ]


def test_a_big_list_is_counted_over_several_turns_to_the_same_counts() -> None:
    everything = posts(2500)
    oracle = ByAccount()
    counting = CauseCount(everything, oracle)  # type: ignore[arg-type]
    assert [counting.step(1000) for _ in range(3)] == [False, False, True]
    assert counting.counts == cause_counts(everything, oracle)  # type: ignore[arg-type]
    assert sum(counting.counts.values()) == 2500  # published destinations have no cause


def test_a_small_list_is_counted_in_one_turn() -> None:
    counting = CauseCount(posts(10), ByAccount())  # type: ignore[arg-type]
    assert counting.step(1000) is True
    assert counting.counts[Cause.TEMPORARY] + counting.counts[Cause.CONTENT] == 10
