"""A post with every kind of detail, for the desk's widgets (tests and the Xvfb child)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from ui_fakes import FakeOracle, mixed_posts

from postretry_gui.controller.confirmation import RetryConfirmation
from postretry_gui.controller.events import SyncState
from postretry_gui.domain import AccountHealth, Destination, Post, ProviderCapabilities, Status
from postretry_gui.domain.outcome import Outcome
from postretry_gui.domain.retry_plan import PlanOptions, plan_retry
from postretry_gui.domain.status import PostStatus
from postretry_gui.domain.triage import Cause, CauseTable, classify

CAPS = ProviderCapabilities(
    display_name="PostEverywhere",
    per_destination_retry=True,
    max_retries_per_post=None,
    reconnect_url="https://app.posteverywhere.ai/accounts",
)
LONG_TEXT = "Spring launch! " + "Every word of this post matters. " * 20 + "The end."
EXPIRED = "Token expired. Please reconnect your LinkedIn account. " + "(detail) " * 15
POST = Post(
    post_id="p-17",
    status=PostStatus.PARTIALLY_FAILED,
    created_at=datetime(2026, 3, 1, 8, 0, tzinfo=UTC),
    content=LONG_TEXT,
    destinations=(
        Destination(
            account_id="2285",
            platform="linkedin",
            status=Status.FAILED,
            account_name="Primary Profile",
            error=EXPIRED,
            error_code="TOKEN_EXPIRED",
            attempts=2,
        ),
        Destination(
            account_id="2286",
            platform="x",
            status=Status.PUBLISHED,
            account_name="@brand",
            platform_post_url="https://x.com/brand/status/1",
            attempts=1,
        ),
        Destination(
            account_id="2287",
            platform="facebook",
            status=Status.FAILED,
            account_name="Brand Page",
            error="javascript-free text: <b>not bold</b>",
            platform_post_url="javascript:alert(1)",
        ),
    ),
)


@dataclass(frozen=True)
class Record:
    intent_id: str
    post_id: str
    account_ids: tuple[str, ...]
    created_at: datetime
    operator: str
    state: str
    outcome: Outcome | None
    detail: str


HISTORY = (
    Record(
        "i1",
        "p-17",
        ("2285",),
        datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
        "dana",
        "settled",
        Outcome.FAILED_AGAIN,
        "Token expired",
    ),
    Record("i2", "p-17", ("2287",), datetime(2026, 3, 2, tzinfo=UTC), "lee", "sent", None, ""),
)
HEALTH = {"2285": AccountHealth("2285", status="broken", reasons=("token_expired",))}
CAUSES = {"2285": Cause.RECONNECT, "2287": Cause.UNKNOWN}
TOKEN_EXPIRY = {"2285": datetime(2026, 2, 28, 12, 0, tzinfo=UTC)}


class SampleJournal:
    """The journal's reading side over :data:`HISTORY` (the desk asks only for history)."""

    def history(self, limit: int = 100, offset: int = 0, search: str | None = None) -> list[Record]:
        found = [r for r in HISTORY if not search or search in (r.post_id, r.intent_id)]
        return found[offset : offset + limit]

    def history_count(self, search: str | None = None) -> int:
        return len(self.history(search=search))

    def export_csv(self, path: Path) -> int:
        path.write_text("")
        return 0


class DeskSession(FakeOracle):
    """A session as the window sees it, over fixed posts: what the desk reads (posts, health,
    journal) and what the window starts (nothing is ever sent)."""

    def __init__(self, posts: Sequence[Post]) -> None:
        super().__init__(CAPS)
        self.posts: dict[str, Post] = {p.post_id: p for p in posts}
        self.journal = SampleJournal()
        self.sync_state = SyncState()
        self.health = dict(HEALTH)

    def cause_of(self, post: Post, destination: Destination) -> Cause | None:
        """Set causes first, else the domain's classification on the common phrases (the
        controller's, with the provider's own table, is another branch's work)."""
        known = self.causes.get((post.post_id, destination.account_id))
        if known is not None:
            return known
        health = self.health_of(destination.account_id)
        return classify(destination, CauseTable(), self.capabilities, health)

    def count_causes(self, posts_at_most: int) -> Counter[Cause] | None:
        return Counter(
            cause
            for post in self.posts.values()
            for destination in post.failed
            if (cause := self.cause_of(post, destination)) is not None
        )

    def health_of(self, account_id: str) -> AccountHealth | None:
        health = self.health.get(account_id)
        expiry = TOKEN_EXPIRY.get(account_id)
        return health if health is None or expiry is None else replace(health, expires_at=expiry)

    # The window shows the workspace's single-post setting; the desk never retries.
    single_post_retries = True

    def set_single_post_retries(self, on: bool) -> None:
        self.single_post_retries = on

    def confirmation(self, selection: Mapping[str, frozenset[str]]) -> RetryConfirmation:
        """The question the real session asks, for one request per post."""
        plan = plan_retry(selection, PlanOptions())
        return RetryConfirmation(question=plan.describe(), detail="One request per post.")

    def start_refresh(self) -> asyncio.Task[None]:
        raise AssertionError("the desk tests never refresh")

    def retry(self, selection: object, *, observer: object = None) -> object:
        raise AssertionError("nothing is sent unasked")

    async def aclose(self) -> None:
        return None


def desk_posts() -> list[Post]:
    """:data:`POST` first, then posts with every kind of row."""
    return [POST, *mixed_posts(5)]
