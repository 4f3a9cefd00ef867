"""Start-up: arguments, QApplication, the qasync loop and the wiring (composition root)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from postretry_gui import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="postretry-gui",
        description="Retry failed social-publishing destinations from the keyboard, never twice.",
    )
    parser.add_argument("--version", action="version", version=f"postretry-gui {__version__}")
    parser.add_argument(
        "--demo", action="store_true", help="open on the built-in simulator with demo data"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.demo:
        print("demo: not wired yet", file=sys.stderr)
        return 2
    return 0
