"""Child process for the kill -9 test: writes retry intents in a bounded loop and reports each
write on stdout only after the journal call returned.

Usage: python journal_child.py JOURNAL_PATH
"""

from __future__ import annotations

import sys
from pathlib import Path

from postretry_gui.store import RetryJournal

MAX_INTENTS = 5000


def main() -> None:
    journal = RetryJournal(Path(sys.argv[1]), operator="child")
    for n in range(MAX_INTENTS):
        intent = journal.intend("ws1", f"post-{n}", [f"acct-{n}", "2285"])
        print("intended", intent.intent_id, flush=True)
        journal.mark_sent(intent.intent_id)
        print("sent", intent.intent_id, flush=True)
    journal.close()


if __name__ == "__main__":
    main()
