"""A workspace shared through a team database: its URL and operator in the settings file,
its password in the keyring only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from store_testkit import files_containing

from postretry_gui.providers.registry import CATALOG
from postretry_gui.store import (
    SERVICE,
    InvalidWorkspace,
    MemoryKeyring,
    SecretStore,
    StoreDirs,
    Workspace,
    WorkspaceRegistry,
    WorkspaceSecrets,
)
from postretry_gui.store.journal import current_operator
from postretry_gui.store.workspace_team import team_settings

KEY = "pe_live_" + "0123456789abcdef" * 2
TEAM_URL = "postgresql://alice@db.example.com:5432/postretry?sslmode=verify-full&sslrootcert=/ca"
PASSWORD = "s3cret-team-password"


def registry(dirs: StoreDirs) -> WorkspaceRegistry:
    return WorkspaceRegistry(dirs.config_dir, SecretStore(), CATALOG)


def agency(dirs: StoreDirs) -> tuple[WorkspaceRegistry, Workspace]:
    workspaces = registry(dirs)
    return workspaces, workspaces.add(
        "Agency", "posteverywhere", secrets=WorkspaceSecrets(api_key=KEY)
    )


def test_a_team_workspace_keeps_url_and_operator_in_settings_and_the_password_in_the_keyring(
    dirs: StoreDirs, memory_keyring: MemoryKeyring
) -> None:
    workspaces, added = agency(dirs)

    workspaces.set_team(added.workspace_id, team_settings(TEAM_URL, "Alice"), PASSWORD)

    reread = registry(dirs).get(added.workspace_id)
    assert reread.team is not None
    assert (reread.team.url, reread.team.operator) == (TEAM_URL, "Alice")
    assert registry(dirs).secrets(added.workspace_id).team_db_password == PASSWORD
    assert (SERVICE, f"{added.workspace_id}:team_db_password") in memory_keyring.entries()
    assert files_containing(dirs.config_dir, PASSWORD) == []
    saved = json.loads(Path(dirs.config_dir, "workspaces.json").read_text(encoding="utf-8"))
    assert saved["workspaces"][0]["team"] == {"url": TEAM_URL, "operator": "Alice"}


def test_the_operator_defaults_to_the_os_user(dirs: StoreDirs) -> None:
    assert team_settings(TEAM_URL, "  ").operator == current_operator()
    assert team_settings(TEAM_URL).operator == current_operator()


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("mysql://db/x", "postgresql://"),
        ("postgresql://alice:pw@db/x", "must not contain the password"),
        ("postgresql://db/x?sslmode=sometimes", "sslmode=sometimes"),
        ("", "needs a PostgreSQL URL"),
    ],
)
def test_a_bad_team_url_is_refused_with_a_reason(
    dirs: StoreDirs, memory_keyring: MemoryKeyring, url: str, says: str
) -> None:
    with pytest.raises(InvalidWorkspace, match=says) as refused:
        team_settings(url)
    assert "pw" not in str(refused.value)


def test_leaving_team_mode_forgets_the_password_and_renaming_keeps_the_team(
    dirs: StoreDirs, memory_keyring: MemoryKeyring
) -> None:
    workspaces, added = agency(dirs)
    workspaces.set_team(added.workspace_id, team_settings(TEAM_URL, "Alice"), PASSWORD)

    renamed = workspaces.update(added.workspace_id, name="Agency 2")
    assert renamed.team == team_settings(TEAM_URL, "Alice")

    alone = workspaces.set_team(added.workspace_id, None)
    assert alone.team is None
    assert workspaces.secrets(added.workspace_id).team_db_password is None
    saved = json.loads(Path(dirs.config_dir, "workspaces.json").read_text(encoding="utf-8"))
    assert "team" not in saved["workspaces"][0]


def test_removing_a_team_workspace_removes_its_password(
    dirs: StoreDirs, memory_keyring: MemoryKeyring
) -> None:
    workspaces, added = agency(dirs)
    workspaces.set_team(added.workspace_id, team_settings(TEAM_URL), PASSWORD)

    workspaces.remove(added.workspace_id)

    assert memory_keyring.entries() == []


def test_a_workspace_whose_team_entry_is_unreadable_is_kept_untouched(
    dirs: StoreDirs, memory_keyring: MemoryKeyring
) -> None:
    path = Path(dirs.config_dir, "workspaces.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    entry = {
        "workspace_id": "w" * 32, "name": "Odd", "provider": "posteverywhere",
        "base_url": "https://app.posteverywhere.ai/api/v1", "team": {"url": "nope"},
    }  # fmt: skip
    path.write_text(json.dumps({"format": 1, "workspaces": [entry]}), encoding="utf-8")

    workspaces = registry(dirs)
    workspaces.add("Fresh", "posteverywhere", secrets=WorkspaceSecrets(api_key=KEY))

    assert [w.name for w in workspaces.workspaces()] == ["Fresh"]
    assert workspaces.notice is not None
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert entry in saved["workspaces"]


def test_the_team_password_travels_with_the_other_secrets_of_a_team_workspace(
    dirs: StoreDirs, memory_keyring: MemoryKeyring
) -> None:
    workspaces, added = agency(dirs)
    workspaces.set_secrets(added.workspace_id, WorkspaceSecrets(team_db_password=PASSWORD))
    assert workspaces.secrets(added.workspace_id).team_db_password is None  # not shared yet

    workspaces.set_team(added.workspace_id, team_settings(TEAM_URL))

    assert workspaces.secrets(added.workspace_id) == WorkspaceSecrets(
        api_key=KEY, team_db_password=PASSWORD
    )
    assert "s3cret" not in repr(workspaces.secrets(added.workspace_id))
