"""Issue 12's acceptance: a 1,000-post retry at the real services' allowances, settled.

Run: ``.venv-3.11/bin/python benchmarks/real_budget.py`` (about two minutes; no Qt).

- The simulator at PostEverywhere's real allowances (60 a minute, 1,000 an hour, 10,000 a
  day per key), every window's length times ``SCALE`` (a minute lasts 6 s, an hour 6 min);
  the app's pacer keeps the same windows on the same clock (``domain.budget.scaled``).
  The simulator's publishing delays and the app's poll settings are the defaults.
- The job: 1,000 posts with failures over 16 accounts (every retryable destination), from
  Ctrl+R (``session.confirmation`` then ``session.retry``: what the window does) until the
  poller has nothing left to watch. The posts are loaded before; the load is not counted.
- requests: every request the simulator saw from Ctrl+R to the last settle (``/_sim/stats``
  ``requests_total``), by route as well. per_post = requests / posts.
- baseline_requests: the same selection in single-post mode (the workspace setting), on a
  fresh simulator with the same seed, in the same run. Its budget limits are off, so it
  counts requests without waiting hours for them: its time at the real allowance is printed
  as the pacer's estimate.
- settle_windows: per-minute windows from the first retry leaving to the last settle.
- rejected_429: 429 answers in the job; duplicates: (post, account) pairs the simulator
  applied more than once for one intent.
- Ayrshare: a smaller run (its retry is one request per post, which no plan avoids): the
  settle reads per post, its history read no faster than its (scaled) cache refreshes.

Each run prints its lines; the last line is
``real_budget: posts=<n> requests=<r> per_post=<r/n> baseline_requests=<b>
settle_windows=<w> rejected_429=<z> duplicates=<d>``.
"""

from __future__ import annotations

import asyncio
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "controller"))

from bulk_child import retryable_selection  # noqa: E402

from postretry_gui.controller import NullListener, WorkspaceSession  # noqa: E402
from postretry_gui.controller.poller import PollSettings  # noqa: E402
from postretry_gui.domain.budget import (  # noqa: E402
    BudgetLedger,
    describe_duration,
    scaled,
)
from postretry_gui.providers.ayrshare import AyrshareProvider  # noqa: E402
from postretry_gui.providers.ayrshare.spec import RATE_WINDOWS as AYR_WINDOWS  # noqa: E402
from postretry_gui.providers.ayrshare.spec import SPEC as AYR_SPEC  # noqa: E402
from postretry_gui.providers.pacing import RatePacer  # noqa: E402
from postretry_gui.providers.posteverywhere import PostEverywhereProvider  # noqa: E402
from postretry_gui.providers.posteverywhere.spec import RATE_WINDOWS  # noqa: E402
from postretry_gui.sim import DEMO_AYR_KEY, DEMO_PE_KEY, SimConfig, SimServer  # noqa: E402
from postretry_gui.store.journal import RetryJournal  # noqa: E402

SCALE = 0.1
MINUTE_S = 60.0 * SCALE
JOB_POSTS, SIM_POSTS, SEED = 1000, 3200, 21
AYR_POSTS, AYR_SIM_POSTS = 40, 200
X_KEY, X_SECRET = "x-app-key-bench", "x-app-secret-bench"


def _sim(*, limits: bool, ayrshare_posts: int = 60) -> SimServer:
    config = SimConfig(
        seed=SEED,
        posts=SIM_POSTS,
        accounts=16,
        rate_time_scale=SCALE,
        ayrshare_posts=ayrshare_posts,
    )
    if not limits:
        config = config.replace(rate_limit=None, ayrshare_rate_limit=None)
    return SimServer(config, port=0).start()


def _duplicates(stats: dict[str, Any]) -> int:
    by_intent = stats["retries_applied_by_intent"]
    return sum(1 for pairs in by_intent.values() for n in pairs.values() if n > 1)


async def _posteverywhere(
    sim: SimServer, folder: Path, *, single_post: bool, selection: dict[str, frozenset[str]] | None
) -> dict[str, Any]:
    pacer = RatePacer(windows=scaled(RATE_WINDOWS, SCALE))
    provider = PostEverywhereProvider(sim.posteverywhere_url, DEMO_PE_KEY, pacer=pacer)
    journal = RetryJournal(folder / f"journal-{single_post}.sqlite3", operator="benchmark")
    session = WorkspaceSession(
        provider,
        NullListener(),
        journal=journal,
        workspace_id="real-budget",
        single_post_retries=single_post,
    )
    try:
        await session.load()
        await session.wait_loaded()
        chosen = selection or retryable_selection(session, JOB_POSTS)
        sim.reset_stats()
        started = time.monotonic()
        confirmation = session.confirmation(chosen)
        job = session.retry(chosen)
        await job
        await session.wait_settled()
        elapsed = time.monotonic() - started
        stats = sim.stats()
        summary = job.summary.line() if job.summary else ""
        unsettled = len(session.polling)
    finally:
        await session.aclose()
        await provider.aclose()
        journal.close()
    return {
        "selection": chosen,
        "posts": len(chosen),
        "destinations": sum(len(ids) for ids in chosen.values()),
        "confirmation": confirmation,
        "elapsed_s": elapsed,
        "requests": stats["requests_total"],
        "by_route": stats["requests_by_route"],
        "rejected_429": stats["rate_limited"],
        "duplicates": _duplicates(stats),
        "summary": summary,
        "unsettled": unsettled,
    }


