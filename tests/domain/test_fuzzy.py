"""The command palette's matcher: letters in order, word starts and runs rank first."""

from __future__ import annotations

from itertools import combinations

from hypothesis import given
from hypothesis import strategies as st

from postretry_gui.domain import fuzzy
from postretry_gui.domain.fuzzy import fuzzy_score, rank

ACTIONS = [
    "Retry ticked",
    "Refresh",
    "Retry history",
    "Reconnect in the web app",
    "Open on the network",
    "Tick / untick",
    "Tick all retryable",
    "Clear ticks",
    "Filter",
    "Keyboard shortcuts",
    "Quit",
]


def test_letters_out_of_order_or_missing_do_not_match() -> None:
    assert fuzzy_score("yrt", "Retry") is None
    assert fuzzy_score("rz", "Retry ticked") is None


def test_an_empty_query_matches_everything_equally() -> None:
    assert fuzzy_score("", "Retry") == 0
    assert rank("", ACTIONS, str) == ACTIONS


def test_rtr_finds_retry_ticked_first() -> None:
    assert rank("rtr", ACTIONS, str)[0] == "Retry ticked"


def test_initials_find_their_words() -> None:
    assert rank("tar", ACTIONS, str)[0] == "Tick all retryable"
    assert rank("ks", ACTIONS, str)[0] == "Keyboard shortcuts"
    assert rank("rh", ACTIONS, str)[0] == "Retry history"


def test_a_prefix_beats_the_same_letters_scattered() -> None:
    scattered = fuzzy_score("ref", "Reconnect in the web app, refused")
    prefix = fuzzy_score("ref", "Refresh")
    assert prefix is not None
    assert scattered is not None
    assert prefix > scattered
    assert rank("ref", ACTIONS, str)[0] == "Refresh"


def test_the_best_placement_counts_not_the_first() -> None:
    # A greedy match would take the "r" of "Retry" and then find no "t" + "r" in order
    # ahead of a word start; the best placement uses "Re-tr-y".
    assert fuzzy_score("rtr", "Retry ticked") is not None


def test_case_and_spaces_in_the_query_are_ignored() -> None:
    assert fuzzy_score("RETRY T", "Retry ticked") == fuzzy_score("retryt", "Retry ticked")


def test_camel_case_humps_are_word_starts() -> None:
    camel = fuzzy_score("pe", "PostEverywhere")
    plain = fuzzy_score("pe", "Postmaster")
    assert camel is not None
    assert plain is not None
    assert camel > plain


def test_ties_keep_the_given_order() -> None:
    assert rank("x", ["X one", "X two"], str) == ["X one", "X two"]


def _every_placement_score(query: str, name: str) -> int | None:
    """The scorer's definition, by brute force over every placement of the letters."""
    needle, haystack = query.lower(), name.lower()
    starts = fuzzy._word_starts(name)
    best = None
    for positions in combinations(range(len(haystack)), len(needle)):
        if any(haystack[p] != letter for p, letter in zip(positions, needle, strict=True)):
            continue
        score = 0
        for i, p in enumerate(positions):
            score += fuzzy._MATCH + (fuzzy._WORD_START if p in starts else 0)
            score += fuzzy._FIRST_LETTER if p == 0 else 0
            if i:
                gap = p - positions[i - 1] - 1
                score += fuzzy._CONTIGUOUS if gap == 0 else -fuzzy._gap_cost(gap)
        best = score if best is None else max(best, score)
    return best


@given(
    query=st.text(alphabet="abR", min_size=1, max_size=4),
    name=st.text(alphabet="abR -", max_size=12),
)
def test_the_fast_scorer_finds_the_best_placement(query: str, name: str) -> None:
    assert fuzzy_score(query, name) == _every_placement_score(query, name)
