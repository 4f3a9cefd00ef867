from __future__ import annotations

import pytest

from postretry_gui.domain import Destination, Post, PostStatus, Status
from postretry_gui.domain.status import ayrshare_status, post_status, posteverywhere_status


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("queued", Status.QUEUED),
        ("Publishing", Status.PUBLISHING),
        ("published", Status.PUBLISHED),
        ("FAILED", Status.FAILED),
        ("exploded", Status.UNKNOWN),
        (None, Status.UNKNOWN),
        (3, Status.UNKNOWN),
    ],
)
def test_posteverywhere_statuses_normalise(raw: object, status: Status) -> None:
    assert posteverywhere_status(raw) is status


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("success", Status.PUBLISHED),
        ("error", Status.FAILED),
        ("pending", Status.QUEUED),
        ("processing", Status.PUBLISHING),
        ("awaiting approval", Status.UNKNOWN),
    ],
)
def test_ayrshare_statuses_normalise(raw: str, status: Status) -> None:
    assert ayrshare_status(raw) is status


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
