"""Where the window tells whoever manages memory that long-lived rows just landed.

The window's posts and rows (100,000 of them after a large load) live as long as it does.
What that means for the garbage collector is the start-up code's policy, not a widget's
(``postretry_gui.gc_policy`` installs the hook once, at start); without a hook, as in the
tests and tools that build windows on their own, nothing happens.
"""

from __future__ import annotations

from collections.abc import Callable

RowsLandedHook = Callable[[], None]

_rows_landed_hook: RowsLandedHook | None = None


def set_rows_landed_hook(hook: RowsLandedHook | None) -> None:
    """Install (or, with None, remove) the process's one hook."""
    global _rows_landed_hook
    _rows_landed_hook = hook


def rows_landed() -> None:
    """A batch of posts has just been handed to the window's model."""
    if _rows_landed_hook is not None:
        _rows_landed_hook()
