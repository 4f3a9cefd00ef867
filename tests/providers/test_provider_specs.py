"""Each provider's status vocabulary (its spec's words) in the app's ``Status``; and the
registry: one spec per provider, each kind once, each with a factory."""

from __future__ import annotations

import pytest

from postretry_gui.domain import Status
from postretry_gui.providers.ayrshare import SPEC as AYRSHARE
from postretry_gui.providers.posteverywhere import SPEC as POSTEVERYWHERE


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
    assert POSTEVERYWHERE.destination_status(raw) is status


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
    assert AYRSHARE.destination_status(raw) is status
