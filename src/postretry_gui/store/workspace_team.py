"""A workspace's team settings in the settings file: the team database's URL (no password)
and this operator's name, or nothing for a workspace run alone.

Kept apart from ``workspaces.py`` (which stores name, provider and base URL) so the file's
shape for team mode is read and checked in one place. The password is a keyring secret
(``SecretKind.TEAM_DB_PASSWORD``), never here.
"""

from __future__ import annotations

from typing import Any

from postretry_gui.store.errors import InvalidWorkspace
from postretry_gui.store.journal import current_operator
from postretry_gui.store.team.connection import TeamSettings
from postretry_gui.store.team.errors import InvalidTeamUrl

MAX_OPERATOR_LENGTH = 80


def team_settings(url: str, operator: str | None = None) -> TeamSettings:
    """Checked team settings; a blank ``operator`` means the OS user. ``InvalidWorkspace``
    says what is wrong (the message never quotes the URL: it may hold a password)."""
    name = " ".join((operator or "").split()) or current_operator()
    if len(name) > MAX_OPERATOR_LENGTH:
        raise InvalidWorkspace(
            f"The operator's name is longer than {MAX_OPERATOR_LENGTH} characters."
        )
    try:
        return TeamSettings(url.strip() if isinstance(url, str) else url, name)
    except InvalidTeamUrl as error:
        raise InvalidWorkspace(str(error)) from None


def team_from_json(raw: Any) -> TeamSettings | None:
    """The ``"team"`` entry of a workspace in the settings file (absent: run alone)."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise InvalidWorkspace("the team entry is not an object")
    return team_settings(raw.get("url"), raw.get("operator"))  # type: ignore[arg-type]


def team_to_json(team: TeamSettings) -> dict[str, str]:
    return {"url": team.url, "operator": team.operator}
