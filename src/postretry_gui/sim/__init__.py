"""The embedded simulator of PostEverywhere and Ayrshare (shared/API-CONTRACTS.md).

A real HTTP server on 127.0.0.1 that fakes both services for the demo and the tests. It
shares no code with the client it tests (an import-linter contract says so), so a parsing
bug in the client is not mirrored here.

    from postretry_gui.sim import SimConfig, SimServer, DEMO_PE_KEY, DEMO_AYR_KEY
    with SimServer(SimConfig(seed=1, posts=120), port=0) as sim:
        sim.posteverywhere_url   # http://127.0.0.1:PORT/posteverywhere/api/v1
        sim.ayrshare_url         # http://127.0.0.1:PORT/ayrshare/api
        sim.configure(error_5xx_odds=0.2); sim.stats(); sim.reset_stats()

Keys: PostEverywhere accepts ``Bearer pe_test_*``, Ayrshare ``Bearer ayr_test_*``.

Control routes (no auth, no rate limit, never faulted, not counted in the stats):
``GET /_sim/stats``, ``GET /_sim/config``, ``POST /_sim/config`` (JSON object of knobs; data
knobs such as seed/posts are refused at run time), ``POST /_sim/reset-stats``.

Stats format (``GET /_sim/stats`` and ``SimServer.stats()``)::

    {
      "requests": {"GET /posteverywhere/api/v1/posts": {"200": 12, "429": 1}, ...},
          # by method + route template ("(unmatched)" when no route), then by final status;
          # "dropped" when the connection was broken on purpose
      "requests_total": 13,
      "rate_limited": 1,             # every 429 sent (limiter and burst_429)
      "dropped_connections": 0,
      "faults": {"latency": 0, "error_5xx": 0, "burst_429": 0, "malformed": 0,
                 "drop_after_apply": 0},   # how often each fault fired
      "retries_applied": {"<post_id>|<account_id>": 1},          # PostEverywhere
      "retries_applied_by_intent": {"<Idempotency-Key>": {"<post_id>|<account_id>": 1}},
      "idempotent_replays": 0,       # retries answered from an Idempotency-Key replay
      "ayrshare": {
        "retries_applied": {"<post id>": 1},
        "retries_applied_by_intent": {"<Idempotency-Key>": {"<post id>": 1}},
        "headers_present": {         # per Ayrshare request: was the header sent? never values
          "profile_key": {"true": 0, "false": 3},
          "x_twitter_oauth1_api_key": {"true": 1, "false": 2},
          "x_twitter_oauth1_api_secret": {"true": 1, "false": 2}
        }
      },
      "burst_429_left": 0
    }

A retry is counted in ``retries_applied`` when it is applied, even if the answer was then
dropped or malformed; a replayed Idempotency-Key is not counted again.
"""

from postretry_gui.sim.config import DEMO_AYR_KEY, DEMO_PE_KEY, SimConfig, SimConfigError
from postretry_gui.sim.server import SimServer, SimServerError

__all__ = [
    "DEMO_AYR_KEY",
    "DEMO_PE_KEY",
    "SimConfig",
    "SimConfigError",
    "SimServer",
    "SimServerError",
]
