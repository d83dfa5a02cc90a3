"""The order manager: sends approved orders through an `OrderGateway` at most once each, with a
timeout, and tracks them through the state machine from the broker's events.

The order is registered under its `order_ref` (the proposal id) *before* the first await, so a
second `submit` of the same ref - a double keypress, a repeated event, a retry after a timeout -
finds it and returns it instead of sending again. A timeout leaves the order UNKNOWN (the
broker may have it): later events resolve it; it is never re-sent.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from apex_tui.domain.clock import Clock
from apex_tui.domain.errors import BrokerError, RequestTimeout, ValidationError
from apex_tui.domain.orders import Fill, OrderEvent, OrderEventKind, OrderSpec, WhatIf
from apex_tui.orders.journal import JournalKind, JournalWriter
from apex_tui.orders.state_machine import OrderState, Transition, Trigger, transition

_QTY_EPS = 1e-9


class OrderGateway(Protocol):
    """The broker as the order path needs it (the connector implements it over ib_async)."""

    async def place(self, order: OrderSpec) -> str:
        """Send the order; returns the broker's reference (IB orderId as text)."""
        ...

    async def cancel(self, broker_ref: str) -> None: ...

    async def global_cancel(self) -> None: ...

    async def what_if(self, order: OrderSpec) -> WhatIf: ...


@dataclass(frozen=True, slots=True)
class OrderView:
    """A snapshot of one tracked order, for panes and callers."""

    spec: OrderSpec
    state: OrderState
    broker_ref: str | None
    filled_qty: float
    avg_fill_price: float
    fills: tuple[Fill, ...]
    note: str
    anomalies: int
    submitted_at: datetime
    updated_at: datetime

    @property
    def order_ref(self) -> str:
        return self.spec.order_ref

    @property
    def remaining_qty(self) -> float:
        return max(0.0, self.spec.qty - self.filled_qty)


@dataclass(slots=True)
class _Tracked:
    spec: OrderSpec
    submitted_at: datetime
    state: OrderState = OrderState.PENDING_SUBMIT
    broker_ref: str | None = None
    filled_qty: float = 0.0
    fill_value: float = 0.0
    fills: list[Fill] = field(default_factory=list)
    exec_ids: set[str] = field(default_factory=set)
    note: str = "sending"
    anomalies: int = 0
    updated_at: datetime | None = None

    def view(self) -> OrderView:
        avg = self.fill_value / self.filled_qty if self.filled_qty > 0 else float("nan")
        return OrderView(
            spec=self.spec,
            state=self.state,
            broker_ref=self.broker_ref,
            filled_qty=self.filled_qty,
            avg_fill_price=avg,
            fills=tuple(self.fills),
            note=self.note,
            anomalies=self.anomalies,
            submitted_at=self.submitted_at,
            updated_at=self.updated_at or self.submitted_at,
        )


_EVENT_TRIGGER = {
    OrderEventKind.ACCEPTED: Trigger.ACCEPTED,
    OrderEventKind.REJECTED: Trigger.REJECTED,
    OrderEventKind.CANCELLED: Trigger.CANCELLED,
    OrderEventKind.CANCEL_FAILED: Trigger.CANCEL_FAILED,
}


