"""A session on the real PostEverywhere client against a running simulator, loaded."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from controller_fakes import RecordingListener

from postretry_gui.controller import WorkspaceSession
from postretry_gui.controller.poller import PollSettings
from postretry_gui.providers.posteverywhere import PostEverywhereProvider
from postretry_gui.sim import DEMO_PE_KEY, SimConfig, SimServer

# Polls a little faster than in the app, so the suite stays within seconds.
FAST_POLLS = PollSettings(initial_interval_s=0.1, max_interval_s=0.4)


def quickly_publishing(seed: int, posts: int) -> SimConfig:
    """A simulator whose retries publish within a tenth of a second, every one of them, with
    no rate limit: the point is what the session reads, not the service's pace."""
    return SimConfig(
        seed=seed, posts=posts, queued_s=0.05, publishing_s=0.05, success_odds=1.0, rate_limit=None
    )


@asynccontextmanager
async def loaded_session(sim: SimServer, *, load_s: float = 10) -> AsyncIterator[WorkspaceSession]:
    provider = PostEverywhereProvider(base_url=sim.posteverywhere_url, api_key=DEMO_PE_KEY)
    session = WorkspaceSession(provider, RecordingListener(), poll_settings=FAST_POLLS)
    await session.load()
    await asyncio.wait_for(session.wait_loaded(), load_s)
    try:
        yield session
    finally:
        await session.aclose()
        await provider.aclose()
