"""pytest imports test modules by basename (rootdir-relative, no packages): two files with the
same name in different folders break collection. Catch it here, with the names, not later
as a confusing 'import file mismatch'."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def test_every_test_module_basename_is_unique() -> None:
    names = Counter(
        p.name
        for p in TESTS.rglob("*.py")
        if p.name != "conftest.py" and "__pycache__" not in p.parts
    )
    assert [name for name, count in names.items() if count > 1] == []
