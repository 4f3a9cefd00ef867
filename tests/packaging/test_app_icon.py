"""The app icon files the installers ship: right sizes, readable containers, no stale outputs."""

from __future__ import annotations

import importlib.util
import struct
from importlib.resources import files
from pathlib import Path
from types import ModuleType

import pytest
from PySide6.QtGui import QImage

ROOT = Path(__file__).resolve().parents[2]
ICON_DIR = ROOT / "resources" / "app"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _render_icons() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "render_icons", ROOT / "packaging" / "render_icons.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


render_icons = _render_icons()


@pytest.mark.parametrize("size", render_icons.PNG_SIZES)
def test_each_png_is_a_square_of_its_size_with_transparent_corners(qapp: object, size: int) -> None:
    image = QImage(str(ICON_DIR / f"postretry-gui-{size}.png"))
    assert (image.width(), image.height()) == (size, size)
    # The tile has rounded corners: a corner pixel painted opaque would show as a square.
    assert image.pixelColor(0, 0).alpha() == 0
    assert image.pixelColor(size // 2, size // 2).alpha() == 255


def test_the_svg_is_package_data_the_app_can_read() -> None:
    svg = files("postretry_gui.resources") / "app" / "postretry-gui.svg"
    assert svg.read_bytes().lstrip().startswith(b"<svg")


def test_the_ico_lists_every_windows_size_and_points_at_pngs() -> None:
    data = (ICON_DIR / "postretry-gui.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", data)
    assert (reserved, kind, count) == (0, 1, len(render_icons.ICO_SIZES))
    sizes = []
    for index in range(count):
        entry = struct.unpack_from("<BBBBHHII", data, 6 + 16 * index)
        width, height, length, offset = entry[0], entry[1], entry[6], entry[7]
        sizes.append(width or 256)
        assert width == height
        assert data[offset : offset + 8] == PNG_SIGNATURE
        assert offset + length <= len(data)
    assert sizes == list(render_icons.ICO_SIZES)


def test_the_icns_length_and_elements_are_consistent() -> None:
    data = (ICON_DIR / "postretry-gui.icns").read_bytes()
    assert data[:4] == b"icns"
    assert struct.unpack_from(">I", data, 4)[0] == len(data)
    position, kinds = 8, []
    while position < len(data):
        kind = data[position : position + 4]
        (length,) = struct.unpack_from(">I", data, position + 4)
        assert data[position + 8 : position + 16] == PNG_SIGNATURE
        kinds.append(kind)
        position += length
    assert position == len(data)
    assert {b"icp4", b"ic07", b"ic08", b"ic09"} <= set(kinds)


def test_ico_writer_stores_256_as_zero_and_rejects_what_ico_cannot_hold() -> None:
    ico = render_icons.ico_bytes({256: PNG_SIGNATURE, 16: PNG_SIGNATURE})
    assert struct.unpack_from("<H", ico, 4)[0] == 2
    assert (ico[6], ico[6 + 16]) == (16, 0)  # sorted by size; 256 is written as 0
    with pytest.raises(render_icons.IconError):
        render_icons.ico_bytes({})
    with pytest.raises(render_icons.IconError):
        render_icons.ico_bytes({512: PNG_SIGNATURE})


def test_icns_writer_skips_sizes_it_has_no_element_for() -> None:
    icns = render_icons.icns_bytes({128: b"x" * 10, 100: b"y"})
    assert icns == b"icns" + struct.pack(">I", 26) + b"ic07" + struct.pack(">I", 18) + b"x" * 10
    with pytest.raises(render_icons.IconError):
        render_icons.icns_bytes({100: b"y"})


def test_an_unreadable_svg_is_a_typed_error(qapp: object) -> None:
    with pytest.raises(render_icons.IconError):
        render_icons.render_png(b"<not-svg", 16)
