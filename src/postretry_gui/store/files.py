"""Small file helpers: atomic replacement and setting a damaged file aside."""

from __future__ import annotations

import contextlib
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from postretry_gui.store.errors import StoreUnavailable


def atomic_write_text(path: Path, text: str, *, mode: int = 0o600) -> None:
    """Write ``text`` to ``path`` so that a reader sees the old file or the new one, never half.

    The temporary file lives beside the target (same file system, so ``os.replace`` is atomic)
    and is fsynced before the rename, and the folder after it, so a power cut cannot leave an
    empty file behind the new name.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, mode)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        _fsync_dir(path.parent)
    except OSError as exc:
        raise StoreUnavailable(f"Could not write {path}: {exc.strerror or exc}.") from exc


def _fsync_dir(folder: Path) -> None:
    # Windows cannot open a folder for fsync; the rename is durable enough there.
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def set_aside(path: Path, label: str, *, companions: tuple[str, ...] = ()) -> Path:
    """Rename ``path`` to ``<name>.<label>-<UTC timestamp>`` and return the new path.

    ``companions`` are suffixes of files that belong to it (SQLite's ``-wal`` and ``-shm``):
    they move along, because a stale write-ahead log left behind would be replayed into the
    fresh file that replaces it.
    """
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.{label}-{stamp}")
    counter = 1
    while target.exists():
        counter += 1
        target = path.with_name(f"{path.name}.{label}-{stamp}-{counter}")
    try:
        if path.exists():
            os.replace(path, target)
        for suffix in companions:
            extra = path.with_name(path.name + suffix)
            if extra.exists():
                os.replace(extra, target.with_name(target.name + suffix))
    except OSError as exc:
        raise StoreUnavailable(f"Could not set {path} aside: {exc.strerror or exc}.") from exc
    return target
