"""Where the store keeps its files: the platform's config, data and log folders.

Every store class takes its folder explicitly, so tests (and a portable install) pass a
temporary base and never touch the user's disk. ``StoreDirs.default()`` is for the app alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from postretry_gui.store.errors import InvalidWorkspace

APP_NAME = "postretry-gui"

# Workspace ids name folders and keyring entries: keep them to characters that are safe in
# both, so a hand-edited settings file can never point a path outside the data folder.
_WORKSPACE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


def check_workspace_id(workspace_id: str) -> str:
    if not isinstance(workspace_id, str) or not _WORKSPACE_ID.fullmatch(workspace_id):
        raise InvalidWorkspace(
            "A workspace id is 1-64 letters, digits, '-' or '_', starting with a letter or digit."
        )
    return workspace_id


@dataclass(frozen=True, slots=True)
class StoreDirs:
    config_dir: Path
    data_dir: Path
    log_dir: Path

    @classmethod
    def default(cls) -> StoreDirs:
        """The platform's own folders for this app (XDG on Linux, Library on macOS,
        AppData on Windows)."""
        return cls(
            config_dir=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
            data_dir=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
            log_dir=Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
        )

    @classmethod
    def under(cls, base: Path) -> StoreDirs:
        """All three folders below ``base``: tests, demos and portable installs."""
        return cls(config_dir=base / "config", data_dir=base / "data", log_dir=base / "logs")

    def workspace_dir(self, workspace_id: str) -> Path:
        """``<data_dir>/workspaces/<workspace_id>``: the cache and the retry journal live here."""
        return self.data_dir / "workspaces" / check_workspace_id(workspace_id)

    def cache_path(self, workspace_id: str) -> Path:
        return self.workspace_dir(workspace_id) / "cache.sqlite3"

    def journal_path(self, workspace_id: str) -> Path:
        return self.workspace_dir(workspace_id) / "journal.sqlite3"
