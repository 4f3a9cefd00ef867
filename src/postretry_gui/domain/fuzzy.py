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
# Post texts can be long; what a person types to find one is near its start (the table
# shows the first 80 characters too).
_MAX_NAME = 80


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

    # best: where the letters so far can end, with the best score ending there, in order of
    # position. A gap's cost stops growing at _MAX_GAP_PENALTY, so the ends further back than
    # that are covered by one running maximum: linear in the letters' occurrences.
    where: dict[str, list[int]] = {}
    for j, char in enumerate(haystack):
        where.setdefault(char, []).append(j)
    best = [(j, bonus(j)) for j in where.get(needle[0], ())]
    for letter in needle[1:]:
        ends = dict(best)
        following: list[tuple[int, int]] = []
        far_best: int | None = None
        next_far = 0
        for j in where.get(letter, ()):
            while next_far < len(best) and best[next_far][0] <= j - 1 - _MAX_GAP_PENALTY:
                far_score = best[next_far][1]
                far_best = far_score if far_best is None else max(far_best, far_score)
                next_far += 1
            candidates = [] if far_best is None else [far_best - _gap_cost(_MAX_GAP_PENALTY)]
            for gap in range(_MAX_GAP_PENALTY):
                score = ends.get(j - 1 - gap)
                if score is not None:
                    candidates.append(score + (_CONTIGUOUS if gap == 0 else -_gap_cost(gap)))
            if candidates:
                following.append((j, max(candidates) + bonus(j)))
        if not following:
            return None
        best = following
    return max(score for _, score in best) if best else None


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
