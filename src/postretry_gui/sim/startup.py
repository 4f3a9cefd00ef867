"""Building a simulator's state at start-up, and the one garbage-collection policy that goes
with it (the stores themselves never touch the collector).

Generating a big store makes hundreds of thousands of objects, none of them garbage, and the
cyclic collector rescans them over and over while they are made. Measured (time until
``postretry-sim --posts 100000`` listens, median of 3): 2.37 s when the stores toggled the
collector themselves, 2.58 s with the collector left alone, 1.97 s with this policy; at
20,000 posts all three are within noise (0.50-0.55 s). So:

- ``postretry-sim`` owns its process: it pauses the collector while building, then freezes
  what it built, so the collector never scans the data again while serving.
- ``SimServer`` runs inside a host (the app's demo, tests, benchmarks) whose start-up owns the
  collector; its stores there are small, so it builds without touching process-wide state.
"""

from __future__ import annotations

import gc

from postretry_gui.sim.config import SimConfig
from postretry_gui.sim.context import SimContext


def build_context(config: SimConfig, *, owns_process: bool) -> SimContext:
    """The simulator's state for ``config``; ``owns_process`` only for the standalone CLI."""
    if not owns_process:
        return SimContext(config)
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        context = SimContext(config)
    finally:
        if was_enabled:
            gc.enable()
    gc.freeze()  # the stores live as long as the process: keep them out of every later pass
    return context
