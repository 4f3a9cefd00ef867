"""What can go wrong with the team's PostgreSQL, as typed errors under the store's ``StoreError``.

Messages are for the operator and never carry the password: it is passed to the driver beside
the URL, never inside it, and any server text quoted here has it scrubbed again (a server may
echo a connection string back).
"""

from __future__ import annotations

from postretry_gui.store.errors import StoreError


class TeamStoreError(StoreError):
    """Base of every team-store failure."""


class InvalidTeamUrl(TeamStoreError, ValueError):
    """The PostgreSQL URL was refused before any connection: not a URL, not postgresql://, or
    it carries a password (the password lives in the keyring)."""


class TeamAuthenticationFailed(TeamStoreError):
    """The server refused the role or its password."""


class TeamServerTooOld(TeamStoreError):
    """The server's major version is older than team mode supports."""


class TeamSchemaTooNew(TeamStoreError):
    """The database was migrated by a newer version of the app; this one leaves it untouched."""


class TeamStoreUnavailable(TeamStoreError):
    """The server went away in the middle of a call (or refused it): the call did not happen,
    or its transaction was rolled back. The next call reconnects."""


class TeamServerUnreachable(TeamStoreUnavailable):
    """No server answered at that address (refused, no route, timed out, TLS failed). At
    start-up the address may be wrong; after a loss it is the same outage, hence a kind of
    ``TeamStoreUnavailable``."""


class ClaimLost(TeamStoreError):
    """A claim's fencing number is no longer the current one: its lease expired and another
    instance may hold the pair now, so this instance must not send."""
