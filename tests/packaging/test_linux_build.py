"""The Linux installer end to end: build, install the .deb in a scratch root, run the app.

Minutes of work on two cores, so it runs only when asked: ``POSTRETRY_PACKAGING=1``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SMOKE_TEST = ROOT / "packaging" / "smoke-test-linux.sh"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("POSTRETRY_PACKAGING") != "1",
        reason="set POSTRETRY_PACKAGING=1 to build and smoke-test the Linux installers",
    ),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux installers"),
]


def test_the_installed_deb_passes_the_smoke_test() -> None:
    if shutil.which("dpkg-deb") is None:
        pytest.skip("dpkg-deb is not installed (Debian/Ubuntu only)")
    result = subprocess.run(
        [str(SMOKE_TEST)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    # The script prints one line per step with its time; show them when it fails.
    assert result.returncode == 0, result.stderr[-4000:]
    assert "[smoke] PASS" in result.stderr
    assert "keyring.backends.SecretService.Keyring" in result.stderr
