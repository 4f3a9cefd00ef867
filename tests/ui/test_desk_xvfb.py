"""The desk in the real MainWindow on a real X server (Xvfb), not only offscreen.

The suite runs offscreen, so the real-window part runs as a child process under ``xvfb-run``
with ``QT_QPA_PLATFORM=xcb`` (``desk_xvfb_child.py``): in the app's own window it opens the
palette, the detail pane, the notification fallback and dark mode, drives them with keys, and
prints what it saw.
Without ``xvfb-run`` the test skips, except under CI, where a skip would hide a missing
install step (``scripts/bootstrap.sh`` lists the packages).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from postretry_gui.domain.triage import Cause

HERE = Path(__file__).resolve().parent
SRC = HERE.parent.parent / "src"
CHILD_TIMEOUT_S = 120

pytestmark = pytest.mark.xvfb


@pytest.fixture(scope="module")
def seen(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    xvfb_run = shutil.which("xvfb-run")
    if xvfb_run is None:
        if os.environ.get("CI") == "true":
            pytest.fail("xvfb-run is missing: scripts/bootstrap.sh installs it (package xvfb)")
        pytest.skip("no xvfb-run (apt-get install xvfb xauth, see scripts/bootstrap.sh)")
    folder = tmp_path_factory.mktemp("desk-screens")
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "xcb",
        "PYTHONPATH": os.pathsep.join([str(SRC), str(HERE)]),
    }
    env.pop("DISPLAY", None)
    done = subprocess.run(
        [
            xvfb_run,
            "--auto-servernum",
            "--server-args=-screen 0 1280x800x24",
            sys.executable,
            str(HERE / "desk_xvfb_child.py"),
            str(folder),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT_S,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines, done.stdout[-2000:] + done.stderr[-2000:]
    result: dict[str, Any] = json.loads(lines[-1])
    result["screenshots"] = sorted(p.name for p in folder.glob("*.png") if p.stat().st_size)
    return result


def test_the_windows_are_real_x_windows(seen: dict[str, Any]) -> None:
    assert seen["platform"] == "xcb"
    assert seen["exposed"] is True
    assert seen["active"] is True
    assert seen["window_class"] == "MainWindow"
    assert seen["screenshots"] == [
        "desk-dark.png",
        "desk-detail.png",
        "desk-light.png",
        "desk-notification.png",
        "desk-palette.png",
    ]


def test_the_palette_opens_on_ctrl_k_matches_and_runs(seen: dict[str, Any]) -> None:
    palette = seen["palette"]
    assert palette["opened_by_ctrl_k"] is True
    assert palette["names"][0] == "Retry ticked"
    assert palette["ran"] == ["RETRY"]
    # The account first; a long post text may also hold the letters in order, further down.
    assert palette["jump_names"][0] == "Primary Profile on LinkedIn"
    assert palette["jumps"] == ["2285"]
    assert palette["closed"] is True


def test_the_detail_pane_shows_the_whole_error_and_follows_a_link(seen: dict[str, Any]) -> None:
    assert seen["detail"]["shown_by_ctrl_i"] is True
    text = " ".join(seen["detail"]["text"].split())
    assert "(code TOKEN_EXPIRED)" in text
    assert f"Reconnect: {Cause.RECONNECT.advice}" in text
    assert "Retry history" in text
    assert seen["detail"]["followed"] == ["https://app.posteverywhere.ai/accounts"]


def test_without_a_tray_the_notice_shows_in_the_window(seen: dict[str, Any]) -> None:
    notification = seen["notification"]
    assert notification["tray"] is False
    assert notification["banner"] == (
        "3 new failures in 2 posts · 1 needs a reconnect · 1 needs the post changed"
    )
    assert notification["selected"] == [[["p-17", "2285"], ["p-17", "2287"], ["p-18", "2286"]]]
    assert notification["banner_closed"] is True


def test_dark_mode_turns_the_real_window_dark(seen: dict[str, Any]) -> None:
    dark = seen["dark"]
    assert dark["scheme"] == "dark"
    assert dark["window"] == "#202124"
    assert dark["pane_base"] == "#17181a"
    assert dark["rows"] == "dark"
