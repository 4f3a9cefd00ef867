"""Bulk retry at the server's speed limit, beside a naive loop, and 50 SIGKILL trials.

Run: ``.venv-3.11/bin/python benchmarks/bulk_retry.py`` (about four minutes; no Qt).

- The job: 1,000 posts (each with its retryable destinations) as ONE ``BulkRetryJob``
  through the session, journalled on disk, against the simulator with a rate limit of 300
  requests per 10 s and 50 ms added latency on every answer.
- ratio: requests the job sent in its active window (first request out -> last answer in)
  divided by that window times the allowed 30 requests/s. The job needs no other request
  in that window (polls wait while a job sends). Two things cost ratio and are kept on
  purpose: the app's reserve of 1 % left for the operator's own clicks (3 of 300), and the
  server's Reset header in whole seconds rounded up, so each window waits on average half a
  second past its true end.
  The last window ends early (it is not needed whole), which lifts the ratio a little; the
  steady-state figure over whole windows only is printed too.
- rejected_429: 429 answers the job got (target 0).
- baseline_wall_s: a naive sequential loop (plain httpx, one POST after another, no
  pacing, no journal) over the same 1,000 posts on a fresh simulator with the same setup.
- duplicates: destinations the simulator applied more than once, over the job and all 50
  kill trials (target 0).
- kill trials: a child process runs a 200-post job and is SIGKILLed after a seeded random
  number of journalled intents; a new session over the same journal settles what it left.

Last line: ``bulk_retry: ratio=<r> rejected_429=<n> wall_s=<t> baseline_wall_s=<b>
duplicates=<d>``.
"""

from __future__ import annotations

import asyncio
import logging
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "controller"))

from bulk_child import (  # noqa: E402
    API_KEY,
    StatsReader,
    applied_twice,
    journal_dir,
    make_provider,
    make_session,
    retryable_selection,
    run_kill_trial,
)

from postretry_gui.sim import SimConfig, SimServer  # noqa: E402
from postretry_gui.store.journal import RetryJournal  # noqa: E402

JOB_POSTS = 1000
SIM_POSTS = 2900  # ~37 % have failures: enough for 1,000 posts to retry
LIMIT, WINDOW_S, LATENCY_MS = 300, 10.0, 50.0
ALLOWED_RATE = LIMIT / WINDOW_S
KILL_TRIALS, KILL_POSTS = 50, 200
RETRY_ROUTE = "POST /posteverywhere/api/v1/posts/{post_id}/retry"


def _sim() -> SimServer:
    config = SimConfig(seed=21, posts=SIM_POSTS, rate_limit=None, queued_s=0.05, publishing_s=0.05)
    return SimServer(config, port=0).start()


def _limit_on(sim: SimServer) -> None:
    # Loading the posts is not part of the measure: the limit and latency start now, with a
    # fresh window (the limiter counted nothing while it was off). The point here is the
    # short window, so the hour and the day are lifted (real_budget.py keeps every window).
    sim.configure(
        rate_limit=LIMIT,
        rate_window_s=WINDOW_S,
        rate_limit_hour=None,
        rate_limit_day=None,
        latency_ms=LATENCY_MS,
    )
    sim.reset_stats()


def _retry_requests(stats: dict[str, Any]) -> int:
    return sum(stats["requests"].get(RETRY_ROUTE, {}).values())


