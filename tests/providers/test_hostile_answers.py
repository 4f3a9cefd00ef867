"""Property, for every provider: whatever status, headers and body its side sends, reading
them ends in a domain object or a typed ``ProviderError``, never another exception.

One test over the providers (by their registry kind); each provider's words, bodies and
readers are its ``HostileCase`` (``hostile_<kind>.py``). A new provider gets the property by
adding its case to ``CASES``."""

from __future__ import annotations

import math
import random
from pathlib import Path

import hostile_ayrshare
import hostile_zernio
import pytest
from hostile_bodies import HostileCase, hostile_headers
from hypothesis import given, settings
from hypothesis import strategies as st

from postretry_gui.domain import Post, Status
from postretry_gui.domain.errors import ProviderError
from postretry_gui.providers.registry import PROVIDERS

NOW = 1_800_000_000.0
CASES = {"ayrshare": hostile_ayrshare.CASE, "zernio": hostile_zernio.CASE}
# PostEverywhere's readers answer differently (the envelope's errors are results, not a
# raise), so its property keeps its own module.
OWN_MODULE = {"posteverywhere": "test_posteverywhere_hostile.py"}


def test_every_registered_provider_has_the_hostile_answers_property() -> None:
    kinds = {entry.spec.kind for entry in PROVIDERS}
    assert kinds == set(CASES) | set(OWN_MODULE)
    here = Path(__file__).resolve().parent
    assert all((here / module).is_file() for module in OWN_MODULE.values())


def _check_post(post: Post, case: HostileCase) -> None:
    assert post.post_id
    account_ids = [d.account_id for d in post.destinations]
    assert len(account_ids) == len(set(account_ids)), f"one destination per {case.destination_kind}"
    for destination in post.destinations:
        assert destination.account_id
        assert isinstance(destination.status, Status)
        if destination.status is Status.FAILED:
            assert destination.error
        else:
            assert destination.error_code is None


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
@settings(max_examples=10_000, deadline=None, database=None)  # database: none in the tree
@given(data=st.data(), seed=st.integers(min_value=0, max_value=2**32))
def test_hostile_answers_end_in_domain_objects_or_typed_errors(
    case: HostileCase, data: st.DataObject, seed: int
) -> None:
    statuses = st.sampled_from(case.statuses) | st.integers(min_value=100, max_value=599)
    status = data.draw(statuses, label="status")
    kind = data.draw(st.integers(min_value=0, max_value=len(case.bodies) - 1), label="kind")
    rng = random.Random(seed)
    headers = hostile_headers(rng, case.vocabulary, case.rate_limit_styles)
    body = case.bodies[kind](rng)
    try:
        results = case.read_everything(status, headers, body)
    except ProviderError as exc:
        failure: ProviderError | None = exc
    else:
        failure = None
    if failure is not None:
        assert failure.message
        assert isinstance(str(failure), str)
        assert failure.http_status in (None, status)
        return
    assert 200 <= status <= 299  # a non-2xx answer always raises
    for result in results:
        if isinstance(result, Post):
            _check_post(result, case)
        elif isinstance(result, tuple):
            for post in case.posts_of_page(result):
                assert isinstance(post, Post)
                _check_post(post, case)
    wait = case.read_rate_limit(headers, NOW).wait_s(NOW)
    assert math.isfinite(wait)
    assert 0 <= wait <= 3600
