"""Workspace use-cases the window may import (no provider, no HTTP): the verdict of a key
check, a workspace draft checked like a saved one, and the list of workspaces (saved ones
plus this run's demo ones) with their secrets.

Opening a workspace and checking a key need a provider: they live in
``controller.workspace_opener``, which the composition root wires in, so the UI layer never
imports a provider (import-linter contract).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from postretry_gui.domain.provider_spec import ProviderCatalog
from postretry_gui.store import (
    SecretKind,
    StoreUnavailable,
    Workspace,
    WorkspaceNotFound,
    WorkspaceRegistry,
    WorkspaceSecrets,
)
from postretry_gui.store.workspaces import check_base_url, check_name, check_provider

log = logging.getLogger(__name__)

DRAFT_ID = "draft"

KeyChecker = Callable[[Workspace, WorkspaceSecrets], Coroutine[Any, Any, "KeyCheck"]]


def draft_workspace(
    name: str, provider: str, base_url: str | None, providers: ProviderCatalog
) -> Workspace:
    """A workspace not saved yet (for checking its key): the same checks as saving, so a bad
    name or URL is an ``InvalidWorkspace`` with a readable message before any request."""
    spec = check_provider(provider, providers)
    return Workspace(
        workspace_id=DRAFT_ID,
        name=check_name(name),
        provider=spec.kind,
        base_url=check_base_url(base_url or spec.default_base_url),
    )


class KeyVerdict(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"  # 401: the key (or profile key) is wrong
    UNREACHABLE = "unreachable"  # no answer: offline, wrong URL, timed out
    FAILED = "failed"  # the server answered with another error


@dataclass(frozen=True, slots=True)
class KeyCheck:
    verdict: KeyVerdict
    # One readable sentence: what came back. Never the key.
    message: str
    accounts: int | None = None

    @property
    def ok(self) -> bool:
        return self.verdict is KeyVerdict.ACCEPTED


# -- the list of workspaces ----------------------------------------------------------------------


class KeyKept(StrEnum):
    """Where a workspace's API key is kept, as the workspace switcher says it."""

    KEYRING = "keyring"
    SESSION_ONLY = "session only"
    DEMO = "demo key"


class WorkspaceBook:
    """Saved workspaces (the registry: settings file + keyring) and this run's demo
    workspaces (simulator, never saved, their demo keys held here)."""

    def __init__(self, registry: WorkspaceRegistry) -> None:
        self.registry = registry
        self._demo: dict[str, tuple[Workspace, WorkspaceSecrets]] = {}
        self._active_demo: str | None = None

    def workspaces(self) -> tuple[Workspace, ...]:
        return self.registry.workspaces() + tuple(w for w, _ in self._demo.values())

    @property
    def providers(self) -> ProviderCatalog:
        """What this build knows of each provider: for the dialogs' provider choice, default
        URLs and secret fields (the UI may not import ``providers``)."""
        return self.registry.providers

    def is_demo(self, workspace_id: str) -> bool:
        return workspace_id in self._demo

    def key_kept(self, workspace_id: str) -> KeyKept:
        """Where the API key is kept, told without reading the keyring (which may prompt)."""
        if workspace_id in self._demo:
            return KeyKept.DEMO
        if self.registry.secret_store.is_session_only(workspace_id, SecretKind.API_KEY):
            return KeyKept.SESSION_ONLY
        return KeyKept.KEYRING

    def get(self, workspace_id: str) -> Workspace:
        if workspace_id in self._demo:
            return self._demo[workspace_id][0]
        return self.registry.get(workspace_id)

    def add_demo(self, workspace: Workspace, secrets: WorkspaceSecrets) -> None:
        self._demo[workspace.workspace_id] = (workspace, secrets)

    def secrets(self, workspace_id: str) -> WorkspaceSecrets:
        """Raises ``KeyringUnavailable`` when the keyring cannot be read."""
        if workspace_id in self._demo:
            return self._demo[workspace_id][1]
        return self.registry.secrets(workspace_id)

    @property
    def active_id(self) -> str | None:
        if self._active_demo is not None:
            return self._active_demo
        return self.registry.active_id

    def set_active(self, workspace_id: str) -> None:
        if workspace_id in self._demo:
            self._active_demo = workspace_id
            return
        self._active_demo = None
        try:
            self.registry.set_active(workspace_id)
        except StoreUnavailable as error:
            # Which workspace opens next time is not worth stopping for.
            log.warning("Could not record the active workspace: %s", error)

    def add(
        self, draft: Workspace, secrets: WorkspaceSecrets, *, session_only: bool = False
    ) -> Workspace:
        """Save a new workspace (its secrets first; ``KeyringUnavailable`` saves nothing)."""
        workspace = self.registry.add(
            draft.name, draft.provider, draft.base_url, secrets, session_only=session_only
        )
        if draft.team is not None:
            workspace = self.registry.set_team(workspace.workspace_id, draft.team)
        return workspace

    def update(
        self,
        workspace_id: str,
        draft: Workspace,
        secrets: WorkspaceSecrets,
        *,
        session_only: bool = False,
    ) -> Workspace:
        """Store the new secrets, then the name and base URL."""
        if workspace_id in self._demo:
            workspace = Workspace(workspace_id, draft.name, draft.provider, draft.base_url)
            self._demo[workspace_id] = (workspace, secrets)
            return workspace
        self.registry.set_secrets(workspace_id, secrets, session_only=session_only)
        if self.registry.get(workspace_id).team != draft.team:
            self.registry.set_team(workspace_id, draft.team)
        return self.registry.update(workspace_id, name=draft.name, base_url=draft.base_url)

    def set_single_post_retries(self, workspace_id: str, on: bool) -> None:
        """Remember the workspace's single-post setting (a demo one: for this run)."""
        if workspace_id in self._demo:
            workspace, secrets = self._demo[workspace_id]
            self._demo[workspace_id] = (replace(workspace, single_post_retries=on), secrets)
            return
        try:
            self.registry.update(workspace_id, single_post_retries=on)
        except (StoreUnavailable, WorkspaceNotFound) as error:
            # The session keeps the setting for this run; the next start asks again.
            log.warning("Could not record the single-post setting: %s", error)

    def remove(self, workspace_id: str) -> None:
        """Forget a workspace and delete its keyring entries (``KeyringUnavailable`` keeps
        it, so no key is orphaned)."""
        if self._demo.pop(workspace_id, None) is not None:
            if self._active_demo == workspace_id:
                self._active_demo = None
            return
        if workspace_id not in {w.workspace_id for w in self.registry.workspaces()}:
            raise WorkspaceNotFound(workspace_id)
        self.registry.remove(workspace_id)
