"""Whether the team's PostgreSQL is reachable, from this instance's point of view.

Database trouble is never a reason to send blind: the first ``TeamStoreUnavailable`` marks the
link down, tells the operator once, and starts a probe that asks the server every
``probe_interval_s`` until it answers; then the link is up again and everyone waiting in
``wait_up`` carries on (a paused bulk job resumes by itself). Reads of what is already shown
never depend on this: the window keeps the last data, read-only.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from postretry_gui.store.team import TeamDatabase, TeamStoreUnavailable

# Told of every change: (up, the sentence for the operator).
LinkListener = Callable[[bool, str], None]

RESUMED = "The team database is back: retries may be sent again."


class TeamLink:
    def __init__(
        self,
        database: TeamDatabase,
        on_change: LinkListener,
        *,
        probe_interval_s: float = 1.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        reached: bool = True,
    ) -> None:
        self._database = database
        self._on_change = on_change
        self._probe_interval_s = probe_interval_s
        self._sleep = sleep
        # Down until ``reached()`` when the database has not been reached yet (start-up).
        self._up = asyncio.Event()
        if reached:
            self._up.set()
        self._told_down = False
        self._probe: asyncio.Task[None] | None = None

    @property
    def up(self) -> bool:
        return self._up.is_set()

    async def wait_up(self) -> None:
        await self._up.wait()

    def reached(self) -> None:
        """The first call of this run got through (start-up is over)."""
        if not self._probing:
            self._up.set()

    @property
    def _probing(self) -> bool:
        return self._probe is not None and not self._probe.done()

    def lost(self, error: TeamStoreUnavailable) -> None:
        """A call failed for want of the server: down until a probe gets an answer. The
        operator is told once per outage."""
        if self._probing:
            return
        self._up.clear()
        if not self._told_down:
            self._told_down = True
            self._on_change(False, str(error))
        self._probe = asyncio.get_running_loop().create_task(
            self._probe_until_back(), name="team-link-probe"
        )

    async def _probe_until_back(self) -> None:
        while True:
            await self._sleep(self._probe_interval_s)
            try:
                async with self._database.session() as connection:
                    await connection.execute("SELECT 1")
            except TeamStoreUnavailable:
                continue
            self._up.set()
            self._told_down = False
            self._on_change(True, RESUMED)
            return

    async def aclose(self) -> None:
        probe, self._probe = self._probe, None
        if probe is not None and not probe.done():
            probe.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await probe
