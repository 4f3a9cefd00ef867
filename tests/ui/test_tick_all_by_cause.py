"""Issue 13 in the window's rows (Qt-free): "tick all retryable" ticks only failures a retry
can fix, and every account reads by the one naming rule whichever provider it comes from."""

from __future__ import annotations

from ui_fakes import PER_DESTINATION, FakeOracle, destination, post

from postretry_gui.domain import Destination, Eligibility, Post, Status, eligibility
from postretry_gui.domain.triage import Cause as C
from postretry_gui.domain.triage import CauseTable, classify, phrase
from postretry_gui.ui.row_order import RowFilter
from postretry_gui.ui.row_store import RowStore
from postretry_gui.ui.rows import Column, DestinationRow, StatusTab

# Duplicate text is content (Ayrshare's 110); the fakes' default error is a timeout.
TABLE = CauseTable(codes={"110": C.CONTENT}, phrases=(phrase(r"timed out", C.TEMPORARY),))


class TriagingOracle(FakeOracle):
    """Answers as the session does: eligibility with the failure's cause."""

    def eligibility_of(self, post: Post, destination: Destination) -> Eligibility:
        return eligibility(
            destination,
            post,
            self.capabilities,
            cause=classify(destination, TABLE, PER_DESTINATION),
        )


def test_tick_all_leaves_content_failures_for_the_operator() -> None:
    duplicate = Destination(
        "2", "x", Status.FAILED, error="Status is a duplicate.", error_code="110"
    )
    oracle = TriagingOracle()
    store = RowStore(oracle)
    rows = [
        store.add(post("mixed", destination("1"), duplicate)),
        store.add(post("content", duplicate)),
    ]
    store.tick_all(RowFilter(tab=StatusTab.ALL).shown(rows, oracle))
    assert store.selection() == {"mixed": frozenset({"1"})}
    # Still tickable by hand.
    assert store.tick_destination(rows[1].by_account["2"], True)
    assert store.selection()["content"] == frozenset({"2"})


def _account_cell(d: Destination) -> str:
    store = RowStore(FakeOracle())
    row = store.add(post("p", d)).children[0]
    assert isinstance(row, DestinationRow)
    return row.texts(FakeOracle())[Column.ACCOUNT]


def test_accounts_read_the_same_way_for_both_providers() -> None:
    # Ayrshare: the account is the network ("twitter"), with no display name from /user.
    assert _account_cell(Destination("twitter", "x", Status.FAILED)) == "X"
    assert _account_cell(Destination("linkedin", "linkedin", Status.FAILED)) == "LinkedIn"
    # PostEverywhere without an account name: the network and the account's id.
    assert _account_cell(Destination("2285", "linkedin", Status.FAILED)) == "LinkedIn account 2285"
    named = Destination("linkedin", "linkedin", Status.FAILED, account_name="Primary Profile")
    assert _account_cell(named) == "Primary Profile"
