"""The window on each whole-post provider's workspace (Ayrshare, Zernio): simulator on
loopback, the provider's client, session, retry journal on disk. The rule reaches the window
through capabilities only: one tick ticks every failed destination of the post, unticking
one unticks the post, and the post is sent once. What the retry leaves (failed again and
once-only, or published) is the case's data (``whole_post_windows.py``)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from whole_post_windows import (
    CASES,
    WindowCase,
    a_post_whose_failures_are_all_retryable,
    launched,
    retry_answers,
    retry_by_one_tick,
)
from window_kit import WAIT_MS

from postretry_gui.providers.registry import PROVIDERS
from postretry_gui.ui.rows import Column

SPECS = {entry.spec.kind: entry.spec for entry in PROVIDERS}


@pytest.fixture(params=CASES.values(), ids=CASES.keys())
def case(request: pytest.FixtureRequest) -> WindowCase:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def world(
    case: WindowCase, qloop: asyncio.AbstractEventLoop, qtbot: Any, tmp_path: Path
) -> Iterator[tuple[Any, Any]]:
    with launched(case, qloop, qtbot, tmp_path) as (sim, start):
        yield sim, start


def test_every_whole_post_provider_of_the_registry_has_a_window_case() -> None:
    whole_post = {
        kind for kind, spec in SPECS.items() if not spec.capabilities.per_destination_retry
    }
    assert whole_post == set(CASES)


def test_one_tick_ticks_the_whole_post_which_is_sent_once(
    case: WindowCase, world: tuple[Any, Any], qtbot: Any
) -> None:
    sim, launch = world
    app = launch()
    post = a_post_whose_failures_are_all_retryable(app, case)
    failed = frozenset(d.account_id for d in post.failed)
    first = sorted(failed)[0]

    # Space on ONE failed destination ticks every failed destination of the post, and the
    # tooltip says why.
    app.go_to(post.post_id, first)
    app.key(Qt.Key.Key_Space)
    assert app.window.model.selection() == {post.post_id: failed}
    tip = app.tooltip(post.post_id, first)
    assert f"{SPECS[case.kind].display_name} retries whole posts" in tip
    assert "ticks every retryable destination" in tip
    # Unticking one unticks the post: a whole-post retry cannot leave one out.
    app.key(Qt.Key.Key_Space)
    assert app.window.model.selection() == {}

    retry_by_one_tick(app, sim, case, post, qtbot)
    for account_id in failed:
        index = app.window.model.index_of(post.post_id, account_id, Column.STATUS)
        assert index.data() == case.shown_after
        destination = app.session.posts[post.post_id].destination(account_id)
        assert destination is not None
        assert destination.status is case.status_after
        assert app.verdict(post.post_id, account_id) is case.verdict_after
    assert app.session.retries_sent(post.post_id) == 1
    # Counted once the answer has left: wait for it rather than race the server.
    qtbot.waitUntil(lambda: retry_answers(sim, case) == {"200": 1}, timeout=WAIT_MS)
