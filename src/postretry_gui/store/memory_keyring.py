"""A keyring backend that keeps passwords in a dict: for tests and the demo workspace.

It is never picked by keyring's automatic backend choice (its priority raises, which keyring
reads as "not viable"): it must be chosen explicitly, with ``keyring.set_keyring`` or by passing
it to ``SecretStore``, so a real user's keys can never land in memory by accident.
"""

from __future__ import annotations

import threading

from keyring.backend import KeyringBackend
from keyring.compat import properties
from keyring.errors import PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    @properties.classproperty
    def priority(cls) -> float:
        raise RuntimeError("MemoryKeyring is only used when chosen explicitly")

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._lock = threading.Lock()
        self._passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        with self._lock:
            return self._passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        with self._lock:
            self._passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        with self._lock:
            if self._passwords.pop((service, username), None) is None:
                raise PasswordDeleteError("No such password")

    def entries(self) -> list[tuple[str, str]]:
        """(service, username) pairs held, for tests to assert what was stored."""
        with self._lock:
            return sorted(self._passwords)

    def __str__(self) -> str:
        # KeyringBackend.__str__ reads the priority, which raises here on purpose.
        return f"{type(self).__module__}.{type(self).__name__}"
