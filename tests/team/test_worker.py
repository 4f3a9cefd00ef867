"""``postretry-gui worker WORKSPACE``: a real process that leads a shared workspace (loads the
list from the simulator and publishes it in PostgreSQL) and ends cleanly on SIGTERM, handing
the lead over at once."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from team_testkit import OpenDatabase, PgServer

from postretry_gui.app import main
from postretry_gui.providers.registry import CATALOG
from postretry_gui.sim import SimConfig, SimServer
from postretry_gui.store import SecretStore, WorkspaceRegistry
from postretry_gui.store.team import LeaderElection, PostChangeListener, SharedPosts
from postretry_gui.store.workspace_team import team_settings

WAIT_S = 30.0


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    with SimServer(SimConfig(seed=3, posts=150, rate_limit=None), port=0) as server:
        yield server


def worker_env(home: Path, pg_server: PgServer) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_STATE_HOME=str(home / "state"),
        # No desktop keyring on a server: the secrets come from the environment.
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        POSTRETRY_API_KEY="pe_test_worker",
        POSTRETRY_TEAM_PASSWORD=pg_server.password,
        PYTHONPATH=os.pathsep.join(sys.path),
    )
    return env


def shared_workspace(home: Path, base_url: str, team_url: str) -> str:
    # The folder the worker finds through XDG_CONFIG_HOME (platformdirs adds the app's name).
    registry = WorkspaceRegistry(home / "config" / "postretry-gui", SecretStore(), CATALOG)
    workspace = registry.add("Agency", "posteverywhere", base_url)
    registry.set_team(workspace.workspace_id, team_settings(team_url, "server"))
    return workspace.workspace_id


@pytest.mark.asyncio
async def test_the_worker_leads_publishes_the_list_and_hands_over_on_sigterm(
    tmp_path: Path,
    sim: SimServer,
    pg_server: PgServer,
    team_url: str,
    open_database: OpenDatabase,
) -> None:
    home = tmp_path / "home"
    workspace_id = shared_workspace(home, sim.posteverywhere_url, team_url)
    database = await open_database("observer")
    election = LeaderElection(database, workspace_id)
    async with PostChangeListener(database, workspace_id) as listener:
        worker = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "postretry_gui", "worker", "Agency",
            env=worker_env(home, pg_server), stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            async with asyncio.timeout(WAIT_S):
                await anext(aiter(listener.changes()))
            assert (await SharedPosts(database, workspace_id).changed_since(0)).posts
            assert await election.holder_pid() is not None

            worker.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(worker.wait(), WAIT_S) == 0
        finally:
            if worker.returncode is None:
                worker.kill()
            assert worker.stderr is not None
            errors = (await worker.stderr.read()).decode()
    assert await election.holder_pid() is None
    assert await election.try_lead()
    await election.resign()
    assert "This instance now syncs the list for the team." in errors


def test_the_worker_refuses_a_workspace_it_does_not_know_or_one_run_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    registry = WorkspaceRegistry(tmp_path / "config" / "postretry-gui", SecretStore(), CATALOG)
    registry.add("Alone", "posteverywhere")

    assert main(["worker", "Nope"]) == 2
    assert "No workspace named 'Nope' (workspaces: Alone)" in capsys.readouterr().err
    assert main(["worker", "alone"]) == 2
    assert "has no team database" in capsys.readouterr().err


@pytest.mark.asyncio
async def test_the_worker_exits_with_the_reason_when_the_database_refuses_its_login(
    tmp_path: Path, sim: SimServer, pg_server: PgServer, team_url: str
) -> None:
    home = tmp_path / "home"
    shared_workspace(home, sim.posteverywhere_url, team_url)
    env = worker_env(home, pg_server)
    env["POSTRETRY_TEAM_PASSWORD"] = "wrong-password-7"
    worker = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "postretry_gui", "worker", "Agency",
        env=env, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, errors = await asyncio.wait_for(worker.communicate(), WAIT_S)

    assert worker.returncode == 2
    assert "refused the login" in errors.decode()
    assert "wrong-password-7" not in errors.decode()
