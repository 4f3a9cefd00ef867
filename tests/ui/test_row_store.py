"""The window's rows without Qt: counts, ticks and the status filter (ui/row_store.py,
ui/row_order.py), as the Qt model relies on them."""

from __future__ import annotations

from datetime import timedelta

from ui_fakes import T0, WHOLE_POST, FakeOracle, destination, mixed_posts, post

from postretry_gui.domain import Status
from postretry_gui.ui.row_order import RowFilter, flatten
from postretry_gui.ui.row_store import RowStore
from postretry_gui.ui.rows import PostRow, StatusTab


def test_counts_follow_posts_as_they_arrive_and_change() -> None:
    store = RowStore(FakeOracle())
    for item in mixed_posts(3):
        store.add(item)
    assert store.counts() == {
        StatusTab.FAILED: 6,
        StatusTab.PARTIAL: 3,
        StatusTab.IN_FLIGHT: 3,
        StatusTab.ALL: 12,
    }
    first = store.by_post_id["p0"]
    published = first.post.merged((destination("2", Status.PUBLISHED),))
    assert store.update(first, published, T0 + timedelta(hours=1)) == []
    assert store.counts()[StatusTab.FAILED] == 5


def test_a_whole_post_provider_ticks_and_unticks_the_post_as_one() -> None:
    store = RowStore(FakeOracle(WHOLE_POST))
    row = store.add(post("p", destination("1"), destination("2"), destination("3")))
    assert store.tick_destination(row.by_account["1"], True)
    assert store.selection() == {"p": frozenset({"1", "2", "3"})}
    assert store.ticked_count() == (3, 1)
    assert store.tick_destination(row.by_account["2"], False)
    assert store.selection() == {}
    assert store.clear_ticks() == []


def test_the_failed_tab_shows_failures_only_and_numbers_the_flat_rows() -> None:
    store = RowStore(FakeOracle())
    rows: list[PostRow] = [store.add(item) for item in mixed_posts(2)]
    shown = RowFilter(tab=StatusTab.FAILED).shown(rows, FakeOracle())
    assert [[c.destination.status for c in p.visible] for p in shown] == [
        [Status.FAILED, Status.FAILED],
        [Status.FAILED, Status.FAILED],
    ]
    flat = flatten(shown)
    assert [r.row for r in flat] == list(range(6))
