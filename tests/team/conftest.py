"""Team mode wired into the app: the controller's coordination, the worker, the acceptance
tests. The PostgreSQL fixtures are the team store's (``tests/store/team/team_fixtures.py``)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "store" / "team"))

from team_fixtures import *  # noqa: F403 - fixtures and the marking hook, found by name
