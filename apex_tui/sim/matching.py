"""The matching engine: orders against the simulated top of book.

MKT fills at the touch (buy at the ask, sell at the bid); LMT rests until the touch crosses its
limit and then fills at the touch; STP and STP LMT wait (PreSubmitted) until the last price
reaches the stop, then behave as MKT / LMT. With partial fills on, one match fills at most the
displayed size, shared by all orders on that side of that instrument. Orders are keyed by
(client_id, order_id) as the client chose them; placing an open key again modifies the order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from apex_tui.sim.ledger import Ledger, Marks, commission, multiplier
from apex_tui.sim.model import (
    EngineEvents,
    Execution,
    Instrument,
    OrderRequest,
    OrderState,
    OrderStatus,
    Quote,
    WhatIf,
)
from apex_tui.sim.seeding import stable_seed
from apex_tui.sim.settings import WorldSettings

ORDER_TYPES = ("MKT", "LMT", "STP", "STP LMT")
_DONE = (OrderStatus.FILLED, OrderStatus.CANCELLED, OrderStatus.INACTIVE)


class OrderRejected(ValueError):
    """The engine refuses the order; the message says why (the server sends it as an error)."""


@dataclass(slots=True)
class _Order:
    req: OrderRequest
    perm_id: int
    status: OrderStatus
    filled: float = 0.0
    value: float = 0.0  # filled quantity x price (no multiplier)
    last_price: float = 0.0
    fees: float = 0.0
    triggered: bool = False

    def state(self) -> OrderState:
        return OrderState(
            request=self.req,
            perm_id=self.perm_id,
            status=self.status,
            filled=self.filled,
            remaining=max(self.req.total_qty - self.filled, 0.0),
            avg_fill_price=round(self.value / self.filled, 6) if self.filled else 0.0,
            last_fill_price=self.last_price,
        )


class MatchingEngine:
    """Open and completed orders, executions, and the fills that feed the ledger."""

    def __init__(
        self,
        settings: WorldSettings,
        ledger: Ledger,
        quote: Callable[[Instrument, datetime], Quote],
        can_trade: Callable[[OrderRequest, datetime], bool],
    ) -> None:
        self._settings = settings
        self._ledger = ledger
        self._quote = quote
        self._can_trade = can_trade
        self._orders: dict[tuple[int, int], _Order] = {}
        self._executions: list[Execution] = []
        base = stable_seed(settings.seed, "ids")
        self._next_perm = 1_000_000_000 + base % 500_000_000
        self._exec_prefix = base >> 32
        self._exec_seq = 0x65000000 + base % 0x100000

    # -- validation ----------------------------------------------------------------------
    def validate(self, req: OrderRequest) -> OrderRequest:
        """The request with its account filled in; OrderRejected when it cannot be taken."""
        account = req.account or next(iter(self._ledger.books))
        if account not in self._ledger.books:
            raise OrderRejected(f"Account {account!r} is not managed by this gateway")
        if req.action not in ("BUY", "SELL"):
            raise OrderRejected(f"Invalid action {req.action!r}")
        if req.total_qty <= 0:
            raise OrderRejected("Order quantity must be positive")
        if req.order_type not in ORDER_TYPES:
            raise OrderRejected(f"Unsupported order type {req.order_type!r}")
        needs_limit = req.order_type in ("LMT", "STP LMT")
        if needs_limit and (req.lmt_price is None or req.lmt_price <= 0):
            raise OrderRejected(f"{req.order_type} order needs a positive limit price")
        if req.order_type.startswith("STP") and (req.aux_price is None or req.aux_price <= 0):
            raise OrderRejected(f"{req.order_type} order needs a positive stop (aux) price")
        return replace(req, account=account)

    # -- order entry ---------------------------------------------------------------------
    def place(self, req: OrderRequest, now: datetime) -> EngineEvents:
        req = self.validate(req)
        key = (req.client_id, req.order_id)
        order = self._orders.get(key)
        if order is not None:
            if order.status in _DONE:
                raise OrderRejected(f"Duplicate order id {req.order_id}")
            if (
                req.instrument.con_id != order.req.instrument.con_id
                or req.action != order.req.action
            ):
                raise OrderRejected("An order modification cannot change the contract or side")
            if req.total_qty < order.filled:
                raise OrderRejected("Quantity is below the quantity already filled")
            order.req = req
        else:
            order = _Order(req, self._next_perm, OrderStatus.PRE_SUBMITTED)
            self._next_perm += 1
            self._orders[key] = order
        order.status = self._resting_status(order, now)
        states = [order.state()]
        fills: list[Execution] = []
        self._match_orders([order], now, states, fills)
        return self._events(states, fills)

    def cancel(self, order_id: int, client_id: int, now: datetime) -> EngineEvents:
        order = self._orders.get((client_id, order_id))
        if order is None or order.status in _DONE:
            raise KeyError((client_id, order_id))
        order.status = OrderStatus.CANCELLED
        return EngineEvents(orders=(order.state(),))

    def cancel_all(self, now: datetime) -> EngineEvents:
        states = []
        for order in self._orders.values():
            if order.status not in _DONE:
                order.status = OrderStatus.CANCELLED
                states.append(order.state())
        return EngineEvents(orders=tuple(states))

    def what_if(self, req: OrderRequest, now: datetime) -> WhatIf:
        req = self.validate(req)
        q = self._quote(req.instrument, now)
        touch = q.ask if req.action == "BUY" else q.bid
        price = touch
        if req.lmt_price is not None and req.order_type in ("LMT", "STP LMT"):
            price = min(touch, req.lmt_price) if req.action == "BUY" else max(touch, req.lmt_price)
        price = price or req.lmt_price or req.aux_price or q.last
        fee = commission(self._settings, req.instrument, req.total_qty, req.total_qty * price)
        book = self._ledger.book(req.account)
        marks = self._marks(now)
        before = book.metrics(marks)
        after_book = book.clone()
        signed = req.total_qty if req.action == "BUY" else -req.total_qty
        after_book.apply_fill(req.instrument, signed, price, fee)
        after = after_book.metrics(marks)
        return WhatIf(
            init_margin_before=round(before.init_margin, 2),
            maint_margin_before=round(before.maint_margin, 2),
            equity_with_loan_before=round(before.equity_with_loan, 2),
            init_margin_change=round(after.init_margin - before.init_margin, 2),
            maint_margin_change=round(after.maint_margin - before.maint_margin, 2),
            equity_with_loan_change=round(after.equity_with_loan - before.equity_with_loan, 2),
            init_margin_after=round(after.init_margin, 2),
            maint_margin_after=round(after.maint_margin, 2),
            equity_with_loan_after=round(after.equity_with_loan, 2),
            commission=fee,
            min_commission=fee,
            max_commission=fee,
        )

    # -- matching ------------------------------------------------------------------------
    def match(self, now: datetime) -> EngineEvents:
        states: list[OrderState] = []
        fills: list[Execution] = []
        live = [o for o in self._orders.values() if o.status not in _DONE]
        self._match_orders(live, now, states, fills)
        return self._events(states, fills)

    def _resting_status(self, order: _Order, now: datetime) -> OrderStatus:
        stop_waiting = order.req.order_type.startswith("STP") and not order.triggered
        if stop_waiting or not self._can_trade(order.req, now):
            return OrderStatus.PRE_SUBMITTED
        return OrderStatus.SUBMITTED

    def _match_orders(
        self, orders: list[_Order], now: datetime, states: list[OrderState], fills: list[Execution]
    ) -> None:
        shown: dict[tuple[int, str], float] = {}
        for order in orders:
            req = order.req
            if not self._can_trade(req, now):
                continue
            q = self._quote(req.instrument, now)
            buy = req.action == "BUY"
            if req.order_type.startswith("STP") and not order.triggered:
                stop = req.aux_price or 0.0
                if not (q.last >= stop if buy else q.last <= stop):
                    continue
                order.triggered = True
                order.status = OrderStatus.SUBMITTED
                states.append(order.state())
            price = q.ask if buy else q.bid
            if price <= 0:
                continue
            if req.order_type in ("LMT", "STP LMT"):
                limit = req.lmt_price or 0.0
                if (buy and price > limit) or (not buy and price < limit):
                    if order.status != OrderStatus.SUBMITTED:
                        order.status = OrderStatus.SUBMITTED
                        states.append(order.state())
                    continue
            side_key = (req.instrument.con_id, req.action)
            available = shown.get(side_key, float(q.ask_size if buy else q.bid_size))
            remaining = req.total_qty - order.filled
            qty = min(remaining, available) if self._settings.partial_fills else remaining
            if qty <= 0:
                continue
            shown[side_key] = available - qty
            fills.append(self._fill(order, qty, price, now))
            states.append(order.state())

    def _fill(self, order: _Order, qty: float, price: float, now: datetime) -> Execution:
        req = order.req
        order.filled += qty
        order.value += qty * price
        order.last_price = price
        mult = multiplier(req.instrument)
        total_fee = commission(self._settings, req.instrument, order.filled, order.value * mult)
        fee = round(total_fee - order.fees, 4)
        order.fees = total_fee
        signed = qty if req.action == "BUY" else -qty
        realized = self._ledger.book(req.account).apply_fill(req.instrument, signed, price, fee)
        if order.filled >= req.total_qty - 1e-9:
            order.status = OrderStatus.FILLED
        else:
            order.status = OrderStatus.SUBMITTED
        self._exec_seq += 1
        execution = Execution(
            exec_id=f"{self._exec_prefix:08x}.{self._exec_seq:08x}.01.01",
            order_id=req.order_id,
            client_id=req.client_id,
            perm_id=order.perm_id,
            instrument=req.instrument,
            account=req.account,
            side="BOT" if req.action == "BUY" else "SLD",
            shares=qty,
            price=price,
            time=now,
            cum_qty=order.filled,
            avg_price=round(order.value / order.filled, 6),
            order_ref=req.order_ref,
            commission=fee,
            realized_pnl=realized,
        )
        self._executions.append(execution)
        return execution

    def _marks(self, now: datetime) -> Marks:
        return lambda inst: self._quote(inst, now).last

    @staticmethod
    def _events(states: list[OrderState], fills: list[Execution]) -> EngineEvents:
        accounts = frozenset(e.account for e in fills)
        return EngineEvents(
            orders=tuple(states), executions=tuple(fills), accounts_changed=accounts
        )

    # -- queries -------------------------------------------------------------------------
    def open_orders(self, client_id: int | None = None) -> list[OrderState]:
        return [
            o.state()
            for o in self._orders.values()
            if o.status not in _DONE and (client_id is None or o.req.client_id == client_id)
        ]

    def completed_orders(self) -> list[OrderState]:
        return [o.state() for o in self._orders.values() if o.status in _DONE]

    def executions(self) -> list[Execution]:
        return list(self._executions)
