"""The embedded simulator of PostEverywhere, Ayrshare and Zernio (docs/API-CONTRACTS.md).

A real HTTP server on 127.0.0.1 that fakes both services for the demo and the tests. It
shares no code with the client it tests (an import-linter contract says so), so a parsing
bug in the client is not mirrored here.

    from postretry_gui.sim import SimConfig, SimServer, DEMO_PE_KEY, DEMO_AYR_KEY, DEMO_ZER_KEY
    with SimServer(SimConfig(seed=1, posts=120), port=0) as sim:
        sim.posteverywhere_url   # http://127.0.0.1:PORT/posteverywhere/api/v1
        sim.ayrshare_url         # http://127.0.0.1:PORT/ayrshare/api
        sim.zernio_url           # http://127.0.0.1:PORT/zernio/api (routes under /v1)
        sim.configure(error_5xx_odds=0.2); sim.stats(); sim.reset_stats()

Keys: PostEverywhere accepts ``Bearer pe_test_*``, Ayrshare ``Bearer ayr_test_*``, Zernio
``Bearer sk_test_*``.

Knobs are the fields of ``SimConfig`` (``sim/config.py``). ``retry_error`` answers retries
with a chosen error instead of applying them, settable at start
(``SimConfig(retry_error={...})``, ``postretry-sim --retry-error JSON``) or at run time
(``sim.configure(retry_error={...})``, ``POST /_sim/config``; ``None`` turns it off)::

    {"status": 400, "code": 272, "platform": "twitter", "message": "...",  # all but status
     "post_ids": ["<post id>", ...],   # only retries naming one of these posts (default: all)
     "api": "ayrshare"}                # or "posteverywhere" or "zernio"; default: all

Ayrshare answers ``{"action": "post", "status": "error", "code", "message", "platform"?}``
(code defaults to the status); PostEverywhere answers the envelope with
``error: {"message", "code", "details"?: {"platform"}}`` (code defaults to the status's word,
e.g. 402 ``payment_required``, 403 ``forbidden``). It is checked first in the retry handler,
after auth, rate limit and the random faults: nothing changes, ``retries_applied`` stays as
it was, an Idempotency-Key is not stored, and ``faults.retry_error`` counts it. A
PostEverywhere bulk retry is covered when it names a listed post in ``post_ids`` (or when the
knob lists none).

Rate limits are the real services' windows, each counted per key: PostEverywhere
``rate_limit`` a minute (``rate_window_s``), ``rate_limit_hour`` and ``rate_limit_day``
(60, 1,000, 10,000); Ayrshare ``ayrshare_rate_limit`` per ``ayrshare_rate_window_s`` per
profile (300 per 5 minutes). A request is allowed only when every window has room and counts
in all of them. The headers (PostEverywhere ``X-RateLimit-Limit/-Remaining/-Reset``,
Ayrshare's new or old style) describe the window nearest to exhaustion (least remaining; on a
tie the one that resets first); a PostEverywhere 429's ``Retry-After`` runs until the
exhausted window that reopens last does. ``rate_limit`` 0/None switches PostEverywhere's
limiter off altogether; ``rate_limit_hour``/``rate_limit_day`` 0/None drop just that window.
``rate_time_scale`` multiplies every window's length (and the history cache's age): 0.01
makes a minute 0.6 s, an hour 36 s, a day 864 s at the real allowances.

``POST /posts/retry-failed`` is one rate-limit hit; its filters combine (``post_ids`` plus
``account_id`` retries exactly those pairs). The ``ignore_retry_failed_account_id`` fault
ignores ``account_id`` when ``post_ids`` name posts and re-queues every failed destination of
them (``faults.ignored_account_id`` counts it), for testing that a client notices.
``omit_retry_failed_destinations`` answers it without the ``destinations`` list (the
contract has it from the SDKs only), so the client must judge by its next read.
``error_5xx_after_apply_odds`` applies a retry and then answers 500/502/503 (scoped by
``fault_routes`` like the other faults): the answer says "error", the server did it.

A post's ``updated_at`` moves, by at least a millisecond, with every change of a destination
(queued, publishing, published/failed), and ``meta.timestamp`` is the time the state was last
brought up to (whole milliseconds, rounded down): ``GET /posts?updated_after=<the previous
answer's meta.timestamp>&sort=updated_at`` sees every change since that answer.

Ayrshare's ``/history`` with ``limit`` above 25 is served from a snapshot per profile and
query up to ``history_cache_s`` old (60 s, times ``rate_time_scale``; 0 = always fresh), its
``lastUpdated``/``nextUpdate`` telling when it was made and when it will be renewed.

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
      "requests_by_route": {"GET /posteverywhere/api/v1/posts": 13, ...},  # the same, summed
      "requests_total": 13,
      "rate_limited": 1,             # every 429 sent (limiter and burst_429)
      "rate_limited_by_window": {"minute": 1, "hour": 0, "day": 0, "five_minutes": 0,
                                 "burst_429": 0},  # what each 429 waited for
      "dropped_connections": 0,
      "faults": {"latency": 0, "error_5xx": 0, "burst_429": 0, "malformed": 0,
                 "drop_after_apply": 0, "error_5xx_after_apply": 0, "retry_error": 0,
                 "ignored_account_id": 0},   # how often each fault fired
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

Zernio counts ``zernio_rate_limit`` requests a minute for the whole team (every key), with
``X-RateLimit-Limit/-Remaining/-Reset`` (unix seconds) and ``X-Request-Id`` on every answer
and ``Retry-After`` on its 429; each account publishes at most ``zernio_publish_per_hour``
posts an hour (a retry counts), past which a retry is a 429 without headers. Its retries are
counted per post in ``zernio.retries_applied``; ``zernio_retry_mode`` "sync" publishes in
the request (200, or 207 when not all published), "async" answers at once and settles later.

A retry is counted in ``retries_applied`` when it is applied, even if the answer was then
dropped or malformed; a replayed Idempotency-Key is not counted again.
"""

from postretry_gui.sim.config import (
    DEMO_AYR_KEY,
    DEMO_PE_KEY,
    DEMO_ZER_KEY,
    SimConfig,
    SimConfigError,
)
from postretry_gui.sim.server import SimServer, SimServerError

__all__ = [
    "DEMO_AYR_KEY",
    "DEMO_PE_KEY",
    "DEMO_ZER_KEY",
    "SimConfig",
    "SimConfigError",
    "SimServer",
    "SimServerError",
]
