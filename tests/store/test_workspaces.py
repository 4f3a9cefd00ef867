"""Workspaces: settings in a JSON file, secrets in the keyring, removal takes both."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from store_testkit import InstallKeyring, LockedKeyring, files_containing

from postretry_gui.providers.registry import CATALOG
from postretry_gui.store import (
    SERVICE,
    InvalidWorkspace,
    KeyringUnavailable,
    MemoryKeyring,
    SecretKind,
    SecretStore,
    StoreDirs,
    WorkspaceNotFound,
    WorkspaceRegistry,
    WorkspaceSecrets,
)

KEY = "pe_live_" + "fedcba9876543210" * 2
AYR_KEY = "A1B2C3D4-E5F6A7B8-C9D0E1F2-A3B4C5D6"


def registry(dirs: StoreDirs) -> WorkspaceRegistry:
    return WorkspaceRegistry(dirs.config_dir, SecretStore(), CATALOG)


def test_a_posteverywhere_workspace_gets_the_real_service_by_default(
    dirs: StoreDirs, memory_keyring: MemoryKeyring
) -> None:
    workspaces = registry(dirs)

    added = workspaces.add("Agency", "posteverywhere", secrets=WorkspaceSecrets(api_key=KEY))

    assert added.base_url == "https://app.posteverywhere.ai/api/v1"
    assert added.provider == "posteverywhere"
    assert workspaces.active_id == added.workspace_id
    assert workspaces.secrets(added.workspace_id).api_key == KEY
    assert memory_keyring.entries() == [(SERVICE, f"{added.workspace_id}:api_key")]


def test_an_ayrshare_workspace_keeps_all_four_secrets_in_the_keyring(
    dirs: StoreDirs, memory_keyring: MemoryKeyring
) -> None:
    secrets = WorkspaceSecrets(
        api_key=AYR_KEY, profile_key="profile-key-1234", x_api_key="xkey-1234567",
        x_api_secret="xsecret-1234567",
    )  # fmt: skip
    added = registry(dirs).add("Brand", "ayrshare", secrets=secrets)

    assert added.base_url == "https://api.ayrshare.com/api"
    assert registry(dirs).secrets(added.workspace_id) == secrets
    kinds = sorted(user.split(":")[1] for _, user in memory_keyring.entries())
    # Every provider secret kind (the team database's password is not a provider's).
    assert kinds == sorted(k.value for k in SecretKind if k is not SecretKind.TEAM_DB_PASSWORD)


def test_settings_survive_a_restart_and_hold_no_secret(
    dirs: StoreDirs, memory_keyring: MemoryKeyring
) -> None:
    first = registry(dirs).add(
        "Agency", "posteverywhere", "https://pe.example.com/api/v1/",
        WorkspaceSecrets(api_key=KEY),
    )  # fmt: skip

    again = registry(dirs)

    assert again.workspaces() == (first,)
    assert first.base_url == "https://pe.example.com/api/v1"
    assert again.notice is None
    saved = json.loads((dirs.config_dir / "workspaces.json").read_text())
    assert saved["workspaces"][0]["name"] == "Agency"
    assert files_containing(dirs.config_dir.parent, KEY) == []


def test_removing_a_workspace_deletes_its_keyring_entries(
    dirs: StoreDirs, memory_keyring: MemoryKeyring
) -> None:
    workspaces = registry(dirs)
    gone = workspaces.add("Gone", "ayrshare", secrets=WorkspaceSecrets(AYR_KEY, "profile-123456"))
    kept = workspaces.add("Kept", "posteverywhere", secrets=WorkspaceSecrets(api_key=KEY))

    workspaces.remove(gone.workspace_id)

    assert [w.name for w in registry(dirs).workspaces()] == ["Kept"]
    assert memory_keyring.entries() == [(SERVICE, f"{kept.workspace_id}:api_key")]
    assert workspaces.active_id == kept.workspace_id
    with pytest.raises(WorkspaceNotFound):
        workspaces.get(gone.workspace_id)


def test_removal_with_a_locked_keyring_keeps_the_workspace(
    dirs: StoreDirs, use_keyring: InstallKeyring
) -> None:
    backend = use_keyring(MemoryKeyring())
    workspaces = registry(dirs)
    added = workspaces.add("Agency", "posteverywhere", secrets=WorkspaceSecrets(api_key=KEY))
    use_keyring(LockedKeyring())

    with pytest.raises(KeyringUnavailable):
        workspaces.remove(added.workspace_id)

    assert registry(dirs).workspaces() == (added,)
    assert isinstance(backend, MemoryKeyring)
    assert backend.entries() != []


def test_a_refused_keyring_saves_nothing_then_session_only_saves_settings_only(
    dirs: StoreDirs, use_keyring: InstallKeyring
) -> None:
    use_keyring(LockedKeyring())
    workspaces = registry(dirs)

    with pytest.raises(KeyringUnavailable, match="locked"):
        workspaces.add("Agency", "posteverywhere", secrets=WorkspaceSecrets(api_key=KEY))
    assert workspaces.workspaces() == ()
    assert not (dirs.config_dir / "workspaces.json").exists()

    added = workspaces.add(
        "Agency", "posteverywhere", secrets=WorkspaceSecrets(api_key=KEY), session_only=True
    )

    assert workspaces.secrets(added.workspace_id).api_key == KEY
    assert registry(dirs).workspaces() == (added,)
    assert files_containing(dirs.config_dir.parent, KEY) == []


def test_a_session_only_ayrshare_key_opens_without_asking_the_broken_keyring_again(
    dirs: StoreDirs, use_keyring: InstallKeyring
) -> None:
    use_keyring(LockedKeyring())
    workspaces = registry(dirs)
    added = workspaces.add(
        "Brand", "ayrshare", secrets=WorkspaceSecrets(api_key=KEY), session_only=True
    )

    # No Profile-Key or X keys were given: they are absent, not a second keyring failure.
    loaded = workspaces.secrets(added.workspace_id)
    assert loaded.api_key == KEY
    assert (loaded.profile_key, loaded.x_api_key, loaded.x_api_secret) == (None, None, None)


def test_a_posteverywhere_workspace_has_no_profile_key(
    dirs: StoreDirs, memory_keyring: MemoryKeyring
) -> None:
    with pytest.raises(InvalidWorkspace, match="no Profile-Key"):
        registry(dirs).add(
            "Agency", "posteverywhere", secrets=WorkspaceSecrets(api_key=KEY, profile_key="p" * 8)
        )
    assert memory_keyring.entries() == []


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://api.example.com", "must use https"),
        ("https://user:pw@api.example.com", "user name or password"),
        ("ftp://api.example.com", "must start with https"),
        ("https://api.example.com/?key=1", "query"),
        ("https://", "name a host"),
        ("https://api.example.com:99999", "not a valid URL"),
        ("   ", "empty"),
    ],
)
def test_unsafe_or_broken_base_urls_are_refused(
    dirs: StoreDirs, memory_keyring: MemoryKeyring, url: str, words: str
) -> None:
    with pytest.raises(InvalidWorkspace, match=words):
        registry(dirs).add("Agency", "posteverywhere", url)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8765/api/v1", "http://localhost:1/api"])
def test_plain_http_is_fine_on_this_computer(
    dirs: StoreDirs, memory_keyring: MemoryKeyring, url: str
) -> None:
    assert registry(dirs).add("Simulator", "ayrshare", url).base_url == url


def test_names_are_required_and_unique(dirs: StoreDirs, memory_keyring: MemoryKeyring) -> None:
    workspaces = registry(dirs)
    workspaces.add("Agency", "posteverywhere")
    with pytest.raises(InvalidWorkspace, match="already exists"):
        workspaces.add("  agency ", "ayrshare")
    with pytest.raises(InvalidWorkspace, match="empty"):
        workspaces.add(" ", "ayrshare")
    with pytest.raises(InvalidWorkspace, match="Unknown provider 'buffer'"):
        workspaces.add("Other", "buffer")


def test_update_renames_and_moves_the_base_url(
    dirs: StoreDirs, memory_keyring: MemoryKeyring
) -> None:
    workspaces = registry(dirs)
    added = workspaces.add("Agency", "posteverywhere")

    changed = workspaces.update(added.workspace_id, name="Agency EU", base_url="https://eu.x.io")

    assert registry(dirs).get(added.workspace_id) == changed
    assert (changed.name, changed.base_url) == ("Agency EU", "https://eu.x.io")


def test_an_unreadable_settings_file_is_set_aside_with_a_notice(
    dirs: StoreDirs, memory_keyring: MemoryKeyring
) -> None:
    dirs.config_dir.mkdir(parents=True)
    (dirs.config_dir / "workspaces.json").write_bytes(b"\x00\xff{not json")

    workspaces = registry(dirs)

    assert workspaces.workspaces() == ()
    assert workspaces.notice is not None
    assert "set aside" in workspaces.notice
    aside = [p for p in dirs.config_dir.iterdir() if p.name.startswith("workspaces.json.")]
    assert len(aside) == 1
    assert aside[0].name.startswith("workspaces.json.unreadable-")
    assert aside[0].read_bytes() == b"\x00\xff{not json"
    assert not (dirs.config_dir / "workspaces.json").exists()


def test_entries_from_a_newer_version_are_kept_untouched(
    dirs: StoreDirs, memory_keyring: MemoryKeyring
) -> None:
    future = {"workspace_id": "f1", "name": "Future", "provider": "buffer", "base_url": "x"}
    dirs.config_dir.mkdir(parents=True)
    (dirs.config_dir / "workspaces.json").write_text(
        json.dumps({"format": 1, "workspaces": [future]})
    )

    workspaces = registry(dirs)
    workspaces.add("Agency", "posteverywhere")

    assert workspaces.notice is not None
    assert "could not be read" in workspaces.notice
    saved = json.loads((dirs.config_dir / "workspaces.json").read_text())
    assert future in saved["workspaces"]


def test_the_secrets_repr_shows_which_are_set_never_their_values() -> None:
    text = repr(WorkspaceSecrets(api_key=KEY, profile_key="profile-123456"))
    assert KEY not in text
    assert "profile-123456" not in text
    assert "api_key" in text


def test_store_dirs_keep_workspace_files_apart(tmp_path: Path) -> None:
    dirs = StoreDirs.under(tmp_path)
    assert dirs.cache_path("abc") == tmp_path / "data/workspaces/abc/cache.sqlite3"
    assert dirs.journal_path("abc") == tmp_path / "data/workspaces/abc/journal.sqlite3"
    with pytest.raises(InvalidWorkspace):
        dirs.cache_path("../../etc")


def test_the_single_post_setting_survives_a_restart_and_older_files_read_as_off(
    dirs: StoreDirs, memory_keyring: MemoryKeyring
) -> None:
    workspaces = registry(dirs)
    first = workspaces.add("Brand", "posteverywhere")
    second = workspaces.add("Other", "posteverywhere")
    assert first.single_post_retries is False
    # A file written before the setting existed has no such key: off.
    assert "single_post_retries" not in workspaces.path.read_text(encoding="utf-8")

    workspaces.update(first.workspace_id, single_post_retries=True)

    reopened = registry(dirs)
    assert reopened.get(first.workspace_id).single_post_retries is True
    assert reopened.get(second.workspace_id).single_post_retries is False
    reopened.update(first.workspace_id, name="Brand two")
    assert registry(dirs).get(first.workspace_id).single_post_retries is True
