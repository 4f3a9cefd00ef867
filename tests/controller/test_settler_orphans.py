"""Team mode's leader settles the retries an instance left unfinished when it died: locked and
read, never resent, and judged by whether the post changed after the intent, since the
leader's copy of the post may have been read after that retry ran."""

from __future__ import annotations

from datetime import timedelta

import pytest
from controller_fakes import (
    T0,
    FakeClock,
    FakeIntent,
    FakeProvider,
    RecordingJournal,
    RecordingListener,
    dest,
    post,
)

from postretry_gui.controller.journal_port import JournalLink
from postretry_gui.controller.settler import WatchSettler
from postretry_gui.controller.tasks import TaskSet
from postretry_gui.controller.workspace_state import WorkspaceState


@pytest.mark.asyncio
async def test_an_orphan_is_locked_read_and_settled_by_whether_its_post_changed_after_it() -> None:
    # Both posts were last changed at T0 and already show a second attempt.
    ran = post("ran", dest("1", attempts=2))
    untouched = post("untouched", dest("1", attempts=2))
    provider = FakeProvider([ran, untouched])
    listener = RecordingListener()
    state = WorkspaceState(
        listener, provider.capabilities, lambda: provider.rate_limit, known_retries=lambda _: 0
    )
    state.ingest([ran, untouched])
    journal = RecordingJournal()
    tasks = TaskSet()
    link = JournalLink(journal, "ws1", lambda text: None)
    settler = WatchSettler(
        provider,
        state,
        link,
        FakeClock(),
        tasks,
        loaded=lambda: True,
    )
    # The answers were lost when their senders died: sent, then nothing.
    settler.adopt_orphans(
        [
            FakeIntent("i-ran", "ws1", "ran", ("1",), "sent", T0 - timedelta(minutes=5)),
            FakeIntent("i-not", "ws1", "untouched", ("1",), "sent", T0 + timedelta(hours=1)),
        ]
    )
    assert state.locked("ran", "1")
    assert state.locked("untouched", "1")
    assert any(
        "2 retries left unfinished by an instance that stopped" in t for _, t in listener.notices
    )

    await settler.wait_settled()
    await link.written()
    # Counted from the copy read after the retry ran, "ran" would pass for never applied.
    assert ("settle", "i-ran", "failed_again") in journal.events
    assert ("settle", "i-not", "offered_again") in journal.events
    assert provider.calls_to("retry") == []
    assert not state.locked("ran", "1")
    assert not state.locked("untouched", "1")
    settler.stop()
    await tasks.aclose()
    await link.flush()
