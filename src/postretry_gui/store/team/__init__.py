"""Team mode's shared store: one PostgreSQL database for several operators of one workspace.

Qt-free, asyncio, psycopg 3. ``TeamDatabase`` connects (password passed in, never in the URL)
and migrates; on it stand the team's journal, claims on (post, account) pairs, one rate budget
per API key, leader election and the posts the leader shares with the followers.

psycopg's async connections need a selector event loop: on Windows qasync's default loop is
a proactor (QIOCPEventLoop), so team mode there needs qasync.QSelectorEventLoop, or this store
on a selector loop in a thread of its own.
"""

from postretry_gui.store.team.budget import Reservation, SharedWindow, TeamBudget, budget_id_for
from postretry_gui.store.team.claims import Claim, ClaimResult, Claims, HeldPair
from postretry_gui.store.team.connection import (
    MINIMUM_SERVER_VERSION,
    TeamDatabase,
    TeamSettings,
    check_team_url,
)
from postretry_gui.store.team.errors import (
    ClaimLost,
    InvalidTeamUrl,
    TeamAuthenticationFailed,
    TeamSchemaTooNew,
    TeamServerTooOld,
    TeamServerUnreachable,
    TeamStoreError,
    TeamStoreUnavailable,
)
from postretry_gui.store.team.journal import TeamJournal
from postretry_gui.store.team.leader import LeaderElection
from postretry_gui.store.team.posts import (
    ChangedPosts,
    PostChange,
    PostChangeListener,
    SharedPosts,
)
from postretry_gui.store.team.schema import SCHEMA_VERSION

__all__ = [
    "MINIMUM_SERVER_VERSION",
    "SCHEMA_VERSION",
    "ChangedPosts",
    "Claim",
    "ClaimLost",
    "ClaimResult",
    "Claims",
    "HeldPair",
    "InvalidTeamUrl",
    "LeaderElection",
    "PostChange",
    "PostChangeListener",
    "Reservation",
    "SharedPosts",
    "SharedWindow",
    "TeamAuthenticationFailed",
    "TeamBudget",
    "TeamDatabase",
    "TeamJournal",
    "TeamSchemaTooNew",
    "TeamServerTooOld",
    "TeamServerUnreachable",
    "TeamSettings",
    "TeamStoreError",
    "TeamStoreUnavailable",
    "budget_id_for",
    "check_team_url",
]
