"""What a retry job is given: its workspace's parts (``JobPorts``) and its manners
(``BulkSettings``: concurrency, what a 429 means to it, when it counts as the operator's own
click)."""

from __future__ import annotations

from dataclasses import dataclass

from postretry_gui.controller.bulk_step import BulkStep
from postretry_gui.controller.clock import Clock
from postretry_gui.controller.filter_check import WidenedFilterCheck
from postretry_gui.controller.retry_step import RetryStep
from postretry_gui.controller.settler import WatchSettler
from postretry_gui.controller.tasks import TaskSet
from postretry_gui.controller.workspace_state import WorkspaceState
from postretry_gui.providers.base import Provider


@dataclass(frozen=True, slots=True)
class JobPorts:
    """What a retry job uses of its workspace, each through its public interface."""

    provider: Provider
    state: WorkspaceState
    step: RetryStep
    settler: WatchSettler
    clock: Clock
    tasks: TaskSet
    bulk_step: BulkStep
    check: WidenedFilterCheck


@dataclass(frozen=True, slots=True)
class BulkSettings:
    # Requests of this job in flight at once (the pacer's own cap, 8 by default, still holds).
    concurrency: int = 6
    # Sends of one intent in all: the first and its re-sends after 429s (same key).
    max_sends_per_intent: int = 4
    # This many 429s in a row, with no other answer in between, pause the job.
    pause_after_429s: int = 8
    # The wait after a 429 that named none, doubled on each further 429 of the intent.
    backoff_s: float = 1.0
    # A job of at most this many posts is the operator's own click: INTERACTIVE priority.
    interactive_up_to: int = 1
    # How often a job held by the pacer for a reason no event announces looks again.
    recheck_s: float = 0.05

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if self.max_sends_per_intent < 1:
            raise ValueError("max_sends_per_intent must be at least 1")
        if self.pause_after_429s < 1:
            raise ValueError("pause_after_429s must be at least 1")
