from __future__ import annotations

from postretry_gui.domain import Destination, Post, PostStatus, Status
from postretry_gui.domain.status import post_status


def test_post_status_accepts_both_vocabularies() -> None:
    assert post_status("partially_failed") is PostStatus.PARTIALLY_FAILED
    assert post_status("error") is PostStatus.FAILED
    assert post_status("awaiting approval") is PostStatus.UNKNOWN


def test_merging_a_retry_answer_updates_only_the_retried_destinations() -> None:
    a = Destination("1", "x", Status.FAILED, attempts=1)
    b = Destination("2", "linkedin", Status.FAILED, attempts=1)
    post = Post("p", (a, b))
    merged = post.merged((Destination("2", "linkedin", Status.QUEUED, attempts=2),))
    assert [d.status for d in merged.destinations] == [Status.FAILED, Status.QUEUED]
    assert merged.destinations[1].attempts == 2
    assert post.failed == (a, b)
    assert merged.in_flight == (merged.destinations[1],)
