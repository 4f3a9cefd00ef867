"""The app's one garbage-collection policy, applied once by the start-up code.

1. Python's own thresholds, but collection only on the GUI thread. Left to itself the
   collector runs in whichever thread happens to cross its allocation threshold: here the
   embedded simulator's server thread, the cache writer or a resolver thread. A Qt object
   caught in a reference cycle (a window and a closure connected to its signal, say) is then
   destroyed on that thread. Qt cannot stop a timer from another thread ("QObject::~QObject:
   Timers cannot be stopped from another thread"), leaves it registered with the GUI thread's
   event dispatcher, and the next event pass touches freed memory: an intermittent segfault.
   So automatic collection is switched off and a timer on the GUI thread collects instead,
   generation by generation, with the thresholds Python itself would use.
2. Rows that landed in the window are frozen (``gc.freeze``): loaded posts and rows live as
   long as the window, and moving them out of the cyclic collector's reach keeps a gen-2
   collection over 100k rows (150-600 ms measured) from freezing the UI. They are still freed
   by reference counting when replaced. The young generations are collected first so that no
   cyclic garbage is frozen with them (it would never be freed). The window reports each
   batch through ``ui.memory_hooks``; this module is the only code that calls ``gc``.
3. The source lines PySide6 read at start-up are dropped when rows land. Its import hook
   (PYSIDE-2029) reads the source of every module imported after it, to see whether it uses
   PySide, and leaves it in ``linecache``: ~11 MB of lines for this app's imports, kept for a
   traceback that may never come. Dropped before the rows are allocated, that memory holds
   rows instead (100k-row load: resident 219 -> 208 MB); a traceback reads its lines again.
"""

from __future__ import annotations

import gc
import linecache

from PySide6.QtCore import QObject, QTimer

from postretry_gui.ui import memory_hooks

COLLECT_INTERVAL_MS = 250


class MainThreadCollector(QObject):
    """Point 1: automatic collection off, a GUI-thread timer collecting what is due."""

    def __init__(
        self, parent: QObject | None = None, *, interval_ms: int = COLLECT_INTERVAL_MS
    ) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        self._was_enabled = gc.isenabled()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect_due)

    def start(self) -> None:
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer.start()

    def stop(self) -> None:
        """Collect everything on this thread, then hand collection back to Python."""
        self._timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()

    def collect_due(self) -> int:
        return collect_due(self._thresholds)


def collect_due(thresholds: tuple[int, int, int] | None = None) -> int:
    """On the calling thread, collect the oldest generation whose count crossed its
    threshold (as Python's own trigger would); returns the generation collected, or -1."""
    limits = thresholds or gc.get_threshold()
    counts = gc.get_count()
    generation = -1
    for level in range(3):
        if counts[level] > limits[level]:
            generation = level
    if generation >= 0:
        gc.collect(generation)
    return generation


def freeze_long_lived() -> None:
    """Everything alive now stays alive for long: out of the cyclic collector's reach."""
    # Point 3, first: the lines must not be frozen with the rows, and their room is reused.
    linecache.clearcache()
    gc.collect(1)
    gc.freeze()


def install(app: QObject) -> MainThreadCollector:
    """Apply the policy for the life of ``app`` (the QApplication, created by the caller)."""
    collector = MainThreadCollector(app)
    collector.start()
    memory_hooks.set_rows_landed_hook(freeze_long_lived)
    return collector
