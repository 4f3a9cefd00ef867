"""One app instance of a shared workspace, headless, for the team acceptance tests.

As a script::

    python team_child.py CONFIG_JSON

CONFIG_JSON names the simulator's PostEverywhere URL, the team database (URL, password), the
workspace id and this operator's name. The child opens the workspace as the app does
(``WorkspaceOpener`` with its team side) and waits until it shows all ``total`` posts (read
itself as the leader, or taken in from the leader). It prints ``{"selection": ...}``: the
``first``/``count`` posts with a retryable destination in post-id order, and ``ready``. Then
it waits for the parent's "go" on stdin, which carries the selection to retry (one
instance's pick, so all press retry at once on the same selection), runs ONE bulk job and
prints ``{"report": {...}}`` with each outcome's count, ``{"sent": [...]}`` with the
"post|account" pairs this instance's requests re-queued (or may have), and ``done``.
``retry: false`` makes it only lead or follow until killed; ``single_post: true`` opens the
workspace with single-post retries (one request per post, no bulk request). ``lease_s`` sets
the claims' lease (and the age an unfinished intent needs before this instance, leading,
settles it as an orphan); ``tell_syncs`` prints ``{"synced": <unix time>}`` at each completed
sync of the list.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

from postretry_gui.controller import NullListener, SyncState
from postretry_gui.controller.bulk import BulkSettings
from postretry_gui.controller.bulk_events import SummaryGroup
from postretry_gui.controller.poller import PollSettings
from postretry_gui.controller.team_opener import TeamOptions
from postretry_gui.controller.workspace_opener import WorkspaceOpener
from postretry_gui.domain.budget import WindowSpec
from postretry_gui.providers.pacing import RatePacer
from postretry_gui.providers.posteverywhere import PostEverywhereProvider
from postretry_gui.store import StoreDirs, Workspace, WorkspaceSecrets
from postretry_gui.store.workspace_team import team_settings

API_KEY = "pe_test_team"
# Where a destination this instance sent is after its job: re-queued, settled, or unknown.
SENT_GROUPS = (
    SummaryGroup.PUBLISHED,
    SummaryGroup.FAILED_AGAIN,
    SummaryGroup.RETRIED,
    SummaryGroup.OUTCOME_UNKNOWN,
)
FAST_POLLS = PollSettings(initial_interval_s=0.05, backoff=1.5, max_interval_s=0.2)


class Shown(NullListener):
    """Sets ``enough`` once the session shows at least ``wanted`` failed posts.
    ``tell_syncs``: print ``{"synced": <unix time>}`` as each sync of the list completes."""

    def __init__(self, wanted: int, *, tell_syncs: bool = False) -> None:
        self.wanted = wanted
        self.enough = asyncio.Event()
        self.failed = 0
        self.notices: list[str] = []
        self._tell_syncs = tell_syncs
        self._last_sync: object = None

    def posts_changed(self, posts: Any) -> None:
        pass

    def sync_changed(self, state: SyncState) -> None:
        if self._tell_syncs and state.last_sync_at not in (None, self._last_sync):
            self._last_sync = state.last_sync_at
            print(json.dumps({"synced": time.time()}), flush=True)

    def notice(self, level: Any, text: str) -> None:
        self.notices.append(text)
        print(json.dumps({"notice": text}), flush=True)


def retryable(session: Any, first: int, count: int) -> dict[str, frozenset[str]]:
    chosen: dict[str, frozenset[str]] = {}
    for post_id in sorted(session.posts)[first:]:
        ids = session.eligible_account_ids(session.posts[post_id])
        if ids:
            chosen[post_id] = ids
        if len(chosen) >= count:
            break
    return chosen


async def _wait_for_list(session: Any, config: dict[str, Any]) -> dict[str, frozenset[str]]:
    """Every instance picks from the whole list (``total`` posts), so all pick the same."""
    while len(session.posts) < config["total"]:  # noqa: ASYNC110 - the session's own view
        await asyncio.sleep(0.05)
    return retryable(session, config["first"], config["count"])


async def child(config: dict[str, Any]) -> None:
    windows = [WindowSpec(**w) for w in config.get("budget_windows", ())]

    def options(base: TeamOptions) -> TeamOptions:
        return replace(
            base,
            budget_windows=windows,
            refresh_interval_s=config.get("refresh_interval_s", 2.0),
            poll_interval_s=config.get("poll_interval_s", 0.2),
            probe_interval_s=0.2,
            lease_s=config.get("lease_s", base.lease_s),
        )

    def factory(workspace: Workspace, secrets: WorkspaceSecrets) -> PostEverywhereProvider:
        return PostEverywhereProvider(
            workspace.base_url, API_KEY, pacer=RatePacer(jitter_s=0.01), timeout=10.0
        )

    workspace = Workspace(
        config["workspace_id"],
        "Team",
        "posteverywhere",
        config["base_url"],
        team=team_settings(config["team_url"], config["operator"]),
        single_post_retries=config.get("single_post", False),
    )
    secrets = WorkspaceSecrets(api_key=API_KEY, team_db_password=config["password"])
    listener = Shown(config.get("count", 0), tell_syncs=config.get("tell_syncs", False))
    with tempfile.TemporaryDirectory(prefix="postretry-team-child-") as scratch:
        opener = WorkspaceOpener(
            StoreDirs.under(Path(scratch)), factory=factory, team_options=options
        )
        opened = opener.open(workspace, secrets, listener)
        try:
            opened.session.spawn(opened.team.run() if opened.team else asyncio.sleep(0))
            if not config.get("retry", True):
                print("ready", flush=True)
                await asyncio.Event().wait()
            chosen = await _wait_for_list(opened.session, config)
            picked = {post_id: sorted(ids) for post_id, ids in chosen.items()}
            print(json.dumps({"selection": picked}), flush=True)
            print("ready", flush=True)
            # The parent's "go": the selection every instance retries (one instance's pick).
            go = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
            chosen = {post_id: frozenset(ids) for post_id, ids in json.loads(go).items()}
            bulk = BulkSettings(**config.get("bulk", {}))
            job = opened.session.retry(chosen, settings=bulk)
            report = await job
            counts = Counter(o.outcome.value for o in report.outcomes)
            print(json.dumps({"report": dict(counts)}), flush=True)
            if config.get("settle", False):
                await opened.session.wait_settled()
            summary = job.summary
            assert summary is not None  # the job has ended
            sent = [f"{p}|{a}" for g in SENT_GROUPS for p, a in summary.destinations(g)]
            print(json.dumps({"sent": sorted(sent)}), flush=True)
            print("done", flush=True)
        finally:
            await opened.aclose()


if __name__ == "__main__":
    asyncio.run(child(json.loads(sys.argv[1])))
