"""Property: the typed list reader reads a page exactly as the contract documents it, and
reads it as the tolerant reader does (a page it declines is the hostile test's business)."""

from __future__ import annotations

import random

from hostile_bodies import dump
from hostile_zernio import CATEGORIES, PLATFORMS, TARGET_WORDS
from hypothesis import given, settings
from hypothesis import strategies as st

from postretry_gui.domain import RateLimitState
from postretry_gui.providers.http import HttpResponse
from postretry_gui.providers.zernio.errors import read_body
from postretry_gui.providers.zernio.parsing import parse_posts
from postretry_gui.providers.zernio.typed import typed_posts


def _documented_page(rng: random.Random) -> object:
    """A page exactly as the contract documents it, with varied values."""

    def target(index: int) -> dict[str, object]:
        account: object = f"acc{index}"
        if rng.random() < 0.7:
            account = {"_id": f"acc{index}", "platform": rng.choice(PLATFORMS),
                       "displayName": rng.choice(["Acme", " Acme ", "🙂"]),
                       "isActive": rng.choice([True, False]),
                       "needsReconnection": rng.choice([True, False])}  # fmt: skip
        out: dict[str, object] = {
            "platform": rng.choice(PLATFORMS),
            "accountId": account,
            "status": rng.choice(TARGET_WORDS[:-1]),
            "publishAttempts": rng.randint(0, 5),
        }
        if rng.random() < 0.6:
            out["errorMessage"] = rng.choice(["Token expired.", "Too long", "", "tab\there"])
            out["errorCategory"] = rng.choice([c for c in CATEGORIES if c is not None])
        if rng.random() < 0.3:
            out["platformError"] = {"message": "Meta error"}
        if rng.random() < 0.3:
            out["platformPostId"] = str(rng.getrandbits(60))
            out["publishedAt"] = rng.choice(["2026-12-04T10:15:07Z", "2026-12-04T10:15:07"])
        return out

    posts = [
        {
            "_id": f"p{n}",
            "status": rng.choice(["failed", "partial", "published", "scheduled", "cancelled"]),
            rng.choice(["content", "title"]): "Hello",
            "platforms": [target(i) for i in range(rng.randint(0, 4))],
            "createdAt": "2026-12-01T14:12:00Z",
        }
        for n in range(rng.randint(0, 4))
    ]
    return {"posts": posts, "pagination": {"page": 1, "pages": rng.randint(1, 3)}}


@settings(max_examples=2_000, deadline=None, database=None)
@given(seed=st.integers(min_value=0, max_value=2**32))
def test_a_documented_page_is_read_by_the_typed_path_as_the_tolerant_reader_reads_it(
    seed: int,
) -> None:
    body = dump(_documented_page(random.Random(seed)))
    typed = typed_posts(body)
    assert typed is not None
    assert typed == parse_posts(read_body(HttpResponse(200, {}, body, RateLimitState())))
