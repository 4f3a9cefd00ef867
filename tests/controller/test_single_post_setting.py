"""The single-post setting of a workspace: opened as saved, changed by the operator or by the
app's fall-back, remembered through the callback the composition root gives."""

from __future__ import annotations

from pathlib import Path

import pytest
from controller_fakes import FakeProvider, RecordingListener, dest, post

from postretry_gui.controller.workspace_opener import WorkspaceOpener
from postretry_gui.store import StoreDirs, Workspace, WorkspaceSecrets


@pytest.mark.asyncio
async def test_a_workspace_opens_with_its_setting_and_remembers_a_change(tmp_path: Path) -> None:
    remembered: list[tuple[str, bool]] = []
    opener = WorkspaceOpener(
        StoreDirs.under(tmp_path),
        factory=lambda _w, _s: FakeProvider([post("p1", dest("1"))]),
        remember_single_post=lambda workspace_id, on: remembered.append((workspace_id, on)),
    )
    workspace = Workspace("ws1", "Brand", "posteverywhere", "https://x.io", True)
    listener = RecordingListener()
    opened = opener.open(workspace, WorkspaceSecrets(api_key="k"), listener)
    try:
        assert opened.session.single_post_retries is True
        assert opened.session.sync_state.single_post_retries is True
        opened.session.set_single_post_retries(True)  # no change: nothing to remember
        opened.session.set_single_post_retries(False)
        assert remembered == [("ws1", False)]
        assert listener.states[-1].single_post_retries is False
    finally:
        await opened.aclose()
