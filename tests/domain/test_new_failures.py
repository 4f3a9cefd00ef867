"""New failures after a sync, grouped into one message."""

from __future__ import annotations

from collections import Counter

from postretry_gui.domain import Destination, Post, ProviderCapabilities, Status
from postretry_gui.domain.new_failures import FailureDigest, new_failures
from postretry_gui.domain.triage import Cause, CauseTable, classify

CAPS = ProviderCapabilities(
    display_name="PostEverywhere",
    per_destination_retry=True,
    max_retries_per_post=None,
    reconnect_url="https://app.posteverywhere.ai/accounts",
)
TABLE = CauseTable()


def dest(account: str, status: Status, error: str | None = None) -> Destination:
    return Destination(account_id=account, platform="linkedin", status=status, error=error)


def cause_of(_post: Post, destination: Destination) -> Cause | None:
    return classify(destination, TABLE, CAPS)


EXPIRED = "Token expired. Please reconnect your LinkedIn account."


def test_only_destinations_newly_failed_count() -> None:
    before = [
        Post("p1", (dest("a", Status.FAILED, "timeout"), dest("b", Status.PUBLISHING))),
        Post("p2", (dest("a", Status.QUEUED),)),
    ]
    after = [
        Post("p1", (dest("a", Status.FAILED, "timeout"), dest("b", Status.FAILED, EXPIRED))),
        Post("p2", (dest("a", Status.FAILED, "Server error 503"),)),
        Post("p3", (dest("a", Status.FAILED, EXPIRED), dest("b", Status.PUBLISHED))),
    ]
    digest = new_failures(before, after, cause_of)
    assert digest is not None
    assert digest.keys == (("p1", "b"), ("p2", "a"), ("p3", "a"))
    assert digest.post_count == 3
    assert digest.message() == "3 new failures in 3 posts · 2 need a reconnect"


def test_nothing_new_gives_no_digest() -> None:
    posts = [Post("p1", (dest("a", Status.FAILED, "timeout"),))]
    assert new_failures(posts, posts, cause_of) is None
    assert new_failures([], [Post("p1", (dest("a", Status.PUBLISHED),))], cause_of) is None


def test_the_issue_example_reads_as_written() -> None:
    digest = FailureDigest(
        keys=(("p1", "a"), ("p1", "b"), ("p2", "a"), ("p3", "a"), ("p3", "b")),
        causes=Counter({Cause.RECONNECT: 2, Cause.TEMPORARY: 3}),
    )
    assert digest.message() == "5 new failures in 3 posts · 2 need a reconnect"


def test_singulars_and_the_other_named_causes() -> None:
    digest = FailureDigest(
        keys=(("p1", "a"),),
        causes=Counter({Cause.CONTENT: 1}),
    )
    assert digest.message() == "1 new failure in 1 post · 1 needs the post changed"
    many = FailureDigest(
        keys=(("p1", "a"), ("p1", "b"), ("p1", "c")),
        causes=Counter({Cause.MAY_BE_LIVE: 1, Cause.REFUSED: 2}),
    )
    assert many.message() == (
        "3 new failures in 1 post · 1 may already be live · 2 were refused by the platform"
    )


def test_a_thousand_failures_make_one_message() -> None:
    after = [Post(f"p{i}", (dest("a", Status.FAILED, "timeout"),)) for i in range(1000)]
    digest = new_failures([], after, cause_of)
    assert digest is not None
    assert digest.message() == "1000 new failures in 1000 posts"


def test_a_post_read_again_is_compared_with_its_own_earlier_read() -> None:
    # A re-read brings a new object: its old failure is not news, its new one is; an
    # untouched post (the same object) brings nothing, and its cause is never asked.
    asked: list[str] = []

    def counting_cause_of(post: Post, destination: Destination) -> Cause | None:
        asked.append(f"{post.post_id}/{destination.account_id}")
        return cause_of(post, destination)

    untouched = Post("p1", (dest("a", Status.FAILED, "timeout"),))
    before = [
        untouched,
        Post("p2", (dest("a", Status.FAILED, "timeout"), dest("b", Status.QUEUED))),
    ]
    after = [
        untouched,
        Post("p2", (dest("a", Status.FAILED, "timeout"), dest("b", Status.FAILED, EXPIRED))),
    ]
    digest = new_failures(before, after, counting_cause_of)
    assert digest is not None
    assert digest.keys == (("p2", "b"),)
    assert digest.message() == "1 new failure in 1 post · 1 needs a reconnect"
    assert asked == ["p2/b"]
