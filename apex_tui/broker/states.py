"""Connection states and the ConnectionBoard store the header and health checks read."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import structlog

from apex_tui.domain.clock import Clock, SystemClock

log = structlog.get_logger(__name__)


class ConnectionState(StrEnum):
    """Where the session with the gateway stands."""

    DISCONNECTED = "DISCONNECTED"
    CONNECTING = "CONNECTING"
    SYNCING = "SYNCING"
    CONNECTED = "CONNECTED"
    DEGRADED = "DEGRADED"
    RECONNECTING = "RECONNECTING"
    STOPPED = "STOPPED"  # gave up: waits for the trader to press R


# States in which requests can be sent.
LIVE_STATES = frozenset({ConnectionState.CONNECTED, ConnectionState.DEGRADED})


@dataclass(frozen=True, slots=True)
class Transition:
    """One state change with why it happened."""

    time: datetime
    state: ConnectionState
    reason: str
    previous: ConnectionState


class ConnectionBoard:
    """Latest connection state, its reason and a short history, with a version counter."""

    def __init__(self, clock: Clock | None = None, *, history: int = 50) -> None:
        self._clock = clock or SystemClock()
        self._history: list[Transition] = []
        self._limit = history
        self.state = ConnectionState.DISCONNECTED
        self.reason = "not started"
        self.since = self._clock.now()
        self.version = 0
        self.server_version: int | None = None
        self.accounts: tuple[str, ...] = ()
        self.last_heartbeat: datetime | None = None
        self.heartbeat_rtt: float | None = None  # seconds, of the last answered heartbeat
        self.failures_in_window = 0
        self.next_attempt_in: float | None = None
        self._live = asyncio.Event()  # set while CONNECTED or DEGRADED

    def set(self, state: ConnectionState, reason: str) -> bool:
        """Move to `state` for `reason`; returns False when nothing changed."""
        if state is self.state and reason == self.reason:
            return False
        previous = self.state
        now = self._clock.now()
        self._history.append(Transition(now, state, reason, previous))
        del self._history[: -self._limit]
        self.state, self.reason, self.since = state, reason, now
        self.version += 1
        if state in LIVE_STATES:
            self._live.set()
        else:
            self._live.clear()
        log.info("connection_state", state=state.value, previous=previous.value, reason=reason)
        return True

    def touch(self) -> None:
        """Bump the version after a change to a detail field (heartbeat, accounts)."""
        self.version += 1

    async def wait_live(self) -> None:
        """Return once the session is CONNECTED or DEGRADED (at once if it is)."""
        await self._live.wait()

    @property
    def is_live(self) -> bool:
        return self.state in LIVE_STATES

    @property
    def history(self) -> tuple[Transition, ...]:
        return tuple(self._history)
