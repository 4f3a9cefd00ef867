"""``postretry-sim``: run the simulator standalone on 127.0.0.1 until Ctrl+C.

postretry-sim --port 8765 --posts 500 --seed 1
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence

import uvicorn

from postretry_gui.sim.app import build_app
from postretry_gui.sim.config import (
    AYR_PREFIX,
    DEMO_AYR_KEY,
    DEMO_PE_KEY,
    DEMO_ZER_KEY,
    MALFORMED_KINDS,
    PE_PREFIX,
    ZER_PREFIX,
    SimConfig,
    SimConfigError,
)
from postretry_gui.sim.server import SimServerError, bind_loopback, uvicorn_config
from postretry_gui.sim.startup import build_context

# (flag, knob, type, help); defaults come from SimConfig so there is one source of truth.
_KNOBS: tuple[tuple[str, str, type, str], ...] = (
    ("--seed", "seed", int, "seed for data and faults"),
    ("--posts", "posts", int, "PostEverywhere posts to generate"),
    ("--accounts", "accounts", int, "PostEverywhere accounts (spread over 8 platforms)"),
    ("--min-destinations", "min_destinations", int, "fewest destinations per post"),
    ("--max-destinations", "max_destinations", int, "most destinations per post"),
    ("--ayrshare-posts", "ayrshare_posts", int, "Ayrshare posts to generate"),
    ("--zernio-posts", "zernio_posts", int, "Zernio posts to generate"),
    ("--zernio-rate-limit", "zernio_rate_limit", int, "Zernio requests a minute (plan)"),
    ("--queued-s", "queued_s", float, "seconds a retried destination stays queued"),
    ("--publishing-s", "publishing_s", float, "seconds it then stays publishing"),
    ("--success-odds", "success_odds", float, "odds that a retry publishes (0-1)"),
    (
        "--content-failure-odds",
        "content_failure_odds",
        float,
        "share of PostEverywhere failures that are the post's own fault (0-1)",
    ),
    ("--rate-limit", "rate_limit", int, "PostEverywhere requests a minute (0 = no limits)"),
    ("--rate-window-s", "rate_window_s", float, "PostEverywhere's 'minute' in seconds"),
    ("--rate-limit-hour", "rate_limit_hour", int, "PostEverywhere requests an hour (0 = off)"),
    ("--rate-limit-day", "rate_limit_day", int, "PostEverywhere requests a day (0 = off)"),
    ("--ayrshare-rate-limit", "ayrshare_rate_limit", int, "Ayrshare requests per window"),
    ("--ayrshare-rate-window-s", "ayrshare_rate_window_s", float, "Ayrshare window length"),
    ("--rate-time-scale", "rate_time_scale", float, "every window's length times this"),
    ("--history-cache-s", "history_cache_s", float, "age of Ayrshare's big-page history cache"),
    ("--latency-ms", "latency_ms", float, "latency added to every API answer"),
    ("--error-5xx-odds", "error_5xx_odds", float, "odds of a 500/502/503 (0-1)"),
    ("--burst-429", "burst_429", int, "the next N API requests get 429"),
    ("--drop-after-apply-odds", "drop_after_apply_odds", float, "odds of dropping a retry"),
    (
        "--error-5xx-after-apply-odds",
        "error_5xx_after_apply_odds",
        float,
        "odds of a 5xx to a retry already applied",
    ),
    ("--malformed-odds", "malformed_odds", float, "odds of a malformed answer (0-1)"),
)


def build_parser() -> argparse.ArgumentParser:
    defaults = SimConfig()
    parser = argparse.ArgumentParser(
        prog="postretry-sim",
        description="Simulated PostEverywhere, Ayrshare and Zernio APIs on 127.0.0.1.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--port", type=int, default=8765, help="port (0 picks a free one)")
    for flag, knob, kind, text in _KNOBS:
        parser.add_argument(flag, dest=knob, type=kind, default=getattr(defaults, knob), help=text)
    parser.add_argument(
        "--malformed-kinds",
        default=",".join(MALFORMED_KINDS),
        help="comma list of malformed answer kinds",
    )
    parser.add_argument(
        "--fault-routes", default="", help="comma list of path prefixes faults apply to"
    )
    parser.add_argument("--history-shape", choices=("object", "list"), default="object")
    parser.add_argument("--ayrshare-header-style", choices=("new", "old"), default="new")
    parser.add_argument("--zernio-retry-mode", choices=("sync", "async"), default="sync")
    parser.add_argument(
        "--retry-error",
        default=None,
        metavar="JSON",
        help="answer retries with this error, e.g. '{\"status\": 402}' (see postretry_gui.sim)",
    )
    parser.add_argument(
        "--ignore-retry-failed-account-id",
        action="store_true",
        help="fault: retry-failed ignores account_id and re-queues all of the named posts",
    )
    parser.add_argument("--access-log", action="store_true", help="log every request")
    return parser


def config_from_args(args: argparse.Namespace) -> SimConfig:
    knobs = {knob: getattr(args, knob) for _, knob, _, _ in _KNOBS}
    knobs["malformed_kinds"] = tuple(k for k in args.malformed_kinds.split(",") if k)
    knobs["fault_routes"] = tuple(r for r in args.fault_routes.split(",") if r)
    knobs["history_shape"] = args.history_shape
    knobs["ayrshare_header_style"] = args.ayrshare_header_style
    knobs["zernio_retry_mode"] = args.zernio_retry_mode
    knobs["ignore_retry_failed_account_id"] = args.ignore_retry_failed_account_id
    if args.retry_error:
        try:
            knobs["retry_error"] = json.loads(args.retry_error)
        except ValueError:
            raise SimConfigError("--retry-error must be a JSON object") from None
    return SimConfig().replace(**knobs)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        config = config_from_args(args)
        sock = bind_loopback(args.port)
    except (SimConfigError, SimServerError) as exc:
        parser.error(str(exc))
    if args.access_log:
        logging.basicConfig(level=logging.INFO, format="%(message)s")
    ctx = build_context(config, owns_process=True)
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    print(f"postretry-sim listening on {base}", flush=True)
    print(f"  PostEverywhere: {base}{PE_PREFIX}  (key {DEMO_PE_KEY})", flush=True)
    print(f"  Ayrshare:       {base}{AYR_PREFIX}  (key {DEMO_AYR_KEY})", flush=True)
    print(f"  Zernio:         {base}{ZER_PREFIX}  (key {DEMO_ZER_KEY})", flush=True)
    print(f"  Stats:          {base}/_sim/stats   (Ctrl+C stops)", flush=True)
    server = uvicorn.Server(uvicorn_config(build_app(ctx), access_log=args.access_log))
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # a second Ctrl+C during shutdown
        pass
    finally:
        sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
