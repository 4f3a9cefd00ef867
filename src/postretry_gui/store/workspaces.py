"""Workspaces: a name, a provider and a base URL in a JSON settings file; their secrets in the
keyring through ``SecretStore``.

The settings file holds nothing secret. It is rewritten atomically; an unreadable one is set
aside (renamed with a timestamp) and the app starts with no workspaces and a notice, never a
crash. Entries this version cannot read (say, a provider added by a newer version) are kept
as they were and written back untouched.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import threading
import uuid
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from postretry_gui.domain.provider_spec import ProviderCatalog, ProviderSpec
from postretry_gui.store.errors import (
    InvalidWorkspace,
    KeyringUnavailable,
    StoreUnavailable,
    WorkspaceNotFound,
)
from postretry_gui.store.files import atomic_write_text, set_aside
from postretry_gui.store.paths import check_workspace_id
from postretry_gui.store.secrets import SecretKind, SecretStore
from postretry_gui.store.team.connection import TeamSettings
from postretry_gui.store.workspace_team import team_from_json, team_to_json

SETTINGS_FILE_NAME = "workspaces.json"
SETTINGS_FORMAT = 1
MAX_NAME_LENGTH = 80


@dataclass(frozen=True, slots=True)
class Workspace:
    workspace_id: str
    name: str
    # The provider's kind (``ProviderSpec.kind``), as saved in the settings file.
    provider: str
    base_url: str
    # Retry one post per request, never in bulk: the operator's choice, or set by the app
    # when the provider's bulk retry re-queued destinations nobody ticked.
    single_post_retries: bool = False
    # Team mode: the shared PostgreSQL and this operator's name (None: this machine alone).
    team: TeamSettings | None = None


@dataclass(frozen=True, slots=True)
class WorkspaceSecrets:
    """A workspace's secrets. Its repr says which are set, never what they are."""

    api_key: str | None = field(default=None, repr=False)
    profile_key: str | None = field(default=None, repr=False)
    x_api_key: str | None = field(default=None, repr=False)
    x_api_secret: str | None = field(default=None, repr=False)
    # Team mode: the team database's password (any provider's workspace may have one).
    team_db_password: str | None = field(default=None, repr=False)

    def items(self) -> list[tuple[SecretKind, str]]:
        """(kind, value) for each secret that is set."""
        return [
            (SecretKind(f.name), value)
            for f in fields(self)
            if (value := getattr(self, f.name)) is not None
        ]

    def __repr__(self) -> str:
        present = ", ".join(kind.value for kind, _ in self.items())
        return f"WorkspaceSecrets(set: {present or 'none'})"


_LOOPBACK_NAMES = {"localhost"}


def _is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(url: str) -> str:
    """``url`` without a trailing slash, or ``InvalidWorkspace``.

    Plain http is accepted only on this machine (the simulator): elsewhere it would send the
    API key in clear. User info in the URL is refused: secrets go to the keyring only.
    """
    if not isinstance(url, str) or not url.strip():
        raise InvalidWorkspace("The base URL is empty.")
    url = url.strip()
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as exc:
        raise InvalidWorkspace("The base URL is not a valid URL.") from exc
    if parts.scheme not in ("https", "http") or not host:
        raise InvalidWorkspace("The base URL must start with https:// and name a host.")
    if parts.username is not None or parts.password is not None:
        raise InvalidWorkspace(
            "The base URL must not contain a user name or password: keys go in the key fields."
        )
    if parts.query or parts.fragment:
        raise InvalidWorkspace("The base URL must not have a query (?...) or fragment (#...).")
    if parts.scheme == "http" and not _is_loopback(host):
        raise InvalidWorkspace(
            "The base URL must use https:// (plain http would send the API key in clear); "
            "http:// is accepted only for this computer (127.0.0.1, localhost)."
        )
    return url.rstrip("/")


