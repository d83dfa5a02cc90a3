"""The Health pane: every check with its status colour, value and message; `enter` shows one
check's history."""

from __future__ import annotations

from typing import ClassVar, Protocol

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from apex_tui.health.model import CheckResult, Status
from apex_tui.tui.panes.base import Pane
from apex_tui.tui.panes.quote_columns import sparkline

_STATUS_VAR = {
    Status.HEALTHY: "state-ok",
    Status.DEGRADED: "state-warn",
    Status.UNHEALTHY: "state-bad",
}
_SYMBOL = {Status.HEALTHY: "●", Status.DEGRADED: "▲", Status.UNHEALTHY: "✖"}
_SPARK_CHECKS = ("event loop", "memory")


class HealthFeed(Protocol):
    version: int

    def results(self) -> list[CheckResult]: ...
    def history(self, name: str) -> list[CheckResult]: ...


class HealthPane(Pane):
    TITLE = "Health"
    NUMBER = 5
    EMPTY = "No health checks have run yet."
    MIN_POLL_S: ClassVar[float] = 0.5
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "move(-1)", "Up", show=False),
        Binding("down,j", "move(1)", "Down", show=False),
        Binding("enter", "details", "Details", tooltip="History of the selected check"),
    ]

    def __init__(self, *, id: str | None = None, refresh_s: float = 0.5) -> None:
        super().__init__(id=id)
        self._feed: HealthFeed | None = None
        self._version = -1
        self._refresh_s = refresh_s
        self.cursor = 0

    def compose(self) -> ComposeResult:
        yield Static(self.EMPTY, classes="empty-state")
        yield Static("", id="health-table")

    def attach(self, feed: HealthFeed) -> None:
        self._feed = feed
        self._version = -1
        self.pull()

    def on_mount(self) -> None:
        self.poll_every(self._refresh_s, self.pull)

    def _color(self, status: Status) -> str:
        return self.app.theme_variables.get(_STATUS_VAR[status], "")

    def action_move(self, step: int) -> None:
        if self._feed is not None:
            count = len(self._feed.results())
            self.cursor = max(0, min(self.cursor + step, count - 1))
            self._version = -1
            self.pull()

    def selected(self) -> CheckResult | None:
        if self._feed is None:
            return None
        results = self._feed.results()
        return results[self.cursor] if 0 <= self.cursor < len(results) else None

    def action_details(self) -> None:
        """Open the selected check's history."""
        from apex_tui.tui.screens.health_detail import HealthDetailScreen  # noqa: PLC0415

        result = self.selected()
        if result is None or self._feed is None:
            return
        self.app.push_screen(HealthDetailScreen(result, self._feed.history(result.name)))

    def pull(self) -> None:
        feed = self._feed
        if feed is None or feed.version == self._version:
            return
        self._version = feed.version
        results = feed.results()
        self.query_one(".empty-state", Static).display = not results
        table = Table(box=None, expand=True, show_header=False, pad_edge=False)
        table.add_column("check", no_wrap=True, width=13)
        table.add_column("trend", no_wrap=True, width=6)
        table.add_column("value", justify="right", no_wrap=True, overflow="ellipsis", ratio=1)
        for i, result in enumerate(results):
            name = Text(f"{_SYMBOL[result.status]} ", style=self._color(result.status))
            name.append(result.name, style="reverse" if i == self.cursor and self.has_focus else "")
            value = Text(result.value, style=self._color(result.status), justify="right")
            trend = Text("")
            if result.name in _SPARK_CHECKS:
                numbers = [r.number for r in feed.history(result.name) if r.number is not None]
                trend = Text(sparkline(numbers, 6), style="dim")
            table.add_row(name, trend, value)
        # One line per check (no_wrap columns): no screen layout unless checks come or go.
        self.show(self.query_one("#health-table", Static), table, len(results))

    def on_focus(self) -> None:
        self._version = -1
        self.pull()

    def on_blur(self) -> None:
        self._version = -1
        self.pull()
