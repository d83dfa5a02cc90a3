"""The order state machine: every (state, trigger) pair has a defined outcome.

Broker events arrive late, twice and out of order (a fill can beat its own acknowledgement, a
cancel can lose to a fill), so nothing here raises: a pair is either a transition, a no-op that
says why it is ignored, or an anomaly that keeps the state but is flagged for the journal.
Fills are facts: the manager always books a fill's quantity, whatever the state says.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class OrderState(StrEnum):
    PENDING_SUBMIT = "PENDING_SUBMIT"  # handed to the gateway, no answer yet
    UNKNOWN = "UNKNOWN"  # the gateway timed out: the broker may or may not have it
    WORKING = "WORKING"  # acknowledged, nothing filled
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    PENDING_CANCEL = "PENDING_CANCEL"  # cancel sent, outcome not known yet
    FILLED = "FILLED"
    CANCELLED = "CANCELLED"
    REJECTED = "REJECTED"

    @property
    def terminal(self) -> bool:
        return self in _TERMINAL

    @property
    def open(self) -> bool:
        """Counts against the open-order limit and is cancelled by the kill switch."""
        return self not in _TERMINAL


_TERMINAL = frozenset({OrderState.FILLED, OrderState.CANCELLED, OrderState.REJECTED})


class Trigger(StrEnum):
    """What can happen to an order: broker events plus the manager's own actions."""

    ACCEPTED = "ACCEPTED"
    PLACE_TIMEOUT = "PLACE_TIMEOUT"
    REJECTED = "REJECTED"
    PARTIAL_FILL = "PARTIAL_FILL"  # an execution leaving quantity open
    FILL = "FILL"  # the execution that completes the order
    CANCEL_REQUESTED = "CANCEL_REQUESTED"
    CANCEL_FAILED = "CANCEL_FAILED"
    CANCELLED = "CANCELLED"


@dataclass(frozen=True, slots=True)
class Transition:
    """Outcome of one trigger in one state. `to` is None when the state does not change."""

    to: OrderState | None
    note: str
    anomaly: bool = False

    @property
    def changes(self) -> bool:
        return self.to is not None


# Resolved per order: back to WORKING, or PARTIALLY_FILLED when something has filled.
_RESUME = "resume"

S, T = OrderState, Trigger
_Target = OrderState | str | None


_IGN = None  # readability in the table: the state stays

