"""Render the app icon (resources/app/postretry-gui.svg) to PNG, ICO and ICNS.

Qt's own SVG renderer draws every size, so no Pillow, Inkscape or iconutil is needed; the ICO and
ICNS containers are written here because both are a short header plus the PNGs themselves (Windows
Vista+ and macOS 10.7+ read PNG payloads). Run it after editing the SVG and commit the outputs:

    .venv-3.11/bin/python packaging/render_icons.py          # rewrite resources/app/*
    .venv-3.11/bin/python packaging/render_icons.py --check  # exit 1 if the outputs are stale
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from collections.abc import Mapping
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICON_DIR = Path(__file__).resolve().parent.parent / "resources" / "app"
SVG_NAME = "postretry-gui.svg"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
# Windows shows 16..256 (256 is the largest an ICO entry can say).
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# ICNS element types that hold a PNG, with the pixel size each one expects.
ICNS_TYPES: tuple[tuple[bytes, int], ...] = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"ic11", 32),  # 16x16@2x
    (b"ic12", 64),  # 32x32@2x
    (b"ic07", 128),
    (b"ic08", 256),
    (b"ic09", 512),
    # ic13/ic14 (128@2x, 256@2x) would repeat the 256/512 PNGs byte for byte; macOS falls back
    # to ic08/ic09 on Retina screens, so they are left out to keep the file half as big.
)


class IconError(Exception):
    """The SVG could not be read or a size cannot be stored in a container."""


def render_png(svg: bytes, size: int) -> bytes:
    """Draw the SVG into a transparent square of ``size`` pixels and return PNG bytes."""
    renderer = QSvgRenderer(QByteArray(svg))
    if not renderer.isValid():
        raise IconError("the SVG icon could not be parsed")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    # quality 0 asks Qt's PNG writer for the strongest zlib compression: smaller files in git.
    if not image.save(buffer, "PNG", 0):
        raise IconError(f"Qt could not encode the {size}px PNG")
    buffer.close()
    return bytes(data.data())


def ico_bytes(pngs: Mapping[int, bytes]) -> bytes:
    """An ICO file holding one PNG per size (ICONDIR, one ICONDIRENTRY each, then the data)."""
    if not pngs:
        raise IconError("an ICO needs at least one image")
    sizes = sorted(pngs)
    if sizes[0] < 1 or sizes[-1] > 256:
        raise IconError("ICO images must be 1..256 pixels")
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = len(header) + 16 * len(sizes)
    entries, payload = b"", b""
    for size in sizes:
        data = pngs[size]
        # A width/height byte of 0 means 256.
        entries += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(data), offset)
        payload += data
        offset += len(data)
    return header + entries + payload


def icns_bytes(pngs: Mapping[int, bytes]) -> bytes:
    """An ICNS file with a PNG element for every type in ICNS_TYPES whose size is available."""
    body = b""
    for kind, size in ICNS_TYPES:
        if size in pngs:
            body += kind + struct.pack(">I", 8 + len(pngs[size])) + pngs[size]
    if not body:
        raise IconError("none of the sizes fits an ICNS element")
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def outputs(svg: bytes) -> dict[str, bytes]:
    """Every file this script writes, by name inside resources/app/."""
    pngs = {size: render_png(svg, size) for size in PNG_SIZES}
    files = {f"postretry-gui-{size}.png": data for size, data in pngs.items()}
    files["postretry-gui.ico"] = ico_bytes({s: pngs[s] for s in ICO_SIZES})
    files["postretry-gui.icns"] = icns_bytes(pngs)
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale outputs")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no display needed to draw
    app = QGuiApplication.instance() or QGuiApplication([])  # QSvgRenderer needs one
    svg = (ICON_DIR / SVG_NAME).read_bytes()
    stale = []
    for name, data in outputs(svg).items():
        target = ICON_DIR / name
        if target.exists() and target.read_bytes() == data:
            continue
        stale.append(name)
        if not args.check:
            target.write_bytes(data)
    del app
    if args.check and stale:
        print("stale icon files (run packaging/render_icons.py):", *stale, file=sys.stderr)
        return 1
    total = sum(p.stat().st_size for p in ICON_DIR.iterdir() if p.name != SVG_NAME)
    print(f"{'would rewrite' if args.check else 'rewrote'} {len(stale)} file(s); {total} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
