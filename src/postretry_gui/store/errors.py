"""What can go wrong in the store, as a short hierarchy of typed errors.

Every message is written for the operator and never carries a secret: not a key, not a part of
one, not the text a keyring backend echoed back.
"""

from __future__ import annotations

from pathlib import Path


class StoreError(Exception):
    """Base of every store failure."""


class InvalidWorkspace(StoreError, ValueError):
    """A workspace setting was refused: empty name, unknown provider, unsafe base URL..."""


class WorkspaceNotFound(StoreError, KeyError):
    """No workspace has this id."""

    def __init__(self, workspace_id: str) -> None:
        self.workspace_id = workspace_id
        super().__init__(f"No workspace with id {workspace_id!r}.")

    def __str__(self) -> str:  # KeyError would quote the whole message again
        return str(self.args[0])


class InvalidSecret(StoreError, ValueError):
    """A secret value was refused (empty, control characters, absurdly long). The message names
    the kind of secret, never its value."""


class KeyringUnavailable(StoreError):
    """The OS keyring cannot be used right now: missing, locked, or its prompt was dismissed.

    ``reason`` says what happened, ``remedy`` what the operator can do on this platform. The
    caller may then offer a session-only secret explicitly; nothing here falls back to plaintext.
    """

    def __init__(self, reason: str, remedy: str) -> None:
        self.reason = reason
        self.remedy = remedy
        super().__init__(
            f"The system keyring is not available: {reason}. {remedy} Until then the key can be "
            "kept for this session only: it stays in memory, is written nowhere, and is "
            "forgotten when the app closes."
        )


class StoreUnavailable(StoreError):
    """A local file could not be opened or written (permissions, disk full, locked by another
    process). Not corruption: nothing was set aside."""


class NewerStoreFile(StoreUnavailable):
    """A SQLite file was written by a newer version of the app, with a schema this version does
    not know. It is refused and left as it was (not migrated back, not set aside): an older
    version must not lose what the newer one recorded."""

    def __init__(self, what: str, path: Path, found: int, known: int) -> None:
        self.what = what
        self.path = path
        self.found = found
        self.known = known
        super().__init__(
            f"The {what} {path} was written by a newer version of postretry-gui (schema "
            f"version {found}; this version knows up to {known}). It was left untouched: "
            "use the newer version of the app to open it."
        )


class IntentNotFound(StoreError, KeyError):
    """No retry intent has this id in the journal."""

    def __init__(self, intent_id: str) -> None:
        self.intent_id = intent_id
        super().__init__(f"No retry intent {intent_id!r} in the journal.")

    def __str__(self) -> str:
        return str(self.args[0])


class InvalidTransition(StoreError):
    """A retry intent was asked to move to a state it cannot reach (journal states only move
    forward)."""


class InvalidIntent(StoreError, ValueError):
    """A retry intent was refused before it was written: empty post id, no account ids..."""