class OrderManager:
    """Places, cancels and tracks orders; `version` bumps on every change (panes pull)."""

    def __init__(
        self,
        gateway: OrderGateway,
        clock: Clock,
        *,
        journal: JournalWriter | None = None,
        place_timeout_s: float = 5.0,
        cancel_timeout_s: float = 5.0,
        on_fill: Callable[[Fill], None] | None = None,
        on_rejected: Callable[[OrderView], None] | None = None,
    ) -> None:
        self._gateway = gateway
        self._clock = clock
        self._journal = journal
        self._place_timeout = place_timeout_s
        self._cancel_timeout = cancel_timeout_s
        self._on_fill = on_fill
        self._on_rejected = on_rejected  # e.g. the circuit breaker's rejection counter
        self._orders: dict[str, _Tracked] = {}
        self._by_broker: dict[str, str] = {}
        self._sent: deque[float] = deque()
        self.version = 0

    # -- queries -----------------------------------------------------------------------------

    def get(self, order_ref: str) -> OrderView | None:
        tracked = self._orders.get(order_ref)
        return tracked.view() if tracked is not None else None

    def orders(self) -> list[OrderView]:
        return [t.view() for t in self._orders.values()]

    def open_orders(self) -> list[OrderView]:
        return [t.view() for t in self._orders.values() if t.state.open]

    def working_qty(self) -> dict[str, float]:
        """Signed remaining quantity of open orders per symbol (for the risk snapshot)."""
        out: dict[str, float] = {}
        for t in self._orders.values():
            if t.state.open:
                remaining = max(0.0, t.spec.qty - t.filled_qty)
                out[t.spec.symbol] = out.get(t.spec.symbol, 0.0) + t.spec.side.sign * remaining
        return out

    def orders_last_minute(self) -> int:
        horizon = self._clock.monotonic() - 60.0
        while self._sent and self._sent[0] <= horizon:
            self._sent.popleft()
        return len(self._sent)

    # -- commands ----------------------------------------------------------------------------

    async def submit(self, spec: OrderSpec) -> OrderView:
        """Send `spec` unless an order with its ref exists; returns the order as it stands."""
        existing = self._orders.get(spec.order_ref)
        if existing is not None:
            return existing.view()
        tracked = _Tracked(spec, self._clock.now())
        self._orders[spec.order_ref] = tracked  # before any await: the idempotency guarantee
        self._sent.append(self._clock.monotonic())
        self.version += 1
        self._record(JournalKind.ORDER_SUBMIT, tracked, {"order": spec})
        try:
            broker_ref = await asyncio.wait_for(self._gateway.place(spec), self._place_timeout)
        except TimeoutError:
            self._apply(tracked, Trigger.PLACE_TIMEOUT, f"no answer in {self._place_timeout:g} s")
        except BrokerError as exc:
            # A definite refusal ends the order; a retryable failure (connection lost
            # mid-send) may or may not have reached the broker: UNKNOWN, never re-sent.
            if exc.retryable:
                self._apply(tracked, Trigger.PLACE_TIMEOUT, f"send failed: {exc}")
            else:
                self._apply(tracked, Trigger.REJECTED, f"refused: {exc}")
        except Exception as exc:
            # An unexpected gateway failure still must not allow a second send: record it as
            # UNKNOWN (events or reconciliation resolve it) and let the caller see the error.
            self._apply(tracked, Trigger.PLACE_TIMEOUT, f"send failed: {exc!r}")
            raise
        else:
            self._link(tracked, broker_ref)
        return tracked.view()

    async def cancel(self, order_ref: str) -> OrderView:
        """Request a cancel; a no-op (with the reason in `note`) when the state makes it one."""
        tracked = self._orders.get(order_ref)
        if tracked is None:
            raise ValidationError(f"no order {order_ref!r}")
        if tracked.broker_ref is None and tracked.state.open:
            raise ValidationError(
                f"order {order_ref} is not acknowledged yet; use cancel all (global cancel)"
            )
        if not self._apply(tracked, Trigger.CANCEL_REQUESTED, "cancel requested").changes:
            return tracked.view()
        assert tracked.broker_ref is not None
        try:
            await asyncio.wait_for(self._gateway.cancel(tracked.broker_ref), self._cancel_timeout)
        except TimeoutError:
            tracked.note = "cancel sent, no answer yet"
        except BrokerError as exc:
            self._apply(tracked, Trigger.CANCEL_FAILED, f"cancel refused: {exc}")
        return tracked.view()

    async def cancel_all(self) -> list[OrderView]:
        """Global cancel: marks every open order PENDING_CANCEL, then asks the broker once.

        Raises the gateway's error after marking the orders back as working if it refused.
        """
        marked = [
            t
            for t in list(self._orders.values())
            if t.state.open and self._apply(t, Trigger.CANCEL_REQUESTED, "global cancel").changes
        ]
        try:
            await asyncio.wait_for(self._gateway.global_cancel(), self._cancel_timeout)
        except TimeoutError as exc:
            raise RequestTimeout(f"global cancel: no answer in {self._cancel_timeout:g} s") from exc
        except BrokerError as exc:
            for t in marked:
                self._apply(t, Trigger.CANCEL_FAILED, f"global cancel refused: {exc}")
            raise
        return [t.view() for t in marked]

    async def what_if(self, spec: OrderSpec) -> WhatIf:
        try:
            return await asyncio.wait_for(self._gateway.what_if(spec), self._place_timeout)
        except TimeoutError as exc:
            raise RequestTimeout(f"what-if: no answer in {self._place_timeout:g} s") from exc

    # -- broker events -----------------------------------------------------------------------

    def on_event(self, event: OrderEvent) -> OrderView | None:
        """Apply one broker event; returns the order, or None for an order we never sent."""
        ref = event.order_ref or self._by_broker.get(event.broker_ref or "", "")
        tracked = self._orders.get(ref)
        if tracked is None and event.broker_ref is not None:
            tracked = self._orders.get(self._by_broker.get(event.broker_ref, ""))
        if tracked is None:
            if self._journal is not None:
                self._journal.append(
                    JournalKind.ORDER_EVENT, {"event": event, "note": "event for an unknown order"}
                )
            return None
        if event.broker_ref is not None and tracked.broker_ref is None:
            self._link(tracked, event.broker_ref)
        if event.fill is not None:
            return self._on_fill_event(tracked, event.fill)
        reason = event.reason or event.kind.value.lower()
        self._apply(tracked, _EVENT_TRIGGER[event.kind], reason, event=event)
        return tracked.view()

    def _on_fill_event(self, tracked: _Tracked, fill: Fill) -> OrderView:
        if fill.exec_id in tracked.exec_ids:
            return tracked.view()  # the same execution reported again
        tracked.exec_ids.add(fill.exec_id)
        tracked.fills.append(fill)
        tracked.filled_qty += fill.qty
        tracked.fill_value += fill.qty * fill.price
        if self._journal is not None:
            self._journal.append(
                JournalKind.FILL, {"order_ref": tracked.spec.order_ref, "fill": fill}
            )
        complete = tracked.filled_qty >= tracked.spec.qty - _QTY_EPS
        self._apply(tracked, Trigger.FILL if complete else Trigger.PARTIAL_FILL, "fill")
        if self._on_fill is not None:
            self._on_fill(fill)
        return tracked.view()

    # -- internals ---------------------------------------------------------------------------

    def _link(self, tracked: _Tracked, broker_ref: str) -> None:
        tracked.broker_ref = broker_ref
        self._by_broker[broker_ref] = tracked.spec.order_ref
        self.version += 1

    def _apply(
        self, tracked: _Tracked, trigger: Trigger, reason: str, *, event: OrderEvent | None = None
    ) -> Transition:
        old = tracked.state
        step = transition(old, trigger, filled_qty=tracked.filled_qty)
        if step.to is not None:
            tracked.state = step.to
        rejected_now = step.to is OrderState.REJECTED and old is not OrderState.REJECTED
        if step.anomaly:
            tracked.anomalies += 1
        tracked.note = f"{reason}: {step.note}" if reason != step.note else reason
        tracked.updated_at = self._clock.now()
        self.version += 1
        self._record(
            JournalKind.ORDER_EVENT,
            tracked,
            {
                "trigger": trigger,
                "from": old,
                "to": tracked.state,
                "note": tracked.note,
                "anomaly": step.anomaly,
                "code": event.code if event is not None else None,
            },
        )
        if rejected_now and self._on_rejected is not None:
            self._on_rejected(tracked.view())
        return step

    def _record(self, kind: JournalKind, tracked: _Tracked, data: dict[str, object]) -> None:
        if self._journal is not None:
            base: dict[str, object] = {
                "order_ref": tracked.spec.order_ref,
                "broker_ref": tracked.broker_ref,
            }
            self._journal.append(kind, base | data)
