"""Per-workspace view state: to and from JSON, forgiving of what it cannot read."""

from __future__ import annotations

import json

import pytest

from postretry_gui.ui.view_state import SortOrder, ViewState

STATE = ViewState(
    geometry="AdnQywADAAAAAAA=",
    column_widths=(32, 240, 120, 96),
    sort_column=2,
    sort_order=SortOrder.DESCENDING,
    tab=1,
    filter_text="linkedin",
)


def test_a_round_trip_through_json_text_keeps_everything() -> None:
    assert ViewState.from_json(json.loads(json.dumps(STATE.to_json()))) == STATE


def test_the_defaults_are_a_fresh_window() -> None:
    assert ViewState.from_json({}) == ViewState()
    assert ViewState().sort_column == -1


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        "view",
        {"column_widths": [100, "wide"], "sort_column": "2", "tab": -3},
        {"column_widths": [True, 20], "sort_order": "sideways", "geometry": 7},
        {"filter_text": None, "sort_column": 1.5, "tab": True},
    ],
)
def test_what_it_cannot_read_falls_back_to_defaults(data: object) -> None:
    assert ViewState.from_json(data) == ViewState()


def test_good_fields_survive_beside_bad_ones() -> None:
    state = ViewState.from_json({"tab": 3, "filter_text": "x", "column_widths": "nope"})
    assert (state.tab, state.filter_text, state.column_widths) == (3, "x", ())