async def _job(sim: SimServer, folder: Path) -> dict[str, Any]:
    journal = RetryJournal(folder / "journal.sqlite3", operator="benchmark")
    provider = make_provider(sim.posteverywhere_url, timeout=30.0)
    session = make_session(provider, journal)
    await session.load()
    await session.wait_loaded()
    selection = retryable_selection(session, JOB_POSTS)
    _limit_on(sim)
    sent_at: list[float] = []
    answered_at: list[float] = []
    real_retry = provider.retry

    async def timed_retry(*args: Any, **kwargs: Any) -> Any:
        sent_at.append(time.monotonic())
        try:
            return await real_retry(*args, **kwargs)
        finally:
            answered_at.append(time.monotonic())

    provider.retry = timed_retry  # type: ignore[method-assign]
    started = time.monotonic()
    job = session.retry(selection)
    await job
    wall = time.monotonic() - started
    stats = sim.stats()
    await session.aclose()
    await provider.aclose()
    journal.close()
    active = max(answered_at) - min(sent_at)
    sent = _retry_requests(stats)
    # Steady state: the requests sent before the last window opened, over whole windows.
    first = min(sent_at)
    whole = int(active // WINDOW_S)
    cutoff = first + whole * WINDOW_S
    steady_sent = sum(1 for t in sent_at if t < cutoff)
    return {
        "posts": len(selection),
        "sent": sent,
        "active_s": active,
        "ratio": sent / (active * ALLOWED_RATE),
        "steady": steady_sent / (whole * LIMIT) if whole else float("nan"),
        "rejected_429": stats["rate_limited"],
        "wall_s": wall,
        "duplicates": len(applied_twice(stats)),
        "post_ids": list(selection),
        "selection": selection,
        "summary": job.summary.line() if job.summary else "",
    }


async def _baseline(sim: SimServer, selection: dict[str, frozenset[str]]) -> dict[str, Any]:
    _limit_on(sim)
    rejected = 0
    headers = {"Authorization": f"Bearer {API_KEY}"}
    async with httpx.AsyncClient(base_url=sim.posteverywhere_url, headers=headers) as client:
        started = time.monotonic()
        for post_id, ids in selection.items():
            answer = await client.post(
                f"/posts/{post_id}/retry", json={"account_ids": [int(a) for a in ids]}
            )
            rejected += answer.status_code == 429
        wall = time.monotonic() - started
    stats = sim.stats()
    return {
        "sent": _retry_requests(stats),
        "wall_s": wall,
        "rate": _retry_requests(stats) / wall,
        "rejected_429": rejected,
    }


def _kill_trials() -> dict[str, Any]:
    config = SimConfig(
        seed=5, posts=700, rate_limit=None, queued_s=0.01, publishing_s=0.01, success_odds=0.0
    )
    rng = random.Random(20261103)
    unfinished: list[int] = []
    lost = duplicates = 0
    started = time.monotonic()
    # A killed child leaves requests half-sent: the simulator's server logs each such
    # disconnect with a traceback, which is the point of the trial, not news.
    logging.getLogger("uvicorn.error").setLevel(logging.CRITICAL)
    with SimServer(config, port=0) as sim:
        stats = StatsReader(sim.stats, sim.reset_stats)
        for _ in range(KILL_TRIALS):
            with journal_dir() as folder:
                trial = run_kill_trial(
                    sim.posteverywhere_url, stats, folder, rng.randint(1, KILL_POSTS), KILL_POSTS
                )
            lost += trial.lost
            duplicates += len(trial.duplicates)
            unfinished.append(trial.unfinished_at_restart)
    return {
        "lost": lost,
        "duplicates": duplicates,
        "unfinished_min": min(unfinished),
        "unfinished_median": statistics.median(unfinished),
        "unfinished_max": max(unfinished),
        "mid_flight": sum(1 for n in unfinished if n),
        "wall_s": time.monotonic() - started,
    }


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bulk-bench-", dir=str(ROOT)) as folder:
        # The journal on a real disk, as in the app: it fsyncs every transition.
        sim = _sim()
        try:
            job = asyncio.run(_job(sim, Path(folder)))
        finally:
            sim.stop()
    print(
        f"job: {job['posts']} posts, {job['sent']} requests in {job['active_s']:.1f} s active "
        f"= {job['sent'] / job['active_s']:.1f}/s of {ALLOWED_RATE:.0f}/s allowed; "
        f"steady state over whole windows {job['steady']:.3f}; 429s {job['rejected_429']}; "
        f"wall {job['wall_s']:.1f} s; {job['summary']}",
        flush=True,
    )
    sim = _sim()
    try:
        base = asyncio.run(_baseline(sim, job["selection"]))
    finally:
        sim.stop()
    print(
        f"baseline (naive sequential loop): {base['sent']} requests in {base['wall_s']:.1f} s "
        f"= {base['rate']:.1f}/s; 429s {base['rejected_429']}",
        flush=True,
    )
    kills = _kill_trials()
    print(
        f"kill: {KILL_TRIALS} trials of a {KILL_POSTS}-post job, SIGKILL after a random "
        f"number of intents; unfinished at restart min/median/max "
        f"{kills['unfinished_min']}/{kills['unfinished_median']}/{kills['unfinished_max']} "
        f"({kills['mid_flight']} trials killed with intents open); lost {kills['lost']}; "
        f"duplicates {kills['duplicates']}; {kills['wall_s']:.1f} s",
        flush=True,
    )
    duplicates = job["duplicates"] + kills["duplicates"]
    print(
        f"bulk_retry: ratio={job['ratio']:.3f} rejected_429={job['rejected_429']} "
        f"wall_s={job['wall_s']:.1f} baseline_wall_s={base['wall_s']:.1f} "
        f"duplicates={duplicates}"
    )


if __name__ == "__main__":
    main()
