"""Record every health check's status change in the order journal (kind "health").

The HealthBoard starts reporting before the trading desk (which owns the journal) exists, so
changes seen earlier are held and written, in order, once the journal is there.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from apex_tui.health.model import CheckResult, Status
from apex_tui.orders.journal import JournalWriter

HEALTH_KIND = "health"
_HELD_MAX = 200  # a journal that never comes must not grow memory without bound


def transition_record(result: CheckResult, previous: Status | None) -> dict[str, object]:
    return {
        "check": result.name,
        "status": result.status.label,
        "previous": None if previous is None else previous.label,
        "value": result.value,
        "message": result.message,
        "at": result.time,
    }


class HealthJournal:
    """A HealthBoard transition listener: `board.on_transition(HealthJournal(get_journal))`."""

    def __init__(self, journal: Callable[[], JournalWriter | None]) -> None:
        self._journal = journal
        self._held: list[Mapping[str, object]] = []

    def __call__(self, result: CheckResult, previous: Status | None) -> None:
        self._held.append(transition_record(result, previous))
        del self._held[:-_HELD_MAX]
        self.flush()

    def flush(self) -> int:
        """Write what is held, if the journal exists now; returns how many were written."""
        writer = self._journal()
        if writer is None or not self._held:
            return 0
        held, self._held = self._held, []
        for record in held:
            writer.append(HEALTH_KIND, record)
        return len(held)
