"""Trading states ACTIVE / REDUCING / HALTED, and the holder that only loosens on a typed phrase.

Automatic actors (the breaker, the kill switch, live start-up) may only make trading *more*
restricted; going back to ACTIVE always needs the trader to type a confirmation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from apex_tui.domain.clock import Clock
from apex_tui.domain.errors import ConfirmationMismatch


class TradingState(StrEnum):
    ACTIVE = "ACTIVE"
    REDUCING = "REDUCING"  # only orders that shrink a position, never flip it
    HALTED = "HALTED"

    @property
    def severity(self) -> int:
        return _SEVERITY[self]


_SEVERITY = {TradingState.ACTIVE: 0, TradingState.REDUCING: 1, TradingState.HALTED: 2}


def is_reducing(before: float, after: float) -> bool:
    """True when a position moves from `before` to `after` strictly toward zero without crossing.

    A long 100 selling 150 ends short 50: that grows risk on the other side, so it is not
    reducing even though |after| < |before|.
    """
    if before > 0:
        return 0 <= after < before
    if before < 0:
        return before < after <= 0
    return False


@dataclass(frozen=True, slots=True)
class StateChange:
    """One change of trading state, for the journal and the header."""

    old: TradingState
    new: TradingState
    reason: str
    time: datetime


class TradingStatus:
    """Holds the current trading state; `restrict` tightens, `release` needs a typed phrase."""

    def __init__(
        self,
        clock: Clock,
        initial: TradingState = TradingState.ACTIVE,
        *,
        on_change: Callable[[StateChange], None] | None = None,
    ) -> None:
        self._clock = clock
        self._state = initial
        self._reason = "start"
        self._on_change = on_change
        self.version = 0

    @property
    def state(self) -> TradingState:
        return self._state

    @property
    def reason(self) -> str:
        return self._reason

    def restrict(self, state: TradingState, reason: str) -> StateChange | None:
        """Move to `state` if it is more restrictive than now; never loosens. Returns the change."""
        if state.severity <= self._state.severity:
            return None
        return self._set(state, reason)

    def release(self, typed: str, phrase: str, reason: str = "reset by trader") -> StateChange:
        """Return to ACTIVE when `typed` is exactly `phrase` (surrounding blanks ignored)."""
        if typed.strip() != phrase:
            raise ConfirmationMismatch(f"type {phrase!r} exactly to confirm; got {typed!r}")
        if self._state is TradingState.ACTIVE:
            return StateChange(self._state, self._state, reason, self._clock.now())
        return self._set(TradingState.ACTIVE, reason)

    def _set(self, state: TradingState, reason: str) -> StateChange:
        change = StateChange(self._state, state, reason, self._clock.now())
        self._state = state
        self._reason = reason
        self.version += 1
        if self._on_change is not None:
            self._on_change(change)
        return change
