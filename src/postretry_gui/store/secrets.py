"""Every secret of every workspace, kept in the OS keyring and nowhere else.

One keyring entry per workspace and kind of secret, under the service ``postretry-gui``: the
keyring's "username" is ``<workspace_id>:<kind>``. When the keyring cannot be used the caller
gets ``KeyringUnavailable`` with the platform's remedy, and may then store the secret for this
session only (``session_only=True``): kept in this process's memory, written nowhere. There is
no plaintext fallback, silent or otherwise.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from enum import StrEnum
from typing import TypeVar

import keyring
import keyring.errors
from keyring.backend import KeyringBackend

from postretry_gui.store.errors import InvalidSecret, KeyringUnavailable
from postretry_gui.store.paths import check_workspace_id
from postretry_gui.store.redaction import register_secret

_T = TypeVar("_T")

SERVICE = "postretry-gui"
MAX_SECRET_LENGTH = 4096


class SecretKind(StrEnum):
    API_KEY = "api_key"
    PROFILE_KEY = "profile_key"
    X_API_KEY = "x_api_key"
    X_API_SECRET = "x_api_secret"  # noqa: S105 - the name of a kind, not a secret
    # The team database's login password (team mode): beside the API key, never in the URL.
    TEAM_DB_PASSWORD = "team_db_password"  # noqa: S105 - the name of a kind, not a secret

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    SecretKind.API_KEY: "API key",
    SecretKind.PROFILE_KEY: "Profile-Key",
    SecretKind.X_API_KEY: "X/Twitter API key",
    SecretKind.X_API_SECRET: "X/Twitter API secret",
    SecretKind.TEAM_DB_PASSWORD: "team database password",
}


def keyring_username(workspace_id: str, kind: SecretKind) -> str:
    return f"{check_workspace_id(workspace_id)}:{SecretKind(kind).value}"


def keyring_remedy(platform: str | None = None) -> str:
    """What an operator can do to get a working keyring on ``platform`` (``sys.platform``)."""
    platform = sys.platform if platform is None else platform
    if platform == "darwin":
        return (
            'Unlock the login Keychain (Keychain Access > File > Unlock Keychain "login") and '
            "allow postretry-gui to use it when macOS asks."
        )
    if platform.startswith(("win", "cygwin")):
        return (
            "Make sure Windows Credential Manager is available for your user account "
            "(Control Panel > Credential Manager), then try again."
        )
    return (
        "Install and unlock a Secret Service provider such as GNOME Keyring (gnome-keyring) or "
        "KWallet, make sure it runs in your desktop session, and unlock it when asked."
    )


def describe_backend(backend: KeyringBackend | None = None) -> str:
    """The active keyring backend as ``module.Class``, e.g.
    ``keyring.backends.SecretService.Keyring``, for ``--self-test`` and bug reports. A chained
    backend lists the backends it chains."""
    backend = keyring.get_keyring() if backend is None else backend
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    chained = getattr(backend, "backends", None)
    if isinstance(chained, list | tuple) and chained:
        inner = ", ".join(f"{type(b).__module__}.{type(b).__name__}" for b in chained)
        return f"{name} ({inner})"
    return name


def _reason(exc: BaseException) -> str:
    if isinstance(exc, keyring.errors.NoKeyringError):
        return "no keyring service was found on this system"
    if isinstance(exc, keyring.errors.KeyringLocked):
        return "the keyring is locked, or its unlock prompt was dismissed"
    if isinstance(exc, keyring.errors.InitError):
        return "the keyring could not be opened"
    if isinstance(exc, keyring.errors.PasswordSetError):
        return "the keyring refused to store the secret"
    if isinstance(exc, keyring.errors.PasswordDeleteError):
        return "the keyring refused to delete the secret"
    # A backend's own exception (D-Bus, Keychain, Windows errors). Its text is not shown: a
    # backend might echo what it was given.
    return f"the keyring failed ({type(exc).__name__})"


def check_secret(kind: SecretKind, value: str) -> str:
    """``value`` without surrounding whitespace (a pasted key often ends in a newline), or
    ``InvalidSecret``. Control characters are refused: they would break an HTTP header."""
    label = SecretKind(kind).label
    if not isinstance(value, str):
        raise InvalidSecret(f"The {label} must be text.")
    value = value.strip()
    if not value:
        raise InvalidSecret(f"The {label} is empty.")
    if len(value) > MAX_SECRET_LENGTH:
        raise InvalidSecret(f"The {label} is longer than {MAX_SECRET_LENGTH} characters.")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise InvalidSecret(f"The {label} contains control characters (line breaks, tabs...).")
    return value


class SecretStore:
    """Save, load and delete workspace secrets.

    ``backend`` None means keyring's active backend, read at each call (so
    ``keyring.set_keyring`` in a test takes effect at once). Thread-safe.
    """

    def __init__(
        self,
        backend: KeyringBackend | None = None,
        *,
        service: str = SERVICE,
        platform: str | None = None,
    ) -> None:
        self._backend = backend
        self._service = service
        self._platform = sys.platform if platform is None else platform
        self._lock = threading.Lock()
        # Secrets the caller chose to keep for this session only: never written anywhere.
        self._session: dict[tuple[str, SecretKind], str] = {}

    @property
    def backend(self) -> KeyringBackend:
        return keyring.get_keyring() if self._backend is None else self._backend

    def describe_backend(self) -> str:
        return describe_backend(self.backend)

    def _unavailable(self, exc: BaseException) -> KeyringUnavailable:
        return KeyringUnavailable(_reason(exc), keyring_remedy(self._platform))

    def _call(self, method: Callable[..., _T], *args: str) -> _T:
        """Call a backend method; any failure becomes ``KeyringUnavailable``.

        The error is raised outside the ``except`` block on purpose: it then carries no
        context, so the backend's exception (whose text might echo what it was given, and
        whose frames may hold an open D-Bus connection) is released at once.
        """
        try:
            return method(*args)
        except Exception as exc:
            error = self._unavailable(exc)
        raise error

    def save(
        self, workspace_id: str, kind: SecretKind, value: str, *, session_only: bool = False
    ) -> None:
        """Store a secret in the keyring, or, with ``session_only``, in memory for this session.

        Raises ``InvalidSecret`` for a bad value and ``KeyringUnavailable`` when the keyring
        cannot take it (nothing is stored then).
        """
        kind = SecretKind(kind)
        value = check_secret(kind, value)
        key = (check_workspace_id(workspace_id), kind)
        register_secret(value)
        if session_only:
            with self._lock:
                self._session[key] = value
            return
        self._call(self.backend.set_password, self._service, keyring_username(*key), value)
        with self._lock:
            self._session.pop(key, None)

    def load(self, workspace_id: str, kind: SecretKind) -> str | None:
        """The secret, or None when none was saved. A session-only secret wins over the
        keyring (and does not need it)."""
        kind = SecretKind(kind)
        key = (check_workspace_id(workspace_id), kind)
        with self._lock:
            session_value = self._session.get(key)
        if session_value is not None:
            return session_value
        value = self._call(self.backend.get_password, self._service, keyring_username(*key))
        if value is not None:
            register_secret(value)
        return value

    def is_session_only(self, workspace_id: str, kind: SecretKind) -> bool:
        with self._lock:
            return (workspace_id, SecretKind(kind)) in self._session

    def delete(self, workspace_id: str, kind: SecretKind) -> None:
        """Forget a secret in memory and in the keyring. Deleting what is not there is fine."""
        kind = SecretKind(kind)
        key = (check_workspace_id(workspace_id), kind)
        with self._lock:
            self._session.pop(key, None)
        backend = self.backend
        username = keyring_username(*key)
        # Asking first: backends report "not found" and "refused" with the same error.
        if self._call(backend.get_password, self._service, username) is None:
            return
        self._call(backend.delete_password, self._service, username)

    def delete_workspace(self, workspace_id: str) -> None:
        """Delete every kind of secret of a workspace, in memory first, then in the keyring."""
        with self._lock:
            for kind in SecretKind:
                self._session.pop((workspace_id, kind), None)
        for kind in SecretKind:
            self.delete(workspace_id, kind)
