"""Icons from ``postretry_gui.resources``, loaded once and shared.

A QIcon per row would cost 100,000 SVG parses; one per platform and status costs fifteen.
"""

from __future__ import annotations

import atexit
from collections.abc import Iterable
from functools import cache
from importlib.resources import as_file, files

from PySide6.QtGui import QIcon

_KNOWN_PLATFORMS = frozenset(
    {"x", "instagram", "facebook", "linkedin", "youtube", "tiktok", "threads", "pinterest"}
)


@cache
def _load(folder: str, name: str) -> QIcon:
    resource = files("postretry_gui.resources") / folder / f"{name}.svg"
    # as_file: the frozen build may keep resources inside an archive; Qt needs a real path.
    with as_file(resource) as path:
        svg = QIcon(str(path))
        # Render now: a temporary file from as_file would be gone by the first paint.
        icon = QIcon()
        for size in (16, 20, 24, 32, 48):
            icon.addPixmap(svg.pixmap(size, size))
    return icon


# Free the icons while QApplication still exists: a QIcon destroyed during interpreter
# teardown, after the application object, can crash the process on exit.
atexit.register(_load.cache_clear)


def platform(name: str) -> QIcon:
    return _load("platforms", name if name in _KNOWN_PLATFORMS else "unknown")


def status(name: str) -> QIcon:
    return _load("status", name)


def app() -> QIcon:
    """The app's own icon (the tray shows nothing without one)."""
    return _load("app", "postretry-gui")


def warm_up(status_names: Iterable[str]) -> None:
    """Render every platform icon and the given status icons now (~15 ms in all, the first
    paying for Qt's SVG plugin), so that the first paint of rows does not."""
    for name in sorted(_KNOWN_PLATFORMS | {"unknown"}):
        platform(name)
    for name in sorted(set(status_names)):
        status(name)
