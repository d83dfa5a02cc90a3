"""A child process for the journal crash drill: appends records, then tears the last one.

    python -m tests.integration.drills.journal_writer PATH

Appends 50 records through the real Journal, prints `appended 50`, then makes the next
os.write put only part of its line on disk (as a crash between two partial writes would),
prints `torn` and hangs until the parent SIGKILLs it.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from apex_tui.domain.clock import FixedClock
from apex_tui.orders.journal import Journal, JournalKind

RECORDS = 50


def main(path: str) -> None:
    clock = FixedClock(datetime(2026, 11, 20, 15, 0, tzinfo=UTC))
    journal = Journal(Path(path), clock)
    for n in range(RECORDS):
        journal.append(JournalKind.FLAG_TOGGLE, {"n": n, "flag": "sink_ticks"})
    print(f"appended {RECORDS}", flush=True)

    real_write = os.write

    def partial_write(fd: int, data: bytes | memoryview) -> int:
        real_write(fd, bytes(data)[: len(data) // 2])
        print("torn", flush=True)
        time.sleep(3600)
        return 0

    setattr(os, "write", partial_write)  # noqa: B010 - the journal's os.write, in this child only
    journal.append(JournalKind.ORDER_SUBMIT, {"n": RECORDS, "order_ref": "prop-torn"})


if __name__ == "__main__":
    main(sys.argv[1])
