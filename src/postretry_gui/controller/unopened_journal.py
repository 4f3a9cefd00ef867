"""What Ctrl+H shows of a local retry journal that could not be opened.

The workspace then sends no retry (``journal_guard``), but its history is still the
operator's best answer to "was this already retried?". A journal from a newer version is read
where it lies, read-only (``JournalSnapshot``): nothing in it is written, migrated or locked.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from postretry_gui.store import StoreUnavailable
from postretry_gui.store.journal_snapshot import JournalSnapshot


def _in_a_sentence(text: str) -> str:
    """The store's sentence, to follow a colon."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text  # not an acronym


@dataclass(frozen=True, slots=True)
class ReadOnlyHistory:
    """``source`` is None when the file cannot be read without changing it; ``note`` says
    what is true either way (to show above the history, or instead of it)."""

    source: JournalSnapshot | None
    note: str


@dataclass(frozen=True, slots=True)
class UnopenedJournal:
    """A workspace's local retry journal, at ``path``, that ``error`` kept from opening."""

    path: Path
    error: StoreUnavailable

    @property
    def reason(self) -> str:
        """Why it could not be opened (the store's words, naming the file)."""
        return f"The retry journal could not be opened: {_in_a_sentence(str(self.error))}"

    def read_only_history(self) -> ReadOnlyHistory:
        """Open the file read-only for the history dialog (its caller closes the source)."""
        try:
            snapshot = JournalSnapshot(self.path)
        except StoreUnavailable as why:
            return ReadOnlyHistory(
                source=None,
                note=f"{self.reason} Its history cannot be shown: {_in_a_sentence(str(why))}",
            )
        return ReadOnlyHistory(
            source=snapshot,
            note=f"{self.reason} Its history is shown read-only, as the file was left: this "
            "version changes nothing in it and sends no retry until it opens.",
        )
