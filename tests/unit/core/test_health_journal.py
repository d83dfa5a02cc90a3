"""Health status changes land in the order journal, also those seen before it existed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from apex_tui.core.health_journal import HEALTH_KIND, HealthJournal
from apex_tui.domain.clock import FixedClock
from apex_tui.health.board import HealthBoard
from apex_tui.health.model import CheckResult, Status
from apex_tui.orders.journal import Journal, read_journal

T0 = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)


def result(name: str, status: Status, value: str = "v") -> CheckResult:
    return CheckResult(name, status, value, f"{name} is {status.label}", T0)


def test_transitions_are_journaled_in_order(tmp_path: Path) -> None:
    journal: Journal | None = None
    board = HealthBoard()
    listener = HealthJournal(lambda: journal)
    board.on_transition(listener)

    board.record(result("disk", Status.HEALTHY))  # before the journal exists: held
    journal = Journal(tmp_path / "journal.jsonl", FixedClock(T0))
    assert listener.flush() == 1
    board.record(result("disk", Status.HEALTHY))  # no change: nothing
    board.record(result("disk", Status.DEGRADED, "1.0 GB free"))
    board.record(result("connection", Status.UNHEALTHY))
    assert listener.flush() == 0
    journal.close()

    entries = read_journal(tmp_path / "journal.jsonl", kinds=[HEALTH_KIND]).entries
    got = [(e.record["check"], e.record["previous"], e.record["status"]) for e in entries]
    assert got == [
        ("disk", None, "HEALTHY"),
        ("disk", "HEALTHY", "DEGRADED"),
        ("connection", None, "UNHEALTHY"),
    ]
    assert entries[1].record["value"] == "1.0 GB free"
