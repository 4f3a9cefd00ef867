"""Secrets in the keyring, and what happens when there is no usable keyring."""

from __future__ import annotations

from pathlib import Path

import keyring
import pytest
from keyring.backends import fail
from keyring.testing.backend import BackendBasicTests
from store_testkit import InstallKeyring, LockedKeyring, files_containing

from postretry_gui.store import (
    SERVICE,
    InvalidSecret,
    KeyringUnavailable,
    MemoryKeyring,
    SecretKind,
    SecretStore,
    describe_backend,
    keyring_remedy,
    redact,
)

KEY = "pe_live_" + "0123456789abcdef" * 2


def test_save_load_delete_through_the_active_keyring(memory_keyring: MemoryKeyring) -> None:
    store = SecretStore()
    assert store.load("ws1", SecretKind.API_KEY) is None

    store.save("ws1", SecretKind.API_KEY, KEY)

    assert store.load("ws1", SecretKind.API_KEY) == KEY
    assert memory_keyring.entries() == [(SERVICE, "ws1:api_key")]
    store.delete("ws1", SecretKind.API_KEY)
    assert store.load("ws1", SecretKind.API_KEY) is None
    assert memory_keyring.entries() == []


def test_one_entry_per_workspace_and_kind(memory_keyring: MemoryKeyring) -> None:
    store = SecretStore()
    store.save("a", SecretKind.API_KEY, "key-of-a-123")
    store.save("a", SecretKind.PROFILE_KEY, "profile-of-a-123")
    store.save("b", SecretKind.API_KEY, "key-of-b-123")

    assert store.load("a", SecretKind.API_KEY) == "key-of-a-123"
    assert store.load("b", SecretKind.API_KEY) == "key-of-b-123"
    store.delete_workspace("a")
    assert memory_keyring.entries() == [(SERVICE, "b:api_key")]


def test_deleting_a_secret_that_is_not_there_is_fine(memory_keyring: MemoryKeyring) -> None:
    SecretStore().delete("ws1", SecretKind.X_API_SECRET)


def test_a_pasted_key_loses_its_newline(memory_keyring: MemoryKeyring) -> None:
    store = SecretStore()
    store.save("ws1", SecretKind.API_KEY, f"  {KEY}\n")
    assert store.load("ws1", SecretKind.API_KEY) == KEY


@pytest.mark.parametrize(
    ("value", "words"),
    [("", "is empty"), ("   \n", "is empty"), ("abc\r\nX-Evil: 1", "control characters")],
)
def test_bad_values_are_refused_without_echoing_them(
    memory_keyring: MemoryKeyring, value: str, words: str
) -> None:
    with pytest.raises(InvalidSecret, match=words) as caught:
        SecretStore().save("ws1", SecretKind.API_KEY, value)
    assert "X-Evil" not in str(caught.value)
    assert memory_keyring.entries() == []


def test_a_saved_secret_is_masked_in_redacted_text(memory_keyring: MemoryKeyring) -> None:
    odd_secret = "plain-words-secret"
    SecretStore().save("ws1", SecretKind.PROFILE_KEY, odd_secret)
    assert odd_secret not in redact(f"profile was {odd_secret}.")


def test_missing_keyring_raises_a_typed_error_naming_the_remedy(
    use_keyring: InstallKeyring,
) -> None:
    use_keyring(fail.Keyring())
    store = SecretStore(platform="linux")

    with pytest.raises(KeyringUnavailable) as caught:
        store.save("ws1", SecretKind.API_KEY, KEY)

    message = str(caught.value)
    assert "no keyring service was found" in message
    assert "GNOME Keyring" in message
    assert "KWallet" in message
    assert "session only" in message
    assert KEY not in message
    with pytest.raises(KeyringUnavailable):
        store.load("ws1", SecretKind.API_KEY)


def test_locked_keyring_raises_a_typed_error_naming_the_remedy(
    use_keyring: InstallKeyring,
) -> None:
    use_keyring(LockedKeyring())
    store = SecretStore(platform="darwin")

    with pytest.raises(KeyringUnavailable) as caught:
        store.save("ws1", SecretKind.API_KEY, KEY)

    assert "locked" in caught.value.reason
    assert "login Keychain" in caught.value.remedy
    assert KEY not in str(caught.value)


@pytest.mark.parametrize(
    ("platform", "words"),
    [
        ("linux", "Secret Service"),
        ("freebsd14", "Secret Service"),
        ("darwin", "Keychain"),
        ("win32", "Credential Manager"),
    ],
)
def test_each_platform_gets_its_own_remedy(platform: str, words: str) -> None:
    assert words in keyring_remedy(platform)


def test_session_only_secret_needs_no_keyring_and_is_written_nowhere(
    use_keyring: InstallKeyring, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Point every folder a backend could write to at tmp_path, then prove nothing holds the key.
    for name in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    use_keyring(LockedKeyring())
    LockedKeyring.calls = 0
    store = SecretStore()

    store.save("ws1", SecretKind.API_KEY, KEY, session_only=True)

    assert store.load("ws1", SecretKind.API_KEY) == KEY
    assert store.is_session_only("ws1", SecretKind.API_KEY)
    assert LockedKeyring.calls == 0
    assert files_containing(tmp_path, KEY) == []
    # A new store (the next session) has forgotten it.
    with pytest.raises(KeyringUnavailable):
        SecretStore().load("ws1", SecretKind.API_KEY)


def test_saving_to_the_keyring_replaces_a_session_only_secret(
    memory_keyring: MemoryKeyring,
) -> None:
    store = SecretStore()
    store.save("ws1", SecretKind.API_KEY, "session-key-1", session_only=True)
    store.save("ws1", SecretKind.API_KEY, "keyring-key-2")
    assert not store.is_session_only("ws1", SecretKind.API_KEY)
    assert store.load("ws1", SecretKind.API_KEY) == "keyring-key-2"


def test_an_explicit_backend_wins_over_the_active_one(memory_keyring: MemoryKeyring) -> None:
    own = MemoryKeyring()
    SecretStore(own).save("ws1", SecretKind.API_KEY, KEY)
    assert own.entries() == [(SERVICE, "ws1:api_key")]
    assert memory_keyring.entries() == []


def test_backend_description_names_module_and_class(memory_keyring: MemoryKeyring) -> None:
    assert describe_backend() == "postretry_gui.store.memory_keyring.MemoryKeyring"
    assert describe_backend(fail.Keyring()) == "keyring.backends.fail.Keyring"


def test_memory_keyring_is_never_chosen_automatically() -> None:
    assert MemoryKeyring not in set(keyring.backend.KeyringBackend.get_viable_backends())


def test_a_workspace_id_that_could_escape_a_folder_is_refused(
    memory_keyring: MemoryKeyring,
) -> None:
    with pytest.raises(ValueError, match="workspace id"):
        SecretStore().save("../evil", SecretKind.API_KEY, KEY)


class TestMemoryKeyringHonoursTheBackendContract(BackendBasicTests):
    """keyring's own backend test suite, run against the in-memory backend."""

    def init_keyring(self) -> MemoryKeyring:
        return MemoryKeyring()
