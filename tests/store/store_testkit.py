"""Helpers shared by the store tests (imported by name: tests/ has no packages)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.compat import properties
from keyring.errors import KeyringLocked

from postretry_gui.domain import Post
from postretry_gui.store.post_codec import post_to_dict

InstallKeyring = Callable[[KeyringBackend], KeyringBackend]


class LockedKeyring(KeyringBackend):
    """A keyring whose collection stays locked: the unlock prompt was dismissed."""

    @properties.classproperty
    def priority(cls) -> float:
        raise RuntimeError("test backend, chosen explicitly only")

    calls = 0

    def _refuse(self) -> None:
        type(self).calls += 1
        raise KeyringLocked("Failed to unlock the collection!")

    def get_password(self, service: str, username: str) -> str | None:
        self._refuse()
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        self._refuse()

    def delete_password(self, service: str, username: str) -> None:
        self._refuse()


def files_containing(root: Path, needle: str) -> list[Path]:
    """Every file below ``root`` whose bytes contain ``needle``."""
    data = needle.encode()
    return [p for p in root.rglob("*") if p.is_file() and data in p.read_bytes()]


def post_json(post: Post) -> str:
    """A post in the cache's JSON format, written by the hand-written encoder."""
    return json.dumps(post_to_dict(post), ensure_ascii=False, separators=(",", ":"))
