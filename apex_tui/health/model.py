"""Health check results: a status, a value and a message, with the time they were taken."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum


class Status(IntEnum):
    """Ordered so that the worst of several is their max()."""

    HEALTHY = 0
    DEGRADED = 1
    UNHEALTHY = 2

    @property
    def label(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One run of one check."""

    name: str
    status: Status
    value: str  # short, for the pane's value column ("12 ms", "41.2 GB free")
    message: str  # one line saying what it means and, when not healthy, what to do
    time: datetime
    number: float | None = None  # the value as a number, for sparklines and history


def worst(results: list[CheckResult]) -> Status:
    """The overall status: the worst of the results (HEALTHY when there are none)."""
    return max((r.status for r in results), default=Status.HEALTHY)