_RAW: dict[OrderState, dict[Trigger, tuple[_Target, str, bool]]] = {
    S.PENDING_SUBMIT: {
        T.ACCEPTED: (S.WORKING, "acknowledged", False),
        T.PLACE_TIMEOUT: (S.UNKNOWN, "no answer in time: never re-sent, awaiting events", False),
        T.REJECTED: (S.REJECTED, "rejected", False),
        T.PARTIAL_FILL: (S.PARTIALLY_FILLED, "fill arrived before the acknowledgement", False),
        T.FILL: (S.FILLED, "filled before the acknowledgement", False),
        T.CANCEL_REQUESTED: (S.PENDING_CANCEL, "cancel requested before acknowledgement", False),
        T.CANCEL_FAILED: (_IGN, "no cancel was pending", True),
        T.CANCELLED: (S.CANCELLED, "cancelled by the broker", False),
    },
    S.UNKNOWN: {
        T.ACCEPTED: (S.WORKING, "late acknowledgement resolves the timeout", False),
        T.PLACE_TIMEOUT: (_IGN, "repeated timeout", False),
        T.REJECTED: (S.REJECTED, "late rejection resolves the timeout", False),
        T.PARTIAL_FILL: (S.PARTIALLY_FILLED, "late fill resolves the timeout", False),
        T.FILL: (S.FILLED, "late fill resolves the timeout", False),
        T.CANCEL_REQUESTED: (S.PENDING_CANCEL, "cancel requested for an unconfirmed order", False),
        T.CANCEL_FAILED: (_IGN, "no cancel was pending", True),
        T.CANCELLED: (S.CANCELLED, "cancelled", False),
    },
    S.WORKING: {
        T.ACCEPTED: (_IGN, "repeated acknowledgement", False),
        T.PLACE_TIMEOUT: (_IGN, "timeout after the acknowledgement: stale timer", False),
        T.REJECTED: (S.REJECTED, "rejected while working", False),
        T.PARTIAL_FILL: (S.PARTIALLY_FILLED, "partially filled", False),
        T.FILL: (S.FILLED, "filled", False),
        T.CANCEL_REQUESTED: (S.PENDING_CANCEL, "cancel requested", False),
        T.CANCEL_FAILED: (_IGN, "no cancel was pending", True),
        T.CANCELLED: (S.CANCELLED, "cancelled by the broker", False),
    },
    S.PARTIALLY_FILLED: {
        T.ACCEPTED: (_IGN, "status echo", False),
        T.PLACE_TIMEOUT: (_IGN, "stale timer", False),
        T.REJECTED: (S.REJECTED, "remainder rejected; fills stand", False),
        T.PARTIAL_FILL: (S.PARTIALLY_FILLED, "another partial fill", False),
        T.FILL: (S.FILLED, "filled", False),
        T.CANCEL_REQUESTED: (S.PENDING_CANCEL, "cancel of the remainder requested", False),
        T.CANCEL_FAILED: (_IGN, "no cancel was pending", True),
        T.CANCELLED: (S.CANCELLED, "remainder cancelled; fills stand", False),
    },
    S.PENDING_CANCEL: {
        T.ACCEPTED: (_IGN, "status echo while the cancel is in flight", False),
        T.PLACE_TIMEOUT: (_IGN, "stale timer", False),
        T.REJECTED: (S.REJECTED, "rejected while cancelling", False),
        T.PARTIAL_FILL: (_IGN, "partial fill raced the cancel; still cancelling", False),
        T.FILL: (S.FILLED, "fill won the race against the cancel", False),
        T.CANCEL_REQUESTED: (_IGN, "cancel already in flight: not re-sent", False),
        T.CANCEL_FAILED: (_RESUME, "cancel refused: order still working", False),
        T.CANCELLED: (S.CANCELLED, "cancelled", False),
    },
    S.FILLED: {
        T.ACCEPTED: (_IGN, "late acknowledgement of a filled order", False),
        T.PLACE_TIMEOUT: (_IGN, "stale timer", False),
        T.REJECTED: (_IGN, "rejection after a complete fill", True),
        T.PARTIAL_FILL: (_IGN, "execution beyond the order quantity", True),
        T.FILL: (_IGN, "execution beyond the order quantity", True),
        T.CANCEL_REQUESTED: (_IGN, "already filled: nothing to cancel", False),
        T.CANCEL_FAILED: (_IGN, "cancel lost the race against the fill", False),
        T.CANCELLED: (_IGN, "cancel confirmation after a complete fill", True),
    },
    S.CANCELLED: {
        T.ACCEPTED: (_IGN, "late acknowledgement of a cancelled order", False),
        T.PLACE_TIMEOUT: (_IGN, "stale timer", False),
        T.REJECTED: (_IGN, "rejection after the cancel", False),
        T.PARTIAL_FILL: (_IGN, "execution reported after the cancel: booked", True),
        T.FILL: (S.FILLED, "execution after the cancel completes the order", True),
        T.CANCEL_REQUESTED: (_IGN, "already cancelled", False),
        T.CANCEL_FAILED: (_IGN, "already cancelled", False),
        T.CANCELLED: (_IGN, "repeated cancel confirmation", False),
    },
    S.REJECTED: {
        T.ACCEPTED: (_IGN, "acknowledgement after the rejection", True),
        T.PLACE_TIMEOUT: (_IGN, "stale timer", False),
        T.REJECTED: (_IGN, "repeated rejection", False),
        T.PARTIAL_FILL: (_IGN, "execution reported after the rejection: booked", True),
        T.FILL: (S.FILLED, "execution after the rejection completes the order", True),
        T.CANCEL_REQUESTED: (_IGN, "rejected order: nothing to cancel", False),
        T.CANCEL_FAILED: (_IGN, "rejected order", False),
        T.CANCELLED: (_IGN, "rejected order", False),
    },
}


def transition(state: OrderState, trigger: Trigger, *, filled_qty: float = 0.0) -> Transition:
    """The outcome of `trigger` in `state`; `filled_qty` resolves where a failed cancel returns."""
    to, note, anomaly = _RAW[state][trigger]
    if to == _RESUME:
        to = OrderState.PARTIALLY_FILLED if filled_qty > 0 else OrderState.WORKING
    assert to is None or isinstance(to, OrderState)
    return Transition(to, note, anomaly)
