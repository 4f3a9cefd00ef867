"""Entry script of the frozen app: PyInstaller wants a script, the package offers a function.

Two packaging-only switches, both off unless their environment variable is set:

- ``POSTRETRY_STDOUT=<file>``: a windowed Windows build has no stdout at all (sys.stdout is
  None), so the CI smoke test could not read ``--self-test``'s report; with this set, output
  that would be lost goes to the file instead.
- ``POSTRETRY_PACKAGING_PROBE=1``: print a JSON line saying which keyring backend the frozen
  build resolves and whether a throwaway (non-secret) value survives a set/get/delete round
  trip, then exit. It proves the keyring backends and their entry-point metadata were
  collected, independent of the app's own code.
"""

from __future__ import annotations

import json
import os
import sys


def _redirect_lost_output() -> None:
    target = os.environ.get("POSTRETRY_STDOUT")
    if not target or (sys.stdout is not None and sys.stderr is not None):
        return
    stream = open(target, "a", encoding="utf-8", buffering=1)  # noqa: SIM115 - lives as long as the process
    if sys.stdout is None:
        sys.stdout = stream
    if sys.stderr is None:
        sys.stderr = stream


def _keyring_probe() -> int:
    import keyring
    import keyring.errors

    from postretry_gui import __version__

    backend = keyring.get_keyring()
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    service, user, value = "postretry-gui-packaging-probe", "probe", "not-a-secret"
    try:
        keyring.set_password(service, user, value)
        round_trip = keyring.get_password(service, user) == value
        keyring.delete_password(service, user)
        error = None
    except keyring.errors.KeyringError as exc:
        # The class name is enough to diagnose; the message is not printed on purpose.
        round_trip, error = False, type(exc).__name__
    report: dict[str, object] = {
        "version": __version__,
        "keyring_backend": name,
        "round_trip": round_trip,
        "icon_renders": _icon_renders(),
    }
    if error:
        report["error"] = error
    print(json.dumps(report))
    return 0 if round_trip and report["icon_renders"] else 1


def _icon_renders() -> bool:
    """The app icon, read as package data and drawn through Qt's SVG plugins."""
    from importlib.resources import files

    from PySide6.QtGui import QGuiApplication, QIcon, QPixmap

    app = QGuiApplication.instance() or QGuiApplication([])
    svg = files("postretry_gui.resources") / "app" / "postretry-gui.svg"
    pixmap = QPixmap()
    loaded = pixmap.loadFromData(svg.read_bytes(), "SVG")  # the imageformats/qsvg plugin
    drawn = not QIcon(str(svg)).pixmap(32, 32).isNull()  # the iconengines/qsvgicon plugin
    del app
    return loaded and drawn


def run() -> int:
    _redirect_lost_output()
    if os.environ.get("POSTRETRY_PACKAGING_PROBE") == "1":
        return _keyring_probe()
    from postretry_gui.app import main

    return main()


if __name__ == "__main__":
    sys.exit(run())
