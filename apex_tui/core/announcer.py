"""What the trader must hear about, gathered in one place: price alerts crossing, a session
lost and back, health turning worse for market data, data farms or the sink, breaker trips.
Each becomes a Notice the UI drains (notification, bell with `sound_alerts`), a log line and a
journal record."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

from apex_tui.core.alerts import AlertBook, Notice, Severity
from apex_tui.domain.quotes import Quote
from apex_tui.health.model import CheckResult, Status
from apex_tui.logging import get_logger

log = get_logger(__name__)

LIVE_STATES = frozenset({"CONNECTED", "DEGRADED"})
# Health checks whose worsening is news: the connection has its own alert.
ANNOUNCED_CHECKS = frozenset({"market data", "data farms", "sink"})


class Announcer:
    def __init__(self, journal: Callable[[str, Mapping[str, object]], None]) -> None:
        self._journal = journal
        self._notices: list[Notice] = []
        self._last_state = ""
        self._lost = False

    def alert(self, title: str, message: str, severity: Severity = "warning") -> None:
        """Tell the trader and journal it."""
        self._notices.append(Notice(title, message, severity))
        log.warning("alert", title=title, message=message)
        self._journal("alert", {"title": title, "message": message})

    def drain(self) -> list[Notice]:
        """The notices since the last drain, oldest first."""
        notices, self._notices = self._notices, []
        return notices

    def check_prices(self, book: AlertBook, quotes: Iterable[Quote], now: datetime) -> None:
        for hit in book.check(quotes, now):
            self.alert("Price alert", f"{hit.alert.describe()} (last {hit.last:,.2f})")

    def check_connection(self, state: str, reason: str) -> None:
        """Alert when a live session is lost, and when it is back."""
        before, self._last_state = self._last_state, state
        if before in LIVE_STATES and state not in LIVE_STATES:
            self._lost = True
            self.alert("Disconnected", f"{state}: {reason}", "error")
        elif self._lost and state == "CONNECTED":
            self._lost = False  # only a session that was lost is news when it is back
            self.alert("Reconnected", reason, "information")

    def on_health_change(self, result: CheckResult, previous: Status | None) -> None:
        # The first result of each check is not a change.
        if previous is None or result.name not in ANNOUNCED_CHECKS:
            return
        if result.status > previous:
            self.alert(f"Health: {result.name}", f"{result.value}: {result.message}")


def log_health_transition(result: CheckResult, previous: Status | None) -> None:
    """Every health transition in the log, warnings for anything not healthy."""
    level = "warning" if result.status is not Status.HEALTHY else "info"
    getattr(log, level)(
        "health_changed",
        check=result.name,
        status=result.status.label,
        previous=None if previous is None else previous.label,
        value=result.value,
        message=result.message,
    )
