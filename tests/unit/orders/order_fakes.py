"""A scriptable fake OrderGateway and small builders for order-path tests."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from apex_tui.domain.orders import (
    Fill,
    OrderEvent,
    OrderEventKind,
    OrderSpec,
    OrderType,
    Side,
    WhatIf,
)

T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


class FakeGateway:
    """Records every call. `place_delay` (an Event) holds place() open; `place_error` raises."""

    def __init__(self) -> None:
        self.placed: list[OrderSpec] = []
        self.cancelled: list[str] = []
        self.global_cancels = 0
        self.place_gate: asyncio.Event | None = None
        self.place_error: BaseException | None = None
        self.cancel_error: BaseException | None = None
        self.global_cancel_error: BaseException | None = None
        self.hang_place = False
        self.on_place: Callable[[OrderSpec, str], Awaitable[None] | None] | None = None
        self._next = 100

    async def place(self, order: OrderSpec) -> str:
        self.placed.append(order)
        if self.place_gate is not None:
            await self.place_gate.wait()
        if self.hang_place:
            await asyncio.Event().wait()  # never answers: the manager's timeout must fire
        if self.place_error is not None:
            raise self.place_error
        self._next += 1
        ref = str(self._next)
        if self.on_place is not None:
            res = self.on_place(order, ref)
            if res is not None:
                await res
        return ref

    async def cancel(self, broker_ref: str) -> None:
        self.cancelled.append(broker_ref)
        if self.cancel_error is not None:
            raise self.cancel_error

    async def global_cancel(self) -> None:
        self.global_cancels += 1
        if self.global_cancel_error is not None:
            raise self.global_cancel_error

    async def what_if(self, order: OrderSpec) -> WhatIf:
        return WhatIf(init_margin_change=order.qty * 25.0, maint_margin_change=order.qty * 20.0)


def spec(
    ref: str = "P1", qty: float = 100, side: Side = Side.BUY, symbol: str = "AAPL"
) -> OrderSpec:
    return OrderSpec(symbol, side, qty, OrderType.LMT, ref, limit_price=100.0)


def event(kind: OrderEventKind, ref: str = "P1", **kw: object) -> OrderEvent:
    return OrderEvent(kind=kind, order_ref=ref, time=T0, **kw)  # type: ignore[arg-type]


def fill_event(
    ref: str, exec_id: str, qty: float, price: float = 100.0, side: Side = Side.BUY
) -> OrderEvent:
    f = Fill(ref, exec_id, "AAPL", side, qty, price, T0)
    return OrderEvent(kind=OrderEventKind.FILL, order_ref=ref, time=T0, fill=f)


class ListJournal:
    """In-memory JournalWriter."""

    def __init__(self) -> None:
        self.records: list[tuple[str, dict[str, object]]] = []

    def append(self, kind: str, data: object = None) -> None:
        self.records.append((str(kind), dict(data or {})))  # type: ignore[call-overload]

    def kinds(self) -> list[str]:
        return [k for k, _ in self.records]
