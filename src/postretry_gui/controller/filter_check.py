"""Did a bulk retry re-queue only what it named? The check, and the fall-back when not.

A bulk retry (PostEverywhere's ``retry-failed``) names one account on many posts; its
filters combine, so it re-queues exactly those pairs. A server that ignored ``account_id``
would re-queue every failed destination of those posts: destinations nobody ticked, which
may publish again. The app cannot undo that, but it must say so plainly and never send a
bulk retry in that workspace again. Evidence comes from the answer's ``destinations`` when
it lists them, else from the first read of each post after the request: a destination that
was failed, not ticked and not locked before the request, and now reads queued, publishing,
published or with more attempts, was re-queued by it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from postretry_gui.controller.events import NoticeLevel
from postretry_gui.controller.workspace_state import WorkspaceState
from postretry_gui.domain import Destination, Post, Status
from postretry_gui.domain.retry_plan import PlannedRequest

# How many (post, account) pairs a notice names before it says "and N more".
_NAMED_AT_MOST = 5

Pair = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Bystanders:
    """Before a bulk request: per post, the failed destinations it must not touch (account
    id -> attempts then)."""

    by_post: Mapping[str, Mapping[str, int]]


class WidenedFilterCheck:
    """One per workspace: checks bulk answers and the first read after them, and switches the
    workspace to single-post retries (telling whoever listens: a running job re-plans)."""

    def __init__(self, state: WorkspaceState) -> None:
        self._state = state
        self._expected: dict[str, list[Mapping[str, int]]] = {}
        self._listeners: list[Callable[[], None]] = []
        # Pairs found since the fall-back began, named in its one notice.
        self._found: list[Pair] = []
        self._falling_back = False
        state.on_read(self._read)

    def on_widened(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call ``listener`` when a widened bulk retry is found; returns the stop function."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def bystanders(self, request: PlannedRequest) -> Bystanders:
        """What ``request`` must leave alone, as the posts read now (call before sending)."""
        state = self._state
        named = set(request.account_ids)
        by_post: dict[str, dict[str, int]] = {}
        for post_id in request.post_ids:
            post = state.posts.get(post_id)
            for destination in post.destinations if post is not None else ():
                account_id = destination.account_id
                if (
                    destination.status is Status.FAILED
                    and account_id not in named
                    and not state.locked(post_id, account_id)
                ):
                    by_post.setdefault(post_id, {})[account_id] = destination.attempts
        return Bystanders(by_post)

    def check_answer(
        self, request: PlannedRequest, requeued: Iterable[tuple[str, Destination]]
    ) -> list[tuple[str, Destination]]:
        """The re-queued destinations the answer lists beyond ``request``'s pairs (found:
        reported, and the workspace falls back)."""
        pairs = request.pairs
        extra = [(p, d) for p, d in requeued if (p, d.account_id) not in pairs]
        if extra:
            self._widened([(p, d.account_id) for p, d in extra])
        return extra

    def check_next_read(self, bystanders: Bystanders) -> None:
        """The answer did not list what it re-queued: judge by the next read of each post."""
        for post_id, before in bystanders.by_post.items():
            self._expected.setdefault(post_id, []).append(before)

    def _read(self, post: Post) -> None:
        expected = self._expected.pop(post.post_id, None)
        if not expected:
            return
        moved: list[Pair] = []
        for before in expected:
            for account_id, attempts in before.items():
                destination = post.destination(account_id)
                if destination is not None and _requeued(destination, attempts):
                    moved.append((post.post_id, account_id))
        if moved:
            self._widened(list(dict.fromkeys(moved)))

    def _widened(self, pairs: list[Pair]) -> None:
        """Fall back at once (a running job re-plans before its next request); say so once,
        naming every pair found in this burst of reads (a poll round reads many posts)."""
        if self._falling_back:
            self._found.extend(pairs)
            return
        if self._state.single_post_retries:
            return  # already one post per request: this is what was reported before
        self._falling_back = True
        self._found = list(pairs)
        self._state.set_single_post_retries(True)
        for listener in list(self._listeners):
            listener()
        asyncio.get_running_loop().call_soon(self._report)

    def _report(self) -> None:
        pairs = list(dict.fromkeys(self._found))
        self._found = []
        named = ", ".join(f"post {p} account {a}" for p, a in pairs[:_NAMED_AT_MOST])
        more = len(pairs) - _NAMED_AT_MOST
        if more > 0:
            named += f" and {more} more"
        self._state.notice(
            NoticeLevel.WARNING,
            "The server retried destinations that were not ticked: "
            f"{named}. It ignored the bulk retry's account filter, so this workspace now "
            "retries one post per request.",
        )
        self._falling_back = False


def _requeued(destination: Destination, attempts_before: int) -> bool:
    return (
        destination.status.in_flight
        or destination.status is Status.PUBLISHED
        or destination.attempts > attempts_before
    )
