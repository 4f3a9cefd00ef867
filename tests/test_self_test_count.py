"""Issue 13: ``--self-test`` reported fewer posts than the session held, because it counted
the window's rows before the window's update timer had shown the last batches. It now shows
every waiting batch first and reports what the session holds."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from postretry_gui import app
from postretry_gui.controller import WorkspaceSession
from postretry_gui.ui import post_batches


def test_the_self_test_counts_every_post_the_session_holds(
    qloop: asyncio.AbstractEventLoop, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A window whose timer never comes round by itself: the count may not depend on it.
    monkeypatch.setattr(post_batches, "FLUSH_INTERVAL_S", 3600.0)
    monkeypatch.setattr(post_batches, "LOADING_FLUSH_INTERVAL_S", 3600.0)
    sessions: list[WorkspaceSession] = []
    make_session = app.make_session

    def spy(endpoint: app.Endpoint, window: Any) -> Any:
        made = make_session(endpoint, window)
        sessions.append(made[0])
        return made

    monkeypatch.setattr(app, "make_session", spy)
    args = app.build_parser().parse_args(["--self-test"])
    with app.open_endpoint(args, fast_demo=True) as endpoint:
        task = qloop.create_task(app._self_test(endpoint, 60))
        qtbot.waitUntil(task.done, timeout=90_000)
    report = task.result()
    (session,) = sessions
    assert len(session.posts) > 100  # several pages: more than one batch to show
    assert report["posts_loaded"] == len(session.posts)
    assert report["rows_shown"] == len(session.posts)  # the window was brought up to date
    assert report["destinations_loaded"] == sum(len(p.destinations) for p in session.posts.values())
    assert report["checks"]["loaded"]