def check_name(name: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise InvalidWorkspace("The workspace name is empty.")
    name = " ".join(name.split())
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidWorkspace(f"The workspace name is longer than {MAX_NAME_LENGTH} characters.")
    return name


def check_provider(provider: str, providers: ProviderCatalog) -> ProviderSpec:
    """The spec of a provider this build knows (``providers``: the registry's catalogue,
    handed in by the composition root: the store may not import ``providers``)."""
    if isinstance(provider, str) and provider in providers:
        return providers.spec(provider)
    known = ", ".join(providers.kinds())
    raise InvalidWorkspace(f"Unknown provider {provider!r}; known: {known}.")


def secret_kinds(spec: ProviderSpec) -> tuple[SecretKind, ...]:
    """The secrets a workspace of this provider may have, in the spec's order."""
    return tuple(SecretKind(field.name) for field in spec.secret_fields)


def _workspace_from_json(raw: Any, providers: ProviderCatalog) -> Workspace:
    if not isinstance(raw, dict):
        raise InvalidWorkspace("not an object")
    return Workspace(
        workspace_id=check_workspace_id(raw.get("workspace_id")),  # type: ignore[arg-type]
        name=check_name(raw.get("name")),  # type: ignore[arg-type]
        provider=check_provider(raw.get("provider"), providers).kind,  # type: ignore[arg-type]
        base_url=check_base_url(raw.get("base_url")),  # type: ignore[arg-type]
        team=team_from_json(raw.get("team")),
        single_post_retries=raw.get("single_post_retries") is True,
    )


def _workspace_to_json(workspace: Workspace) -> dict[str, Any]:
    data: dict[str, Any] = {
        "workspace_id": workspace.workspace_id,
        "name": workspace.name,
        "provider": workspace.provider,
        "base_url": workspace.base_url,
    }
    if workspace.team is not None:
        data["team"] = team_to_json(workspace.team)
    if workspace.single_post_retries:  # absent means off, as in files written before it
        data["single_post_retries"] = True
    return data


class WorkspaceRegistry:
    """The workspaces of this user, their settings file and their secrets.

    ``notice`` is set when the settings file could not be read as it was (set aside, or
    entries skipped): a sentence for the UI to show once.
    """

    def __init__(self, config_dir: Path, secrets: SecretStore, providers: ProviderCatalog) -> None:
        self.path = config_dir / SETTINGS_FILE_NAME
        self.secret_store = secrets
        # What this build knows of each provider (kinds, default URLs, secret fields).
        self.providers = providers
        self.notice: str | None = None
        self._lock = threading.RLock()
        self._workspaces: list[Workspace] = []
        self._kept_raw: list[Any] = []
        self._active_id: str | None = None
        self._load()

    # -- reading -----------------------------------------------------------------------------

    def _load(self) -> None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return
        except OSError as exc:
            raise StoreUnavailable(f"Could not read {self.path}: {exc.strerror or exc}.") from exc
        except UnicodeDecodeError:
            self._set_aside("is not text")
            return
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            self._set_aside("is not valid JSON")
            return
        if not isinstance(data, dict) or not isinstance(data.get("workspaces"), list):
            self._set_aside("does not have the expected shape")
            return
        if data.get("format") != SETTINGS_FORMAT:
            self._set_aside(f"has an unknown format ({data.get('format')!r})")
            return
        skipped = 0
        for raw in data["workspaces"]:
            try:
                workspace = _workspace_from_json(raw, self.providers)
            except InvalidWorkspace:
                self._kept_raw.append(raw)
                skipped += 1
                continue
            if any(w.workspace_id == workspace.workspace_id for w in self._workspaces):
                skipped += 1
                continue
            self._workspaces.append(workspace)
        active = data.get("active_workspace_id")
        if isinstance(active, str) and any(w.workspace_id == active for w in self._workspaces):
            self._active_id = active
        if skipped:
            self.notice = (
                f"{skipped} workspace(s) in {self.path.name} could not be read by this version "
                "and are not shown; they are kept in the file unchanged."
            )

    def _set_aside(self, problem: str) -> None:
        aside = set_aside(self.path, "unreadable")
        self.notice = (
            f"The workspace settings file {problem}; it was set aside as {aside.name} and the "
            "app starts with no workspaces. Keys stay in the system keyring."
        )

    def _save(self) -> None:
        data = {
            "format": SETTINGS_FORMAT,
            "active_workspace_id": self._active_id,
            "workspaces": [_workspace_to_json(w) for w in self._workspaces] + self._kept_raw,
        }
        atomic_write_text(self.path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")

    def workspaces(self) -> tuple[Workspace, ...]:
        with self._lock:
            return tuple(self._workspaces)

    def get(self, workspace_id: str) -> Workspace:
        with self._lock:
            for workspace in self._workspaces:
                if workspace.workspace_id == workspace_id:
                    return workspace
        raise WorkspaceNotFound(workspace_id)

    @property
    def active_id(self) -> str | None:
        with self._lock:
            return self._active_id

    def set_active(self, workspace_id: str | None) -> None:
        with self._lock:
            if workspace_id is not None:
                self.get(workspace_id)
            self._active_id = workspace_id
            self._save()

    def _spec_of(self, workspace: Workspace) -> ProviderSpec:
        return check_provider(workspace.provider, self.providers)

    def _kinds_of(self, workspace: Workspace) -> tuple[SecretKind, ...]:
        """The provider's secret kinds, and the team database's password in team mode."""
        team = (SecretKind.TEAM_DB_PASSWORD,) if workspace.team is not None else ()
        return (*secret_kinds(self._spec_of(workspace)), *team)

    # -- changing ----------------------------------------------------------------------------

    def _check_unique_name(self, name: str, except_id: str | None = None) -> None:
        for workspace in self._workspaces:
            if workspace.workspace_id != except_id and workspace.name.casefold() == name.casefold():
                raise InvalidWorkspace(f"A workspace named {workspace.name!r} already exists.")

    def add(
        self,
        name: str,
        provider: str,
        base_url: str | None = None,
        secrets: WorkspaceSecrets | None = None,
        *,
        session_only: bool = False,
        workspace_id: str | None = None,
    ) -> Workspace:
        """Create a workspace and store its secrets; returns it.

        Secrets go first: if the keyring refuses them (``KeyringUnavailable``) nothing is
        saved at all, and the caller may ask again with ``session_only=True``.
        """
        spec = check_provider(provider, self.providers)
        workspace = Workspace(
            workspace_id=check_workspace_id(workspace_id or uuid.uuid4().hex),
            name=check_name(name),
            provider=spec.kind,
            base_url=check_base_url(base_url or spec.default_base_url),
        )
        with self._lock:
            self._check_unique_name(workspace.name)
            if any(w.workspace_id == workspace.workspace_id for w in self._workspaces):
                raise InvalidWorkspace(f"Workspace id {workspace.workspace_id!r} is taken.")
            self._store_secrets(workspace, secrets or WorkspaceSecrets(), session_only)
            self._workspaces.append(workspace)
            if self._active_id is None:
                self._active_id = workspace.workspace_id
            try:
                self._save()
            except StoreUnavailable:
                self._workspaces.remove(workspace)
                # No settings, no keys: a key without its workspace could never be removed.
                with contextlib.suppress(KeyringUnavailable):
                    self.secret_store.delete_workspace(workspace.workspace_id)
                raise
        return workspace

    def _store_secrets(
        self, workspace: Workspace, secrets: WorkspaceSecrets, session_only: bool
    ) -> None:
        items = secrets.items()
        allowed = (*self._kinds_of(workspace), SecretKind.TEAM_DB_PASSWORD)
        for kind, _ in items:
            if kind not in allowed:
                raise InvalidWorkspace(f"A {workspace.provider} workspace has no {kind.label}.")
        done: list[SecretKind] = []
        try:
            for kind, value in items:
                self.secret_store.save(
                    workspace.workspace_id, kind, value, session_only=session_only
                )
                done.append(kind)
        except KeyringUnavailable:
            # All or nothing, so a retry in session-only mode starts clean.
            for kind in done:
                try:
                    self.secret_store.delete(workspace.workspace_id, kind)
                except KeyringUnavailable:
                    break
            raise

    def _swap(self, current: Workspace, changed: Workspace) -> Workspace:
        """Put ``changed`` in ``current``'s place and save; unchanged if the save fails."""
        index = self._workspaces.index(current)
        self._workspaces[index] = changed
        try:
            self._save()
        except StoreUnavailable:
            self._workspaces[index] = current
            raise
        return changed

    def update(
        self,
        workspace_id: str,
        *,
        name: str | None = None,
        base_url: str | None = None,
        single_post_retries: bool | None = None,
    ) -> Workspace:
        """Rename a workspace, change its base URL or its single-post setting. The provider
        cannot change: make a new workspace instead (its secrets differ)."""
        with self._lock:
            current = self.get(workspace_id)
            changed = current
            if name is not None:
                changed = replace(changed, name=check_name(name))
                self._check_unique_name(changed.name, except_id=workspace_id)
            if base_url is not None:
                changed = replace(changed, base_url=check_base_url(base_url))
            if single_post_retries is not None:
                changed = replace(changed, single_post_retries=bool(single_post_retries))
            return self._swap(current, changed)

    def set_team(
        self,
        workspace_id: str,
        team: TeamSettings | None,
        password: str | None = None,
        *,
        session_only: bool = False,
    ) -> Workspace:
        """Share a workspace through a team database (``team``), or run it alone again (None:
        the password is forgotten too). ``password`` None leaves a stored one as it is; the
        keyring goes first, so a refused password changes nothing."""
        with self._lock:
            current = self.get(workspace_id)
            if team is None:
                self.secret_store.delete(workspace_id, SecretKind.TEAM_DB_PASSWORD)
            elif password is not None:
                self.secret_store.save(
                    workspace_id, SecretKind.TEAM_DB_PASSWORD, password, session_only=session_only
                )
            changed = replace(current, team=team)
            return self._swap(current, changed)

    def set_secrets(
        self, workspace_id: str, secrets: WorkspaceSecrets, *, session_only: bool = False
    ) -> None:
        """Store the secrets that are set in ``secrets`` (the others are left as they are)."""
        self._store_secrets(self.get(workspace_id), secrets, session_only)

    def clear_secret(self, workspace_id: str, kind: SecretKind) -> None:
        self.get(workspace_id)
        self.secret_store.delete(workspace_id, kind)

    def secrets(self, workspace_id: str) -> WorkspaceSecrets:
        """Load a workspace's secrets (``KeyringUnavailable`` if the keyring cannot be read)."""
        workspace = self.get(workspace_id)
        store = self.secret_store
        # A key kept for this session only means the keyring could not be used when it was
        # saved; the optional secrets were kept in memory with it or not given at all, so
        # asking the keyring for them would only fail again and block the workspace.
        session_only = store.is_session_only(workspace_id, SecretKind.API_KEY)
        values = {
            kind.value: (
                None
                if session_only
                and kind is not SecretKind.API_KEY
                and not store.is_session_only(workspace_id, kind)
                else store.load(workspace_id, kind)
            )
            for kind in self._kinds_of(workspace)
        }
        return WorkspaceSecrets(**values)

    def remove(self, workspace_id: str) -> None:
        """Delete a workspace's keyring entries, then the workspace.

        ``KeyringUnavailable`` leaves the workspace in place, so no key is orphaned in the
        keyring without the operator knowing. The workspace's cache and journal files are
        left for the caller (they hold no secret; the journal is the retry history).
        """
        with self._lock:
            workspace = self.get(workspace_id)
            self.secret_store.delete_workspace(workspace_id)
            self._workspaces.remove(workspace)
            if self._active_id == workspace_id:
                self._active_id = self._workspaces[0].workspace_id if self._workspaces else None
            self._save()
