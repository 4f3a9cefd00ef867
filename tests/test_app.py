"""The command line: --version, --help, and --self-test as a separate process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from keyring.backend import KeyringBackend

from postretry_gui import __version__
from postretry_gui.app import main

TESTS = Path(__file__).parent


class DictKeyring(KeyringBackend):
    """A keyring backend chosen by name through PYTHON_KEYRING_BACKEND in the child
    process, so the self-test sees a working backend without touching a real keyring."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self._store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self._store.pop((service, username), None)


def _child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("POSTRETRY_API_KEY", None)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TESTS), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


def run_self_test(*args: str, backend: str = "test_app.DictKeyring") -> Any:
    """``postretry-gui --self-test ARGS`` as a child process with ``backend`` as keyring."""
    return subprocess.run(
        [sys.executable, "-m", "postretry_gui", "--self-test", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=_child_env(PYTHON_KEYRING_BACKEND=backend),
        check=False,
    )


def test_version_prints_the_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.strip() == f"postretry-gui {__version__}"


def test_help_names_the_modes_and_where_the_key_comes_from(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    for word in ("--demo", "--self-test", "--base-url", "--provider", "POSTRETRY_API_KEY"):
        assert word in out
    assert "--quit-after-paint" not in out


def test_base_url_without_a_key_is_a_readable_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("POSTRETRY_API_KEY", raising=False)
    assert main(["--self-test", "--base-url", "http://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err
    assert "POSTRETRY_API_KEY" in err
    assert "Traceback" not in err


def test_self_test_on_the_demo_passes_and_reports_json() -> None:
    done = run_self_test("--timeout", "30")
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["ok"] is True
    assert report["checks"] == {
        "loaded": True,
        "retried": True,
        "journalled": True,
        "settled": True,
        "keyring": True,
    }
    # The retry went through the write-ahead journal, like the operator's would.
    assert len(report["journal_intents"]) == 1
    assert report["keyring_backend"] == "test_app.DictKeyring"
    assert report["retried"]["outcomes"] == ["retried"]
    assert report["settled"] == ["published"]
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("provider", ["ayrshare", "zernio"])
def test_self_test_runs_on_the_simulator_surface_of_the_chosen_provider(provider: str) -> None:
    done = run_self_test("--provider", provider)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["ok"] is True
    assert report["provider"] == provider
    assert report["retried"]["outcomes"] == ["retried"]
    # A whole-post retry: ticking one destination sent every failed one of its post.
    assert set(report["settled"]) == {"published"}


def test_self_test_fails_without_a_keyring_and_says_which_backend() -> None:
    done = run_self_test("--timeout", "30", backend="keyring.backends.fail.Keyring")
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report["ok"] is False
    assert report["checks"]["keyring"] is False
    assert report["keyring_backend"] == "keyring.backends.fail.Keyring"
    assert report["checks"]["settled"] is True


def test_self_test_against_a_server_takes_the_key_from_the_environment() -> None:
    from postretry_gui.sim import DEMO_PE_KEY, SimConfig, SimServer

    fast = SimConfig(seed=2, posts=20, queued_s=0.05, publishing_s=0.05, success_odds=1.0)
    with SimServer(fast, port=0) as sim:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "postretry_gui",
                "--self-test",
                "--timeout",
                "30",
                "--base-url",
                sim.posteverywhere_url,
            ],
            capture_output=True,
            text=True,
            timeout=60,
            env=_child_env(
                PYTHON_KEYRING_BACKEND="test_app.DictKeyring", POSTRETRY_API_KEY=DEMO_PE_KEY
            ),
            check=False,
        )
        applied = sim.stats()["retries_applied"]
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["server"] == sim.posteverywhere_url
    assert list(applied.values()) == [1]
    assert DEMO_PE_KEY not in done.stdout + done.stderr
