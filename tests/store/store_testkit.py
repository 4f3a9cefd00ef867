"""Helpers shared by the store tests (imported by name: tests/ has no packages)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

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


def intent_record(intent: Any) -> dict[str, Any]:
    """Every field of a journal intent as JSON values. Duck-typed (``Any``): the fixture
    generator calls it on the previous release's ``Intent``, the tests on this one's."""

    def when(value: datetime | None) -> str | None:
        return None if value is None else value.isoformat()

    return {
        "intent_id": intent.intent_id,
        "workspace_id": intent.workspace_id,
        "post_id": intent.post_id,
        "account_ids": list(intent.account_ids),
        "created_at": when(intent.created_at),
        "operator": intent.operator,
        "state": intent.state.value,
        "outcome": None if intent.outcome is None else intent.outcome.value,
        "detail": intent.detail,
        "sent_at": when(intent.sent_at),
        "updated_at": when(intent.updated_at),
    }
