"""The Qt-free store: workspaces and their secrets, the offline cache, the retry journal and
redacted logs. Imports only ``domain`` of ours (and stdlib, keyring, platformdirs)."""

from postretry_gui.store.cache import PostCache
from postretry_gui.store.errors import (
    IntentNotFound,
    InvalidIntent,
    InvalidSecret,
    InvalidTransition,
    InvalidWorkspace,
    KeyringUnavailable,
    NewerStoreFile,
    StoreError,
    StoreUnavailable,
    WorkspaceNotFound,
)
from postretry_gui.store.journal import Intent, RetryJournal
from postretry_gui.store.journal_schema import IntentState
from postretry_gui.store.logs import RedactingFilter, configure_logging, stop_logging
from postretry_gui.store.memory_keyring import MemoryKeyring
from postretry_gui.store.paths import APP_NAME, StoreDirs
from postretry_gui.store.redaction import redact, register_secret
from postretry_gui.store.secrets import (
    SERVICE,
    SecretKind,
    SecretStore,
    describe_backend,
    keyring_remedy,
)
from postretry_gui.store.workspaces import (
    Workspace,
    WorkspaceRegistry,
    WorkspaceSecrets,
)

__all__ = [
    "APP_NAME",
    "SERVICE",
    "Intent",
    "IntentNotFound",
    "IntentState",
    "InvalidIntent",
    "InvalidSecret",
    "InvalidTransition",
    "InvalidWorkspace",
    "KeyringUnavailable",
    "MemoryKeyring",
    "NewerStoreFile",
    "PostCache",
    "RedactingFilter",
    "RetryJournal",
    "SecretKind",
    "SecretStore",
    "StoreDirs",
    "StoreError",
    "StoreUnavailable",
    "Workspace",
    "WorkspaceNotFound",
    "WorkspaceRegistry",
    "WorkspaceSecrets",
    "configure_logging",
    "describe_backend",
    "keyring_remedy",
    "redact",
    "register_secret",
    "stop_logging",
]
