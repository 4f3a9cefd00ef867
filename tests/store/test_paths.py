"""The platform folders, and clear errors when a folder cannot be used."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from postretry_gui.store import PostCache, RetryJournal, StoreDirs, StoreUnavailable
from postretry_gui.store.logs import configure_logging


@pytest.mark.skipif(sys.platform != "linux", reason="XDG variables are read on Linux only")
def test_default_dirs_follow_the_xdg_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))

    dirs = StoreDirs.default()

    assert dirs.config_dir == tmp_path / "cfg" / "postretry-gui"
    assert dirs.data_dir == tmp_path / "data" / "postretry-gui"
    assert dirs.log_dir == tmp_path / "state" / "postretry-gui" / "log"
    assert dirs.cache_path("w1") == tmp_path / "data/postretry-gui/workspaces/w1/cache.sqlite3"


def test_a_data_folder_that_is_a_file_gives_a_clear_error(tmp_path: Path) -> None:
    dirs = StoreDirs.under(tmp_path)
    dirs.data_dir.parent.mkdir(parents=True, exist_ok=True)
    dirs.data_dir.write_text("not a folder")

    with pytest.raises(StoreUnavailable, match="Could not create"):
        PostCache.for_workspace(dirs, "w1")
    with pytest.raises(StoreUnavailable, match="Could not create"):
        RetryJournal.for_workspace(dirs, "w1")


def test_a_log_folder_that_is_a_file_gives_a_clear_error(tmp_path: Path) -> None:
    blocked = tmp_path / "logs"
    blocked.write_text("not a folder")
    with pytest.raises(StoreUnavailable, match="log file"):
        configure_logging(blocked)
