"""Fuzzy matching for the command palette: a query matches a name when its letters appear in
the name in order (a subsequence), and a match scores higher when its letters start words
and follow one another, as in editors' "go to anything" boxes.

"rtr" finds "Retry ticked" (R starts a word, "tr" of "Retry" is contiguous) ahead of
"Clear filter" (whose r, t, r are scattered mid-word).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")

# What each matched letter earns. A word start counts most (people type initials), a letter
# right after the previous match next (people type prefixes); a gap costs a little, so of two
# names with the same initials the tighter match ranks first.
_MATCH = 1
_WORD_START = 8
_CONTIGUOUS = 5
_FIRST_LETTER = 3
_GAP_PENALTY = 1
_MAX_GAP_PENALTY = 3
# Post texts can be long; what a person would type to find one is near the start.
_MAX_NAME = 160


def _word_starts(name: str) -> frozenset[int]:
    starts = set()
    for i, char in enumerate(name):
        if not char.isalnum():
            continue
        previous = name[i - 1] if i else " "
        if not previous.isalnum() or (char.isupper() and previous.islower()):
            starts.add(i)
    return frozenset(starts)


def fuzzy_score(query: str, name: str) -> int | None:
    """How well ``query`` matches ``name``; None when its letters are not all there in order.

    Case-insensitive; spaces in the query are ignored. Of all the ways the letters can be
    placed, the best-scoring one counts (a greedy pass would miss "rtr" in "Retry ticked").
    """
    needle = "".join(query.lower().split())
    text = name[:_MAX_NAME]
    if not needle:
        return 0
    haystack = text.lower()
    starts = _word_starts(text)

    def bonus(position: int) -> int:
        value = _MATCH
        if position in starts:
            value += _WORD_START
        if position == 0:
            value += _FIRST_LETTER
        return value

    # best[j]: the best score of the letters so far with the last one at position j.
    best: dict[int, int] = {j: bonus(j) for j, char in enumerate(haystack) if char == needle[0]}
    for letter in needle[1:]:
        following: dict[int, int] = {}
        for j, char in enumerate(haystack):
            if char != letter:
                continue
            candidates = [
                score + (_CONTIGUOUS if k == j - 1 else -_gap_cost(j - k - 1))
                for k, score in best.items()
                if k < j
            ]
            if candidates:
                following[j] = max(candidates) + bonus(j)
        if not following:
            return None
        best = following
    return max(best.values()) if best else None


def _gap_cost(gap: int) -> int:
    return min(gap, _MAX_GAP_PENALTY) * _GAP_PENALTY


def rank(query: str, items: Iterable[T], name_of: Callable[[T], str]) -> list[T]:
    """The items whose names match, best first; ties keep their given order."""
    scored = []
    for order, item in enumerate(items):
        score = fuzzy_score(query, name_of(item))
        if score is not None:
            scored.append((-score, order, item))
    scored.sort(key=lambda entry: (entry[0], entry[1]))
    return [item for _, _, item in scored]
