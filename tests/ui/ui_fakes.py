"""Posts and a stand-in for the session's eligibility answers, for model and widget tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from postretry_gui.controller.events import PostMark
from postretry_gui.domain import (
    Destination,
    Eligibility,
    Post,
    PostStatus,
    ProviderCapabilities,
    Status,
    eligibility,
    retry_unit,
)
from postretry_gui.domain.triage import Cause
from postretry_gui.providers.ayrshare import CAPABILITIES as AYRSHARE_CAPABILITIES
from postretry_gui.providers.posteverywhere import CAPABILITIES as POSTEVERYWHERE_CAPABILITIES

# What the app really ships (the UI itself never imports providers; its tests may).
PER_DESTINATION = POSTEVERYWHERE_CAPABILITIES
WHOLE_POST = AYRSHARE_CAPABILITIES
PLATFORMS = ("x", "instagram", "facebook", "linkedin", "youtube", "tiktok", "threads", "pinterest")
T0 = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


class FakeOracle:
    """Answers like ``WorkspaceSession``: the domain's eligibility plus locks and marks."""

    def __init__(self, capabilities: ProviderCapabilities = PER_DESTINATION) -> None:
        self._capabilities = capabilities
        self.locks: set[tuple[str, str]] = set()
        self.marks: dict[str, PostMark] = {}
        # (post id, account id) -> cause; the rest have none, as before triage.
        self.causes: dict[tuple[str, str], Cause] = {}

    def cause_of(self, post: Post, destination: Destination) -> Cause | None:
        return self.causes.get((post.post_id, destination.account_id))

    @property
    def capabilities(self) -> ProviderCapabilities:
        return self._capabilities

    def eligibility_of(self, post: Post, destination: Destination) -> Eligibility:
        return eligibility(
            destination,
            post,
            self._capabilities,
            locked=(post.post_id, destination.account_id) in self.locks,
        )

    def mark(self, post_id: str) -> PostMark | None:
        return self.marks.get(post_id)

    def retry_unit_of(self, post: Post, ticked: frozenset[str]) -> frozenset[str]:
        eligible = frozenset(
            d.account_id for d in post.destinations if self.eligibility_of(post, d).retryable
        )
        return retry_unit(post, ticked, self._capabilities, eligible)


def destination(
    account_id: str,
    status: Status = Status.FAILED,
    *,
    error: str | None = "Upload failed: media processing timed out",
    platform: str | None = None,
) -> Destination:
    n = int(account_id) if account_id.isdigit() else 0
    return Destination(
        account_id=account_id,
        platform=platform or PLATFORMS[n % len(PLATFORMS)],
        status=status,
        account_name=f"Account {account_id}",
        error=error if status is Status.FAILED else None,
        attempts=1,
        platform_post_url=(
            f"https://example.com/p/{account_id}" if status is Status.PUBLISHED else None
        ),
    )


def post(post_id: str, *destinations: Destination, content: str = "") -> Post:
    n = sum(ord(c) for c in post_id)
    return Post(
        post_id=post_id,
        destinations=tuple(destinations),
        status=PostStatus.PARTIALLY_FAILED,
        content=content or f"Launch note {post_id}: our autumn collection is live",
        created_at=T0 + timedelta(minutes=n % 97),
        updated_at=T0 + timedelta(minutes=n % 89),
    )


def mixed_posts(count: int) -> list[Post]:
    """Posts with a published, a failed, a reconnect-required and a queued destination."""
    posts = []
    for n in range(count):
        base = n * 10
        posts.append(
            post(
                f"p{n}",
                destination(str(base + 1), Status.PUBLISHED),
                destination(str(base + 2), Status.FAILED),
                destination(
                    str(base + 3),
                    Status.FAILED,
                    error="Token expired. Please reconnect your LinkedIn account.",
                ),
                destination(str(base + 4), Status.QUEUED),
            )
        )
    return posts
