"""Team-store fixtures (in ``team_fixtures``, shared with the other team-mode tests)."""

from team_fixtures import *  # noqa: F403 - fixtures and the marking hook, found by name
