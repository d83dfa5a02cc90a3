"""The Engine builds and owns the services (connector, stores, sink, jobs, risk, orders) and
exposes their state stores and commands. It runs the same way under the TUI, under the
headless commands, and in tests."""

from __future__ import annotations

from dataclasses import dataclass

from apex_tui.config import Settings
from apex_tui.domain.clock import Clock, SystemClock


@dataclass(frozen=True, slots=True)
class ConnectionView:
    """What the header shows about the gateway connection."""

    state: str  # DISCONNECTED, CONNECTING, SYNCING, CONNECTED, DEGRADED, RECONNECTING, STOPPED
    reason: str


class Engine:
    """Owns every service; the UI reads its stores and calls its commands."""

    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock: Clock = clock or SystemClock()

    @property
    def mode(self) -> str:
        return self.settings.broker.mode

    def connection(self) -> ConnectionView:
        return ConnectionView("DISCONNECTED", "connector not started")

    def pending_work(self) -> list[str]:
        """Reasons quitting needs a confirmation (working orders, pending proposals)."""
        return []

    async def start(self) -> None:
        """Start the services (connector, sink, jobs)."""

    async def stop(self) -> None:
        """Stop the services, flushing everything accepted."""
