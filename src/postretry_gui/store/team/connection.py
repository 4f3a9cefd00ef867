"""Where the team's PostgreSQL is, and connections to it that fail with typed errors.

The URL a workspace stores has no password: the password comes from the OS keyring and is
handed to the driver as its own parameter, so it never sits in a setting, a log line or an
exception text. Everything else in the URL is libpq's, passed through as written: ``sslmode``,
``sslrootcert``, ``sslcert``, ``connect_timeout``, ``application_name``...
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import psycopg
from psycopg.conninfo import conninfo_to_dict

from postretry_gui.store.journal import current_operator
from postretry_gui.store.team import schema
from postretry_gui.store.team.errors import (
    InvalidTeamUrl,
    TeamAuthenticationFailed,
    TeamServerTooOld,
    TeamServerUnreachable,
    TeamStoreUnavailable,
)

# 13 brought gen_random_uuid() into the core; older servers are out of support upstream.
MINIMUM_SERVER_VERSION = 130000
_SCHEMES = ("postgresql://", "postgres://")
_SSL_MODES = frozenset({"disable", "allow", "prefer", "require", "verify-ca", "verify-full"})
_DEFAULT_CONNECT_TIMEOUT_S = "5"
# libpq words for a refused role or password (the server's FATAL text; no SQLSTATE reaches a
# failed connection attempt).
_AUTH_WORDS = ("password authentication failed", "no password supplied", "authentication failed",
               "role \"", "pg_hba.conf")  # fmt: skip

Result = TypeVar("Result")


def _version_text(version: int) -> str:
    return f"{version // 10000}.{version % 10000}"


@dataclass(frozen=True, slots=True)
class TeamSettings:
    """A workspace's team settings: the server's URL (no password) and who this operator is."""

    url: str
    operator: str = field(default_factory=current_operator)

    def __post_init__(self) -> None:
        check_team_url(self.url)
        if not isinstance(self.operator, str) or not self.operator.strip():
            raise InvalidTeamUrl("The operator's name must not be empty.")


def check_team_url(url: str) -> dict[str, str]:
    """The URL's libpq parameters, or ``InvalidTeamUrl`` saying what is wrong with it. The
    message never quotes the URL: a pasted one may hold a password."""
    if not isinstance(url, str) or not url.strip():
        raise InvalidTeamUrl("The team database needs a PostgreSQL URL.")
    if not url.startswith(_SCHEMES):
        raise InvalidTeamUrl(
            "The team database URL must start with postgresql:// (for example "
            "postgresql://alice@db.example.com:5432/postretry?sslmode=verify-full)."
        )
    try:
        params = conninfo_to_dict(url)
    except psycopg.Error:
        raise InvalidTeamUrl(
            "The team database URL could not be read: check its host, port and parameters."
        ) from None
    if "password" in params:
        raise InvalidTeamUrl(
            "The team database URL must not contain the password: it is kept in the system "
            "keyring instead. Remove it from the URL and enter it in the password field."
        )
    sslmode = params.get("sslmode")
    if sslmode is not None and sslmode not in _SSL_MODES:
        raise InvalidTeamUrl(
            f"sslmode={sslmode} is not a PostgreSQL TLS mode: use one of "
            + ", ".join(sorted(_SSL_MODES))
            + "."
        )
    return {k: str(v) for k, v in params.items() if v is not None}


def _scrub(text: str, password: str | None) -> str:
    return text.replace(password, "***") if password else text


def _last_line(error: BaseException) -> str:
    # libpq puts the server's own words ("FATAL: password authentication failed...") last.
    lines = str(error).strip().splitlines()
    return lines[-1].strip() if lines else type(error).__name__


class TeamDatabase:
    """Connections to one team database.

    ``session()`` lends the instance's shared connection (one caller at a time): when the
    server goes away mid-call the call raises ``TeamStoreUnavailable``, the broken connection is
    dropped, and the next call connects afresh, so the store recovers by itself when the
    server is back. (A connection idle through a whole outage learns of it on its next call,
    which fails the same way; nothing is retried here, since a write may have reached the
    server before the connection broke: the caller decides.) ``connect()`` opens a dedicated
    connection (leader lock, LISTEN) that the caller owns.
    """

    def __init__(
        self,
        settings: TeamSettings,
        password: str | None,
        *,
        minimum_server_version: int = MINIMUM_SERVER_VERSION,
        application_name: str = "postretry-gui",
    ) -> None:
        self.settings = settings
        self._password = password
        self._minimum_server_version = minimum_server_version
        self._application_name = application_name
        self._shared: psycopg.AsyncConnection[Any] | None = None
        self._lock = asyncio.Lock()

    @property
    def operator(self) -> str:
        return self.settings.operator

    def _parameters(self, extra: dict[str, str]) -> dict[str, Any]:
        params: dict[str, Any] = {
            "connect_timeout": _DEFAULT_CONNECT_TIMEOUT_S,
            "application_name": self._application_name,
        }
        params.update(check_team_url(self.settings.url))
        params.update(extra)
        if self._password is not None:
            params["password"] = self._password
        return params

    async def connect(self, **libpq: str) -> psycopg.AsyncConnection[Any]:
        """A new autocommit connection, checked for the server's version. ``libpq`` adds
        connection parameters (TCP keepalives for the leader's connection, say)."""
        try:
            connection = await psycopg.AsyncConnection.connect(
                autocommit=True, **self._parameters(libpq)
            )
        except psycopg.OperationalError as error:
            raise self._connect_error(error) from None
        version = connection.info.server_version
        if version < self._minimum_server_version:
            await connection.close()
            raise TeamServerTooOld(
                f"The team database runs PostgreSQL {_version_text(version)}; team mode needs "
                f"{_version_text(self._minimum_server_version)} or newer."
            )
        return connection

    def _connect_error(self, error: psycopg.OperationalError) -> Exception:
        said = _scrub(_last_line(error), self._password)
        params = check_team_url(self.settings.url)
        where = f"{params.get('host', 'the local socket')}:{params.get('port', '5432')}"
        if any(word in said for word in _AUTH_WORDS):
            return TeamAuthenticationFailed(
                f"The team database at {where} refused the login: {said}. Check the user in the "
                "URL and the password kept in the keyring."
            )
        return TeamServerUnreachable(
            f"Could not reach the team database at {where}: {said}. Check the address, that "
            "the server is running, and its TLS settings (sslmode)."
        )

    def unavailable(self, error: BaseException) -> TeamStoreUnavailable:
        """The typed error for a connection that broke or refused mid-call."""
        said = _scrub(_last_line(error), self._password)
        return TeamStoreUnavailable(
            f"Lost the team database: {said}. Nothing more is sent until it is back; the app "
            "reconnects by itself."
        )

    @asynccontextmanager
    async def session(self) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        async with self._lock:
            if self._shared is None or self._shared.closed:
                self._shared = await self.connect()
            connection = self._shared
            try:
                yield connection
            except psycopg.errors.TransactionRollback:
                raise  # a deadlock victim or a serialization failure: the caller may run again
            except (psycopg.OperationalError, psycopg.InterfaceError) as error:
                if connection.broken or connection.closed:
                    await self._drop_shared()
                raise self.unavailable(error) from None
            except BaseException:
                # Cancelled mid-query, or a failure of ours: the connection's state is not
                # known any more unless it is idle.
                if connection.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                    await self._drop_shared()
                raise

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        """The shared connection inside one transaction (rolled back on any exception)."""
        async with self.session() as connection, connection.transaction():
            yield connection

    async def run(
        self,
        work: Callable[[psycopg.AsyncConnection[Any]], Awaitable[Result]],
        *,
        retries: int = 3,
    ) -> Result:
        """``await work(connection)`` in one transaction, again from the start when the server
        chose it as a deadlock victim or a serialization failure (both roll back whole)."""
        for attempt in range(retries + 1):
            try:
                async with self.transaction() as connection:
                    return await work(connection)
            except psycopg.errors.TransactionRollback as error:
                if attempt == retries:
                    raise TeamStoreUnavailable(
                        "The team database is too busy: the same change collided with another "
                        f"instance's {retries + 1} times ({_last_line(error)}). Try again."
                    ) from None
        raise AssertionError("unreachable")

    async def migrate(self) -> int:
        """Bring the schema up to this app's version (``TeamSchemaTooNew`` if the database is
        ahead); call once at start-up, before the other calls."""
        async with self.session() as connection:
            return await schema.migrate(connection)

    async def _drop_shared(self) -> None:
        shared, self._shared = self._shared, None
        if shared is not None:
            await shared.close()

    async def close(self) -> None:
        async with self._lock:
            await self._drop_shared()