async def _ayrshare(sim: SimServer, folder: Path) -> dict[str, Any]:
    pacer = RatePacer(windows=scaled(AYR_WINDOWS, SCALE))
    provider = AyrshareProvider(
        sim.ayrshare_url,
        DEMO_AYR_KEY,
        x_api_key=X_KEY,
        x_api_secret=X_SECRET,
        last_days=0,
        pacer=pacer,
    )
    journal = RetryJournal(folder / "journal-ayrshare.sqlite3", operator="benchmark")
    # The history cache's minute runs on the simulator's clock too.
    feed = AYR_SPEC.capabilities.change_feed
    assert feed is not None
    polls = PollSettings(list_min_interval_s=feed.min_interval_s * SCALE)
    session = WorkspaceSession(
        provider, NullListener(), journal=journal, workspace_id="real-budget-ayr",
        poll_settings=polls,
    )  # fmt: skip
    try:
        await session.load()
        await session.wait_loaded()
        chosen = retryable_selection(session, AYR_POSTS)
        sim.reset_stats()
        await session.retry(chosen)
        await session.wait_settled()
        stats = sim.stats()
    finally:
        await session.aclose()
        await provider.aclose()
        journal.close()
    by_route = stats["requests_by_route"]
    retries = sum(n for route, n in by_route.items() if route.endswith("/post/retry"))
    return {
        "posts": len(chosen),
        "by_route": by_route,
        "retries": retries,
        "reads": stats["requests_total"] - retries,
        "rejected_429": stats["rate_limited"],
    }


def _routes(by_route: dict[str, int]) -> str:
    return ", ".join(f"{route} {n}" for route, n in sorted(by_route.items(), key=lambda i: -i[1]))


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="real-budget-", dir=str(ROOT)) as name:
        folder = Path(name)
        sim = _sim(limits=True)
        try:
            bulk = asyncio.run(_posteverywhere(sim, folder, single_post=False, selection=None))
        finally:
            sim.stop()
        sim = _sim(limits=False)
        try:
            base = asyncio.run(
                _posteverywhere(sim, folder, single_post=True, selection=bulk["selection"])
            )
        finally:
            sim.stop()
        sim = _sim(limits=True, ayrshare_posts=AYR_SIM_POSTS)
        try:
            ayr = asyncio.run(_ayrshare(sim, folder))
        finally:
            sim.stop()
    posts = bulk["posts"]
    windows = math.ceil(bulk["elapsed_s"] / MINUTE_S)
    confirmation = bulk["confirmation"]
    print(
        f"confirmation: {confirmation.question}"
        + (f" ({confirmation.warning})" if confirmation.warning else "")
    )
    print(
        f"bulk: {posts} posts, {bulk['destinations']} destinations, {bulk['requests']} requests "
        f"in {bulk['elapsed_s']:.1f} s ({windows} windows of {MINUTE_S:g} s); "
        f"unsettled {bulk['unsettled']}; {bulk['summary']}"
    )
    print(f"bulk requests by route: {_routes(bulk['by_route'])}")
    baseline_time = BudgetLedger(RATE_WINDOWS).estimate(base["requests"], 0.0).seconds
    print(
        f"baseline (single-post mode, limits off): {base['requests']} requests; at the real "
        f"allowance {describe_duration(baseline_time)}; unsettled {base['unsettled']}"
    )
    print(f"baseline requests by route: {_routes(base['by_route'])}")
    print(
        f"ayrshare: {ayr['posts']} posts, {ayr['retries']} retries "
        f"({ayr['retries'] / ayr['posts']:.2f} per post), {ayr['reads']} settle reads "
        f"({ayr['reads'] / ayr['posts']:.2f} per post), 429s {ayr['rejected_429']}; "
        f"by route: {_routes(ayr['by_route'])}"
    )
    print(
        f"real_budget: posts={posts} requests={bulk['requests']} "
        f"per_post={bulk['requests'] / posts:.3f} baseline_requests={base['requests']} "
        f"settle_windows={windows} rejected_429={bulk['rejected_429']} "
        f"duplicates={bulk['duplicates'] + base['duplicates']}",
        flush=True,
    )


if __name__ == "__main__":
    main()
