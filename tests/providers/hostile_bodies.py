"""Hostile answers for the property tests of every provider, built from one seed.

Hypothesis draws only a seed (and a status and a kind) per example; everything else comes
from a seeded ``random.Random``. Many small strategy draws per example made 10,000 examples
take a minute; one seed keeps them to seconds, and a failing seed replays exactly.

A ``Vocabulary`` holds one API's field names and telling texts, so random trees reach deep
into its parsers. ``shaped`` builds an API's real shapes and ``mutate`` then breaks some of
their fields, so parsers see both nonsense and almost-right answers.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from postretry_gui.domain import RateLimitState

HOSTILE_TEXT = [
    "", "NaN", "nan", "Infinity", "-1", "1e400", "9" * 5000, "\x00", "\u202e", "null",
    "2026-04-15T16:00:00.000Z", "9999-99-99T99:99", "<html>", "🙂" * 50, " 2285 ", "\ud800",
]  # fmt: skip
HOSTILE_NUMBERS: list[object] = [
    0, -1, 1, 2285, 2**63, -(2**63) - 1, 10**400, 1e308, -0.0, 0.5, 1e12, 1e18,
    math.nan, math.inf, -math.inf, True, False,
]  # fmt: skip
HEADER_SAMPLES = ["Wed, 21 Oct 2015 07:28:00 GMT", "2026-04-15T16:00:00Z", "1e999", " 7 ", "0"]
BROKEN_BODIES = [
    b"<!DOCTYPE html><html><body>502 Bad Gateway</body></html>",
    b"[" * 100_000,  # nesting deeper than the decoder's recursion limit
    b"\xef\xbb\xbf{}",  # a byte-order mark before the JSON
    b"",
    b"null",
]


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """One API's words: field names for random objects, texts its parsers react to."""

    keys: Sequence[str]
    texts: Sequence[str]
    header_names: Sequence[str]

    def all_texts(self) -> list[str]:
        return [*HOSTILE_TEXT, *self.texts]


def scalar(rng: random.Random, vocab: Vocabulary) -> object:
    pick = rng.random()
    if pick < 0.15:
        return None
    if pick < 0.45:
        return rng.choice(HOSTILE_TEXT) if rng.random() < 0.5 else rng.choice(vocab.texts)
    if pick < 0.65:
        return rng.choice(HOSTILE_NUMBERS)
    if pick < 0.8:
        return rng.randint(-(2**70), 2**70)
    return "".join(chr(rng.randint(0, 0x2FFF)) for _ in range(rng.randint(0, 12)))


def tree(rng: random.Random, vocab: Vocabulary, depth: int = 0) -> object:
    """A JSON-ish tree of random types, biased towards the vocabulary's field names."""
    pick = rng.random()
    if depth >= 5 or pick < 0.35:
        return scalar(rng, vocab)
    if pick < 0.55:
        return [tree(rng, vocab, depth + 1) for _ in range(rng.randint(0, 4))]
    return random_object(rng, vocab, depth + 1)


def random_object(
    rng: random.Random, vocab: Vocabulary, depth: int = 0, most: int = 7
) -> dict[str, object]:
    keys = rng.sample(list(vocab.keys), rng.randint(0, min(most, len(vocab.keys))))
    if rng.random() < 0.3:
        keys.append(str(scalar(rng, vocab)))
    return {key: tree(rng, vocab, depth) for key in keys}


def mutate(rng: random.Random, value: object, vocab: Vocabulary, odds: float = 0.15) -> object:
    """``value`` with some fields broken: replaced by a hostile scalar or tree, or dropped."""
    if isinstance(value, dict):
        out: dict[str, object] = {}
        for key, item in value.items():
            roll = rng.random()
            if roll < odds / 3:
                continue  # a field left out
            if roll < odds:
                out[key] = scalar(rng, vocab) if rng.random() < 0.7 else tree(rng, vocab, 3)
            else:
                out[key] = mutate(rng, item, vocab, odds)
        return out
    if isinstance(value, list):
        return [
            scalar(rng, vocab) if rng.random() < odds else mutate(rng, item, vocab, odds)
            for item in value
        ]
    return value


def dump(value: object) -> bytes:
    """JSON as a lax server writes it: NaN and Infinity included."""
    return json.dumps(value, allow_nan=True).encode()


def truncated(rng: random.Random, raw: bytes) -> bytes:
    return raw[: rng.randint(0, len(raw))]


def random_bytes(rng: random.Random) -> bytes:
    return rng.randbytes(rng.randint(0, 200))


def header_value(rng: random.Random, vocab: Vocabulary) -> str:
    pick = rng.random()
    if pick < 0.3:
        return str(rng.choice([*vocab.all_texts(), *HEADER_SAMPLES]))
    if pick < 0.7:
        return str(rng.choice([*HOSTILE_NUMBERS, rng.randint(-(10**20), 10**20)]))
    return str(rng.uniform(-1e13, 1e13))


def hostile_headers(
    rng: random.Random, vocab: Vocabulary, styles: Sequence[Sequence[str]] = ()
) -> dict[str, str]:
    """Headers named from the vocabulary with hostile values. Half the time one of
    ``styles`` (a set of names a server sends together) is sent whole, with plausible
    numbers now and then, so each rate-limit style is read as a set, not only piecemeal."""
    if styles and rng.random() < 0.5:
        names = list(rng.choice(styles))
    else:
        names = rng.sample(list(vocab.header_names), rng.randint(0, len(vocab.header_names)))
    out: dict[str, str] = {}
    for name in names:
        if rng.random() < 0.3:
            out[name] = str(rng.randint(0, 400_000))
        else:
            out[name] = header_value(rng, vocab)
    return out


BodyMaker = Callable[[random.Random], bytes]


@dataclass(frozen=True, slots=True)
class HostileCase:
    """One provider in the shared property test (``test_hostile_answers.py``): its words, its
    bodies, and everything its client does with one answer. Where providers differ, the
    difference is a field here, so every check runs on each of them."""

    vocabulary: Vocabulary
    # Sets of rate-limit header names the provider's server sends together.
    rate_limit_styles: Sequence[Sequence[str]]
    bodies: Sequence[BodyMaker]
    # The statuses its API documents; any other status is drawn too.
    statuses: Sequence[int]
    # Every reader and parser of the client on one answer, as one pure call: the results
    # (a parser's ``ProviderError`` among them), or the ``ProviderError`` of the answer.
    read_everything: Callable[[int, dict[str, str], bytes], list[object]]
    read_rate_limit: Callable[[Mapping[str, str], float], RateLimitState]
    # The posts of a list page as its parser returns it (a tuple).
    posts_of_page: Callable[[tuple[Any, ...]], Sequence[object]]
    # What one destination stands for, for the message of a duplicate.
    destination_kind: str
