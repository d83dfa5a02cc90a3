"""The Risk pane: the trading state, the circuit breaker, and each limit as a bar of use."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from apex_tui.core.alerts import PriceAlert
from apex_tui.core.trading import TradingDesk
from apex_tui.risk.states import TradingState
from apex_tui.tui.panes.base import Pane

_STATE_VAR = {
    TradingState.ACTIVE: "state-ok",
    TradingState.REDUCING: "state-warn",
    TradingState.HALTED: "state-bad",
}


def bar(fraction: float, width: int = 10) -> str:
    filled = max(0, min(width, round(fraction * width)))
    return "█" * filled + "░" * (width - filled)


class RiskPane(Pane):
    TITLE = "Risk"
    NUMBER = 4
    EMPTY = "Not connected: risk limits apply once the order path is up."
    MIN_POLL_S: ClassVar[float] = 0.5

    def __init__(self, *, id: str | None = None, refresh_s: float = 0.5) -> None:
        super().__init__(id=id)
        self._refresh_s = refresh_s
        self._desk: TradingDesk | None = None
        self._alerts: Callable[[], list[PriceAlert]] | None = None
        self._last_key: tuple[object, ...] | None = None

    def compose(self) -> ComposeResult:
        yield Static(self.EMPTY, classes="empty-state")
        yield Static("", id="risk-state")
        yield Static("", id="risk-table")

    def attach(
        self, desk: TradingDesk, alerts: Callable[[], list[PriceAlert]] | None = None
    ) -> None:
        """Show the desk's limits, and the price alerts (`:unalert N` removes one)."""
        self._desk = desk
        self._alerts = alerts
        self.query_one(".empty-state", Static).display = False
        self.pull()

    def on_mount(self) -> None:
        self.poll_every(self._refresh_s, self.pull)

    def _color(self, name: str) -> str:
        return self.app.theme_variables.get(name, "")

    def pull(self) -> None:
        desk = self._desk
        if desk is None:
            return
        usage = desk.usage()
        alerts = self._alerts() if self._alerts is not None else []
        key = (
            desk.status.state,
            desk.status.reason,
            desk.breaker.tripped,
            desk.locks.checkpoint is not None,
            tuple(round(c / lim, 2) if lim > 0 else 0.0 for _n, c, lim in usage),
            tuple((a.id, a.armed, a.fired) for a in alerts),
        )
        if key == self._last_key:
            return  # an unchanged redraw still costs a screen layout
        self._last_key = key
        status = desk.status
        head = Text()
        head.append(f"{status.state.value}", style=f"bold {self._color(_STATE_VAR[status.state])}")
        if status.state is not TradingState.ACTIVE:
            head.append(f"  {status.reason}")
        if desk.breaker.tripped and desk.breaker.trip is not None:
            head.append(f"\nbreaker tripped: {desk.breaker.trip.reason}", style="bold red")
        if desk.locks.checkpoint is not None:
            head.append("\nreconnect checkpoint to review: press a", style="bold yellow")
        self.query_one("#risk-state", Static).update(head)
        table = Table(box=None, expand=True, show_header=False, pad_edge=False)
        table.add_column("limit", no_wrap=True)
        table.add_column("bar", no_wrap=True)
        table.add_column("use", justify="right", no_wrap=True)
        for name, current, limit in usage:
            frac = current / limit if limit > 0 else 0.0
            var = "state-bad" if frac >= 1 else "state-warn" if frac >= 0.8 else "state-ok"
            table.add_row(name, Text(bar(frac), style=self._color(var)), f"{frac:.0%}")
        if alerts:
            table.add_row("", "", "")
            for alert in alerts:
                state = "armed" if alert.armed else f"fired {alert.fired}x"
                table.add_row(f"alert #{alert.id}", alert.describe(), state)
        lines = len(usage) + (len(alerts) + 1 if alerts else 0)  # no_wrap: a line per row
        self.show(self.query_one("#risk-table", Static), table, lines)
