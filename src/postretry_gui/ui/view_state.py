"""How a workspace's window was left: geometry, column widths, sort, tab and filter.

Kept per workspace so switching back finds the table as it was. Plain data with a JSON form
(no Qt: the window converts ``saveGeometry()`` bytes to and from base64 text itself). Reading
is forgiving: settings written by another version, or edited by hand, give the defaults for
what they lack or get wrong, never an error at start-up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

# Under this key in a workspace's settings JSON.
VIEW_STATE_SETTING_KEY = "view_state"


class SortOrder(StrEnum):
    ASCENDING = "ascending"
    DESCENDING = "descending"


@dataclass(frozen=True, slots=True)
class ViewState:
    # QWidget.saveGeometry() as base64 text; empty: let the window choose.
    geometry: str = ""
    column_widths: tuple[int, ...] = ()
    # -1: unsorted (the provider's order).
    sort_column: int = -1
    sort_order: SortOrder = SortOrder.ASCENDING
    tab: int = 0
    filter_text: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "geometry": self.geometry,
            "column_widths": list(self.column_widths),
            "sort_column": self.sort_column,
            "sort_order": self.sort_order.value,
            "tab": self.tab,
            "filter_text": self.filter_text,
        }

    @classmethod
    def from_json(cls, data: object) -> ViewState:
        if not isinstance(data, Mapping):
            return cls()
        default = cls()
        widths = data.get("column_widths")
        column_widths = (
            tuple(widths)
            if isinstance(widths, list) and all(_is_int(w) and w > 0 for w in widths)
            else default.column_widths
        )
        order = data.get("sort_order")
        return cls(
            geometry=_text(data.get("geometry"), default.geometry),
            column_widths=column_widths,
            sort_column=_int_from(data.get("sort_column"), default.sort_column, minimum=-1),
            sort_order=SortOrder(order) if order in set(SortOrder) else default.sort_order,
            tab=_int_from(data.get("tab"), default.tab, minimum=0),
            filter_text=_text(data.get("filter_text"), default.filter_text),
        )


def _is_int(value: object) -> bool:
    # bool is an int to Python; true/false in a settings file is not a width.
    return isinstance(value, int) and not isinstance(value, bool)


def _int_from(value: object, default: int, minimum: int) -> int:
    return value if isinstance(value, int) and _is_int(value) and value >= minimum else default


def _text(value: object, default: str) -> str:
    return value if isinstance(value, str) else default
