"""The destination tree: Qt's model contract, filters, sorting, batches and eligible ticks."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtTest import QAbstractItemModelTester
from ui_fakes import WHOLE_POST, FakeOracle, destination, mixed_posts, post

from postretry_gui.domain import Status
from postretry_gui.ui.destination_model import DestinationModel
from postretry_gui.ui.row_roles import Role
from postretry_gui.ui.rows import Column, StatusTab

CHECK = Qt.ItemDataRole.CheckStateRole


@pytest.fixture
def model(qapp: object) -> DestinationModel:
    return DestinationModel(FakeOracle())


def attach_tester(model: DestinationModel) -> QAbstractItemModelTester:
    return QAbstractItemModelTester(
        model, QAbstractItemModelTester.FailureReportingMode.Fatal, model
    )


def child(model: DestinationModel, post_id: str, account_id: str, column: int = 0) -> QModelIndex:
    index = model.index_of(post_id, account_id, column)
    assert index.isValid(), (post_id, account_id)
    return index


def test_model_contract_holds_through_inserts_updates_sorts_and_filters(
    model: DestinationModel,
) -> None:
    check = attach_tester(model)
    posts = mixed_posts(12)
    model.upsert(posts[:5])
    model.upsert(posts[5:])
    model.set_tab(StatusTab.ALL)
    # An update: one failure published, a new destination appears on an existing post.
    first = posts[0]
    updated = replace(
        first.merged((replace(first.destinations[1], status=Status.PUBLISHED),)),
    )
    updated = updated.merged((destination("999", Status.FAILED),))
    model.upsert([updated])
    for column in (Column.CHECK, Column.POST, Column.STATUS, Column.CHANGED):
        model.sort(column, Qt.SortOrder.DescendingOrder)
        model.sort(column, Qt.SortOrder.AscendingOrder)
    model.set_text_filter("account 2")
    model.set_tab(StatusTab.FAILED)
    model.set_text_filter("")
    model.sort(-1)
    assert check is not None
    # Failed tab: p0 shows its reconnect failure and the new one; the others two each.
    assert model.rowCount() == 3 + 11 * 3


def test_failed_tab_shows_failures_only_and_counts_every_tab(model: DestinationModel) -> None:
    model.upsert(mixed_posts(3))
    assert model.tab is StatusTab.FAILED
    # Each post heads its group: a post row, then its two failed destinations.
    assert model.rowCount() == 3 * 3
    assert model.index(0, 0).data(Role.DESTINATION) is None
    statuses = {model.index(r, Column.STATUS).data() for r in (1, 2)}
    assert statuses == {"Failed", "Reconnect"}
    assert model.counts() == {
        StatusTab.FAILED: 6,
        StatusTab.PARTIAL: 3,
        StatusTab.IN_FLIGHT: 3,
        StatusTab.ALL: 12,
    }
    model.set_tab(StatusTab.IN_FLIGHT)
    assert model.visible_destination_count() == 3


def test_only_retryable_destinations_get_an_enabled_box(model: DestinationModel) -> None:
    model.upsert(mixed_posts(1))
    model.set_tab(StatusTab.ALL)
    retryable = child(model, "p0", "2")
    reconnect = child(model, "p0", "3")
    published = child(model, "p0", "1")
    assert model.flags(retryable) & Qt.ItemFlag.ItemIsEnabled
    assert model.flags(retryable) & Qt.ItemFlag.ItemIsUserCheckable
    for index in (reconnect, published):
        assert not model.flags(index) & Qt.ItemFlag.ItemIsEnabled
        assert not model.setData(index, Qt.CheckState.Checked, CHECK)
        assert not model.toggle(index)
        assert index.data(CHECK) == Qt.CheckState.Unchecked
    assert "Reconnect" in reconnect.data(Qt.ItemDataRole.ToolTipRole)
    # Other cells of a blocked row stay enabled: the row is still reachable by keyboard.
    assert model.flags(reconnect.siblingAtColumn(Column.ERROR)) & Qt.ItemFlag.ItemIsEnabled


def test_tick_all_skips_what_cannot_be_retried(model: DestinationModel) -> None:
    model.upsert(mixed_posts(4))
    assert model.tick_all_visible() == 4
    assert model.selection() == {f"p{n}": frozenset({str(n * 10 + 2)}) for n in range(4)}
    assert model.index_of("p0").data(CHECK) == Qt.CheckState.Checked
    model.clear_ticks()
    assert model.selection() == {}


def test_text_filter_narrows_tick_all(model: DestinationModel) -> None:
    model.upsert(mixed_posts(4))
    model.set_text_filter("Account 12")
    assert model.rowCount() == 2  # the post and its one matching destination
    model.tick_all_visible()
    assert model.selection() == {"p1": frozenset({"12"})}


def test_post_box_is_tristate_over_its_retryable_destinations(model: DestinationModel) -> None:
    model.upsert([post("a", destination("1"), destination("2"), destination("3"))])
    assert model.toggle(child(model, "a", "1"))
    assert model.index_of("a").data(CHECK) == Qt.CheckState.PartiallyChecked
    assert model.toggle(model.index_of("a"))
    assert model.selection() == {"a": frozenset({"1", "2", "3"})}
    assert model.toggle(model.index_of("a"))
    assert model.selection() == {}


def test_whole_post_provider_ticks_the_whole_post_and_says_why(qapp: object) -> None:
    model = DestinationModel(FakeOracle(WHOLE_POST))
    model.upsert([post("a", destination("1"), destination("2"), destination("3"))])
    assert model.toggle(child(model, "a", "2"))
    assert model.selection() == {"a": frozenset({"1", "2", "3"})}
    tip = child(model, "a", "1").data(Qt.ItemDataRole.ToolTipRole)
    assert "retries whole posts" in tip
    assert model.toggle(child(model, "a", "3"))
    assert model.selection() == {}


def test_a_locked_destination_loses_its_tick_and_box(model: DestinationModel) -> None:
    oracle = model.oracle
    assert isinstance(oracle, FakeOracle)
    posts = mixed_posts(1)
    model.upsert(posts)
    model.tick_all_visible()
    oracle.locks.add(("p0", "2"))
    model.upsert(posts)  # the session re-announces the post when its locks change
    assert model.selection() == {}
    index = child(model, "p0", "2")
    assert not model.flags(index) & Qt.ItemFlag.ItemIsEnabled
    assert index.siblingAtColumn(Column.STATUS).data() == "Queued"


def test_one_batch_is_one_ranged_data_changed_with_roles(
    model: DestinationModel, qtbot: object
) -> None:
    posts = mixed_posts(50)
    model.upsert(posts)
    seen: list[tuple[QModelIndex, QModelIndex, list[int]]] = []
    model.dataChanged.connect(lambda a, b, roles: seen.append((a, b, roles)))
    batch = [p.merged((replace(p.destinations[1], status=Status.QUEUED),)) for p in posts[:20]]
    model.upsert(batch)
    assert len(seen) == 1
    first, last, roles = seen[0]
    # Failed tab: 3 rows per post (the post, two failures); 20 posts changed.
    assert (first.row(), last.row()) == (0, 20 * 3 - 1)
    assert (first.column(), last.column()) == (0, len(Column) - 1)
    assert Qt.ItemDataRole.DisplayRole in roles
    # The updated rows stay visible in the Failed tab until the filter is re-applied.
    assert child(model, "p0", "2", Column.STATUS).data() == "Queued"
    assert model.counts()[StatusTab.FAILED] == 80


def test_sorting_keeps_the_current_row(model: DestinationModel) -> None:
    from PySide6.QtCore import QPersistentModelIndex

    model.upsert(mixed_posts(5))
    kept = QPersistentModelIndex(child(model, "p3", "32"))
    model.sort(Column.POST, Qt.SortOrder.DescendingOrder)
    assert kept.isValid()
    assert kept.data(Role.DESTINATION).account_id == "32"


def test_links_open_only_on_the_web(model: DestinationModel) -> None:
    evil = replace(destination("5", Status.PUBLISHED), platform_post_url="file:///etc/passwd")
    model.upsert([post("a", destination("4", Status.PUBLISHED), evil)])
    model.set_tab(StatusTab.ALL)
    assert child(model, "a", "4").data(Role.LINK) == "https://example.com/p/4"
    assert child(model, "a", "5").data(Role.LINK) is None
    assert child(model, "a", "5", Column.LINK).data() == ""


def test_marks_show_on_the_rows_they_concern(model: DestinationModel) -> None:
    from postretry_gui.controller.events import PostMark

    oracle = model.oracle
    assert isinstance(oracle, FakeOracle)
    posts = mixed_posts(2)
    model.upsert(posts)
    oracle.locks.add(("p0", "2"))
    oracle.marks["p0"] = PostMark.OUTCOME_UNKNOWN
    oracle.marks["p1"] = PostMark.GONE
    model.upsert(posts)  # the session re-announces posts whose marks changed
    assert child(model, "p0", "2", Column.STATUS).data() == "Outcome unknown"
    assert "will not be resent" in child(model, "p0", "2", Column.ERROR).data(
        Qt.ItemDataRole.ToolTipRole
    )
    # The unlocked failure of the same post was not part of the lost retry.
    assert child(model, "p0", "3", Column.STATUS).data() == "Reconnect"
    assert child(model, "p1", "12", Column.STATUS).data() == "Post gone"


def test_staged_posts_show_only_when_upserted_and_in_their_latest_version(
    model: DestinationModel,
) -> None:
    check = attach_tester(model)
    posts = mixed_posts(3)
    model.stage(posts)
    # Staging builds rows ahead of time; the view and the counts see nothing yet.
    assert model.rowCount() == 0
    assert model.counts()[StatusTab.ALL] == 0
    # The first post changed before the flush: its newer version is what shows.
    newer = posts[0].merged((replace(posts[0].destinations[1], status=Status.PUBLISHED),))
    model.stage([newer])
    model.upsert([*posts, newer])
    assert check is not None
    assert model.counts() == {
        StatusTab.FAILED: 5,
        StatusTab.PARTIAL: 3,
        StatusTab.IN_FLIGHT: 3,
        StatusTab.ALL: 12,
    }
    model.set_tab(StatusTab.ALL)
    shown = child(model, newer.post_id, newer.destinations[1].account_id, Column.STATUS)
    assert shown.data() == "Published"
