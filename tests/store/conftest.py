"""Store fixtures: an in-memory keyring and folders under tmp_path, so no test touches the
user's keyring or disk."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from store_testkit import InstallKeyring

from postretry_gui.store import MemoryKeyring, StoreDirs
from postretry_gui.store.redaction import clear_registered_secrets


@pytest.fixture
def use_keyring() -> Iterator[InstallKeyring]:
    """A function that installs a keyring backend for this test only."""
    previous = keyring.get_keyring()

    def install(backend: KeyringBackend) -> KeyringBackend:
        keyring.set_keyring(backend)
        return backend

    yield install
    keyring.set_keyring(previous)


@pytest.fixture
def memory_keyring(use_keyring: InstallKeyring) -> MemoryKeyring:
    backend = MemoryKeyring()
    use_keyring(backend)
    return backend


@pytest.fixture
def dirs(tmp_path: Path) -> StoreDirs:
    return StoreDirs.under(tmp_path)


@pytest.fixture(autouse=True)
def _forget_registered_secrets() -> Iterator[None]:
    yield
    clear_registered_secrets()
