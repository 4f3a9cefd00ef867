"""What the workspace shell is given by the composition root: an opener for saved
workspaces, the handle it returns, and the demo's starter. The shell never builds a provider."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from postretry_gui.controller.events import SessionListener
from postretry_gui.store import Workspace, WorkspaceSecrets
from postretry_gui.ui.rows import SessionPort


class WorkspaceHandle(Protocol):
    """What the shell needs of an opened workspace (``controller.workspace_opener``)."""

    @property
    def workspace(self) -> Workspace: ...

    @property
    def session(self) -> SessionPort: ...

    @property
    def cached_posts(self) -> int: ...

    @property
    def cached_at(self) -> datetime | None: ...

    def start(self, *, background: bool = True) -> asyncio.Task[None]: ...

    async def aclose(self) -> None: ...


Opener = Callable[[Workspace, WorkspaceSecrets, SessionListener], WorkspaceHandle]
DemoStarter = Callable[[], Sequence[tuple[Workspace, WorkspaceSecrets]]]
