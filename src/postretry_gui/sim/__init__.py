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

Knobs are the fields of ``SimConfig`` (``sim/config.py``). ``retry_error`` answers retries
with a chosen error instead of applying them, settable at start
(``SimConfig(retry_error={...})``, ``postretry-sim --retry-error JSON``) or at run time
(``sim.configure(retry_error={...})``, ``POST /_sim/config``; ``None`` turns it off)::

    {"status": 400, "code": 272, "platform": "twitter", "message": "...",  # all but status
     "post_ids": ["<post id>", ...],   # only retries naming one of these posts (default: all)
     "api": "ayrshare"}                # or "posteverywhere"; default: both

Ayrshare answers ``{"action": "post", "status": "error", "code", "message", "platform"?}``
(code defaults to the status); PostEverywhere answers the envelope with
``error: {"message", "code", "details"?: {"platform"}}`` (code defaults to the status's word,
e.g. 402 ``payment_required``, 403 ``forbidden``). It is checked first in the retry handler,
after auth, rate limit and the random faults: nothing changes, ``retries_applied`` stays as
it was, an Idempotency-Key is not stored, and ``faults.retry_error`` counts it. A
PostEverywhere bulk retry is covered when it names a listed post in ``post_ids`` (or when the
knob lists none).

The ``error_5xx_odds`` fault answers 500/502/503, and 504 too on Ayrshare. Ayrshare's
``/history`` leaves ``deleted`` posts out unless a ``status`` filter asks for them.

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
                 "drop_after_apply": 0, "retry_error": 0},   # how often each fault fired
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
