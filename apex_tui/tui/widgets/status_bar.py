"""The header line: app name, mode badge, connection state with its reason, and the clock."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from apex_tui.core.engine import Engine
from apex_tui.health.model import Status
from apex_tui.tui.panes.polling import Polling

_STATE_CLASS = {
    "CONNECTED": "state-ok",
    "SYNCING": "state-warn",
    "CONNECTING": "state-warn",
    "RECONNECTING": "state-warn",
    "DEGRADED": "state-warn",
}


_HEALTH_MARK = {Status.HEALTHY: "●", Status.DEGRADED: "▲", Status.UNHEALTHY: "✖"}
_HEALTH_CLASS = {
    Status.HEALTHY: "state-ok",
    Status.DEGRADED: "state-warn",
    Status.UNHEALTHY: "state-bad",
}


class StatusBar(Horizontal, Polling):  # Horizontal first: CSS type names follow the first base
    """Always visible: what mode this is, whether the gateway is there, and the time."""

    MIN_POLL_S: ClassVar[float] = 1.0  # the clock shows seconds

    def __init__(self, engine: Engine) -> None:
        super().__init__(id="status-bar")
        self._engine = engine
        self._last_conn = ""
        self._last_health: Status | None = None

    def compose(self) -> ComposeResult:
        yield Static("APEX TUI", id="app-name")
        mode = self._engine.mode
        yield Static(f" {mode.upper()} ", id="mode-badge", classes=f"mode-{mode}")
        yield Static("", id="connection")
        yield Static("", id="health-status")
        yield Static("", id="clock")

    def on_mount(self) -> None:
        self.refresh_status()
        self.poll_every(self.MIN_POLL_S, self.refresh_status)

    def refresh_status(self) -> None:
        """Redraw the connection state and the clock from the engine."""
        view = self._engine.connection()
        text = f"● {view.state}  {view.reason}"
        if text != self._last_conn:  # redraw (and re-layout) only when it changed
            self._last_conn = text
            conn = self.query_one("#connection", Static)
            conn.update(text)
            conn.set_classes(_STATE_CLASS.get(view.state, "state-bad"))
        overall = self._engine.health.overall if self._engine.health.results() else None
        if overall != self._last_health:
            self._last_health = overall
            health = self.query_one("#health-status", Static)
            if overall is None:
                health.update("")
            else:
                health.update(f"health {_HEALTH_MARK[overall]} {overall.label}")
                health.set_classes(_HEALTH_CLASS[overall])
        now = self._engine.clock.now()
        # A fixed-width text: no layout pass for it (the whole screen is arranged otherwise).
        self.query_one("#clock", Static).update(now.strftime("%Y-%m-%d %H:%M:%S UTC"), layout=False)
