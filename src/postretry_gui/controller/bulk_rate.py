"""How many requests a bulk job keeps in flight: a slow start (one request until an answer
tells the budget), half as many after each 429, one more after each answer; and when a run of
429s with no other answer between them calls for a pause (never a storm)."""

from __future__ import annotations


class InFlightTarget:
    def __init__(self, concurrency: int, pause_after_429s: int) -> None:
        self._concurrency = concurrency
        self._pause_after_429s = pause_after_429s
        self._target = concurrency
        self._answered = False
        self._consecutive_429 = 0

    @property
    def now(self) -> int:
        """Requests that may be in flight now (one until the first answer is in)."""
        return self._target if self._answered else 1

    def request_done(self) -> None:
        """A request of the job came back, whatever it said: the slow start is over."""
        self._answered = True

    def answered(self) -> None:
        """An answer other than a 429: the run of 429s ends, one more may be in flight."""
        self._consecutive_429 = 0
        self._target = min(self._concurrency, self._target + 1)

    def rate_limited(self) -> bool:
        """Count a 429 and halve the target; True once the run of 429s calls for a pause."""
        self._consecutive_429 += 1
        self._target = max(1, self._target // 2)
        return self._consecutive_429 >= self._pause_after_429s

    def restart(self) -> None:
        """After a pause: one request first, and the run of 429s starts again."""
        self._consecutive_429 = 0
        self._target = 1
