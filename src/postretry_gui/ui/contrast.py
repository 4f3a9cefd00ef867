"""WCAG 2.x contrast arithmetic on "#RRGGBB" colours: pure, so the theme's promise that every
badge is readable (4.5:1 for normal text) is checked by a test, not by eye."""

from __future__ import annotations

# WCAG 2.1, success criterion 1.4.3: normal-size text needs 4.5:1 against its background.
AA_NORMAL_TEXT = 4.5


def _channels(color: str) -> tuple[int, int, int]:
    value = color.lstrip("#")
    if len(value) != 6:
        raise ValueError(f"not a #RRGGBB colour: {color!r}")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _linear(channel: int) -> float:
    srgb = channel / 255
    return srgb / 12.92 if srgb <= 0.04045 else ((srgb + 0.055) / 1.055) ** 2.4


def relative_luminance(color: str) -> float:
    red, green, blue = (_linear(c) for c in _channels(color))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    """From 1 (same luminance) to 21 (black on white); order does not matter."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def blend(foreground: str, background: str, alpha: float) -> str:
    """``foreground`` painted at ``alpha`` (0..1) over an opaque ``background``."""
    mixed = (
        round(f * alpha + b * (1 - alpha))
        for f, b in zip(_channels(foreground), _channels(background), strict=True)
    )
    return "#" + "".join(f"{channel:02X}" for channel in mixed)
