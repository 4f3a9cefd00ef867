"""Which rows show and in what order: the status tab, the text filter, the cause and a retry
summary group's destinations, and the sort keys of each column.

Sorting and filtering happen here in Python over plain lists (DESIGN.md: faster than a proxy
model that calls ``data()`` per comparison); the Qt model rebuilds its flat list afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from postretry_gui.domain import Status
from postretry_gui.domain.triage import Cause
from postretry_gui.ui.row_store import IN_FLIGHT
from postretry_gui.ui.rows import Badge, Column, DestinationRow, PostRow, RowOracle, StatusTab

_BADGE_ORDER = {
    badge: n
    for n, badge in enumerate(
        (
            Badge.FAILED,
            Badge.RECONNECT,
            Badge.OUTCOME_UNKNOWN,
            Badge.QUEUED,
            Badge.PUBLISHING,
            Badge.PUBLISHED,
            Badge.GONE,
            Badge.UNKNOWN,
        )
    )
}


@dataclass
class RowFilter:
    """The tab, the text (lower case, stripped) and a summary group's (post_id, account_id)
    pairs; None for the group shows every row."""

    tab: StatusTab = StatusTab.FAILED
    needle: str = ""
    only: frozenset[tuple[str, str]] | None = None
    # Only destinations failed for this cause; None for every row.
    cause: Cause | None = None

    def visible_children(self, post_row: PostRow, oracle: RowOracle) -> list[DestinationRow]:
        tab = self.tab
        children = post_row.children
        if tab is StatusTab.FAILED:
            shown = [c for c in children if c.destination.status is Status.FAILED]
        elif tab is StatusTab.IN_FLIGHT:
            shown = [c for c in children if c.destination.status in IN_FLIGHT]
        elif tab is StatusTab.PARTIAL:
            shown = list(children) if post_row.partially_failed() else []
        else:
            shown = list(children)
        if self.cause is not None:
            shown = [c for c in shown if c.cause(oracle) is self.cause]
        only = self.only
        if only is not None:
            post_id = post_row.post_id
            shown = [c for c in shown if (post_id, c.account_id) in only]
        needle = self.needle
        if needle and shown and needle not in post_row.haystack():
            shown = [c for c in shown if needle in c.haystack(oracle)]
        return shown

    def shown(self, fresh: Iterable[PostRow], oracle: RowOracle) -> list[PostRow]:
        """Posts not shown yet that have rows to show, each with its ``visible`` set."""
        shown = []
        for post_row in fresh:
            post_row.visible = self.visible_children(post_row, oracle)
            if post_row.visible:
                shown.append(post_row)
        return shown

    def reshown(self, posts: Iterable[PostRow], oracle: RowOracle) -> list[PostRow]:
        """As ``shown``, for posts that may be on screen: every row loses its place first."""
        for post_row in posts:
            post_row.row = -1
            for child in post_row.children:
                child.row = -1
        return self.shown(posts, oracle)


def flatten(visible: Iterable[PostRow]) -> list[PostRow | DestinationRow]:
    """What the view shows, in order: each post, then its visible destinations."""
    flat: list[PostRow | DestinationRow] = []
    append_flat(flat, visible)
    return flat


def append_flat(flat: list[PostRow | DestinationRow], posts: Iterable[PostRow]) -> None:
    """Add ``posts`` and their visible destinations at the end, numbering each row."""
    append = flat.append
    for post_row in posts:
        post_row.row = len(flat)
        append(post_row)
        for child in post_row.visible:
            child.row = len(flat)
            append(child)


def order_visible(
    visible: list[PostRow],
    arrival: Sequence[PostRow],
    column: int,
    descending: bool,
    oracle: RowOracle,
) -> None:
    """Sort ``visible`` (and each post's visible destinations) in place by ``column``; with
    no column (-1), back to arrival order (the server's, which insertion kept)."""
    if column >= 0:
        visible.sort(key=lambda p: post_key(p, column, oracle), reverse=descending)
        for post_row in visible:
            post_row.visible.sort(
                key=lambda c: destination_key(c, column, oracle), reverse=descending
            )
    elif visible:
        position = {id(p): n for n, p in enumerate(arrival)}
        visible.sort(key=lambda p: position[id(p)])
        for post_row in visible:
            order = {id(c): n for n, c in enumerate(post_row.children)}
            post_row.visible.sort(key=lambda c: order[id(c)])


def destination_key(row: DestinationRow, column: int, oracle: RowOracle) -> Any:
    d = row.destination
    if column == Column.CHECK:
        return (not row.ticked, not row.retryable(oracle))
    if column == Column.STATUS:
        return _BADGE_ORDER[row.badge(oracle)]
    if column == Column.ATTEMPTS:
        return d.attempts
    if column == Column.CHANGED:
        return row.changed_at.timestamp() if row.changed_at else 0.0
    if column == Column.POST:
        return 0
    return row.texts(oracle)[column].lower()


def post_key(post_row: PostRow, column: int, oracle: RowOracle) -> Any:
    if column == Column.POST:
        moment = post_row.post.scheduled_for or post_row.post.created_at
        return moment.timestamp() if moment else 0.0
    if column == Column.CHANGED:
        return max(
            (c.changed_at.timestamp() for c in post_row.children if c.changed_at),
            default=0.0,
        )
    keys = [destination_key(c, column, oracle) for c in post_row.visible]
    return min(keys) if keys else (True, True) if column == Column.CHECK else ""
