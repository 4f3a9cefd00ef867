"""The offline cache's codec: msgspec against the hand-written dict codec, same posts, same run.

Run: ``.venv-3.11/bin/python benchmarks/cache_codec.py``

The cache writer runs on its own thread but holds the GIL while it encodes, so every
millisecond it spends is taken from the window while a large list loads. Figures are CPU time
(``thread_time``, the least of three runs), so other processes on the machine do not count.
Last line: ``cache_codec: encode_ms=<x> dict_encode_ms=<y> decode_ms=<z> hand_decode_ms=<w>``
for 2,000 posts x 5 destinations.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

from postretry_gui.domain import Destination, Post, PostStatus, Status
from postretry_gui.store.post_codec import (
    post_from_dict,
    post_to_dict,
    posts_from_json_array,
    posts_to_json_bytes,
)

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
KATHMANDU = timezone(timedelta(hours=5, minutes=45))
POSTS = 2_000


def many_posts(count: int) -> list[Post]:
    return [
        Post(
            f"post-{n}",
            tuple(
                Destination(
                    str(2000 + k),
                    "linkedin",
                    Status.FAILED if k % 2 else Status.PUBLISHED,
                    "ACME — Ltd",
                    error="Token expired." if k % 2 else None,
                    attempts=k,
                    published_at=None if k % 2 else T0 + timedelta(seconds=n),
                )
                for k in range(5)
            ),
            PostStatus.PARTIALLY_FAILED,
            f"Launch day #{n} ✓",
            created_at=T0,
            updated_at=(T0 + timedelta(seconds=n)).astimezone(KATHMANDU if n % 2 else UTC),
        )
        for n in range(count)
    ]


def dict_encoded(post: Post) -> str:
    """The hand-written encoder, the baseline msgspec is measured against."""
    return json.dumps(post_to_dict(post), ensure_ascii=False, separators=(",", ":"))


def cpu_seconds(work: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.thread_time()
        work()
        best = min(best, time.thread_time() - started)
    return best


def main() -> int:
    posts = many_posts(POSTS)
    encode = cpu_seconds(lambda: posts_to_json_bytes(posts))
    by_dicts = cpu_seconds(lambda: [dict_encoded(post).encode() for post in posts])
    text = "[" + ",".join(dict_encoded(post) for post in posts) + "]"
    data = text.encode()
    decode = cpu_seconds(lambda: posts_from_json_array(data, versions_checked=True))
    by_hand = cpu_seconds(lambda: [post_from_dict(raw) for raw in json.loads(text)])
    print(f"encode: {by_dicts / encode:.1f}x cheaper than the dict encoder")
    print(f"decode: {by_hand / decode:.1f}x cheaper than the hand-written reader")
    print(
        f"cache_codec: encode_ms={encode * 1e3:.1f} dict_encode_ms={by_dicts * 1e3:.1f} "
        f"decode_ms={decode * 1e3:.1f} hand_decode_ms={by_hand * 1e3:.1f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
