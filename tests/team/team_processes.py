"""The parent's side of ``team_child.py``: start instances, wait for them to be ready, say
"go" to all at once, read their reports."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHILD = Path(__file__).with_name("team_child.py")
WAIT_S = 120.0


@dataclass
class Instance:
    process: asyncio.subprocess.Process
    operator: str
    lines: list[str] = field(default_factory=list)
    report: dict[str, int] | None = None
    selection: dict[str, list[str]] | None = None
    sent: list[str] | None = None  # "post|account" pairs this instance re-queued

    async def _line(self) -> str:
        assert self.process.stdout is not None
        raw = await self.process.stdout.readline()
        if not raw:
            assert self.process.stderr is not None
            errors = (await self.process.stderr.read()).decode(errors="replace")
            raise AssertionError(f"{self.operator} ended early:\n{errors[-3000:]}")
        line = raw.decode().strip()
        self.lines.append(line)
        if line.startswith('{"report"'):
            self.report = json.loads(line)["report"]
        elif line.startswith('{"selection"'):
            self.selection = json.loads(line)["selection"]
        elif line.startswith('{"sent"'):
            self.sent = json.loads(line)["sent"]
        return line

    async def until(self, wanted: str) -> None:
        """Read on until the line ``wanted`` (or, ending in a quote-less prefix such as
        '{"report"', the first line starting with it)."""
        while True:
            line = await self._line()
            if line == wanted or (wanted.startswith("{") and line.startswith(wanted)):
                return

    async def until_notice(self, part: str) -> str:
        """Read on until a notice containing ``part``; returns it."""
        while True:
            line = await self._line()
            if line.startswith('{"notice"') and part in json.loads(line)["notice"]:
                return str(json.loads(line)["notice"])

    async def go(self, selection: dict[str, list[str]]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(selection).encode() + b"\n")
        await self.process.stdin.drain()

    @property
    def notices(self) -> list[str]:
        said = [json.loads(line) for line in self.lines if line.startswith('{"notice"')]
        return [n["notice"] for n in said]


async def start(config: dict[str, Any]) -> Instance:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(CHILD), json.dumps(config),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    return Instance(process, config["operator"])


async def stop(instances: list[Instance], *, grace_s: float = 30.0) -> None:
    """Let each instance end by itself (it flushes the team's journal as it closes), then
    kill what is left."""
    for instance in instances:
        if instance.process.returncode is None:
            try:
                await asyncio.wait_for(instance.process.wait(), grace_s)
            except TimeoutError:
                instance.process.kill()
        await instance.process.wait()


def settling_sim(seed: int, posts: int, *, slow_route: str = "", latency_ms: float = 0.0) -> Any:
    """A simulator whose retried destinations fail again at once (success odds 0: each
    stays countable and settles quickly), without a rate limit; ``slow_route`` ("METHOD
    /path" prefix) answers after ``latency_ms``."""
    from postretry_gui.sim import SimConfig

    return SimConfig(
        seed=seed, posts=posts, rate_limit=None, queued_s=0.01, publishing_s=0.01,
        success_odds=0.0, latency_ms=latency_ms,
        fault_routes=(slow_route,) if slow_route else (),
    )  # fmt: skip
