"""The OrderGateway over ib_async: place (orderRef = proposal id), cancel, global cancel, whatIf.

Broker events about our orders come back as domain OrderEvent records through `on_event`
(the OrderManager's `on_event`); Trade objects never leave this module.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import structlog
from ib_async import IB, LimitOrder, MarketOrder, Order

from apex_tui.broker.errors import is_warning
from apex_tui.broker.requests import bounded
from apex_tui.broker.subscriptions import Subscriptions
from apex_tui.domain.clock import Clock, SystemClock
from apex_tui.domain.errors import BrokerError
from apex_tui.domain.orders import (
    Fill,
    OrderEvent,
    OrderEventKind,
    OrderSpec,
    OrderType,
    Side,
    WhatIf,
)

log = structlog.get_logger(__name__)

_ACCEPTED = frozenset({"PreSubmitted", "Submitted"})
_CANCELLED = frozenset({"Cancelled", "ApiCancelled"})
_CANCEL_REFUSED = frozenset({161, 10148})  # cannot cancel: not cancellable / already done
_ORDER_CANCELED = 202


def _float(text: Any) -> float:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return math.nan
    return math.nan if value >= 1.7e308 else value


class IbOrderGateway:
    """Implements apex_tui.orders.manager.OrderGateway against the IB session."""

    def __init__(
        self,
        ib: IB,
        subscriptions: Subscriptions,
        *,
        on_event: Callable[[OrderEvent], object],
        what_if_timeout: float,
        read_only: bool = False,
        clock: Clock | None = None,
    ) -> None:
        self._ib = ib
        self._subs = subscriptions
        self._on_event = on_event
        self._what_if_timeout = what_if_timeout
        self._read_only = read_only
        self._clock = clock or SystemClock()
        self._orders: dict[int, Order] = {}  # orderId -> the Order we sent
        self._refs: dict[int, str] = {}  # orderId -> orderRef (proposal id)
        self._last_status: dict[int, str] = {}
        ib.orderStatusEvent += self._on_status
        ib.execDetailsEvent += self._on_exec
        ib.errorEvent += self._on_error

    # -- OrderGateway ------------------------------------------------------------------------

    async def _contract(self, spec: OrderSpec) -> Any:
        return await self._subs.qualify(spec.symbol)

    @staticmethod
    def _order(spec: OrderSpec) -> Order:
        qty = spec.qty
        order: Order
        if spec.order_type is OrderType.LMT:
            assert spec.limit_price is not None  # OrderSpec guarantees it
            order = LimitOrder(spec.side.value, qty, spec.limit_price)
        else:
            order = MarketOrder(spec.side.value, qty)
        order.orderRef = spec.order_ref
        order.tif = spec.tif.value
        return order

    def _check_can_send(self) -> None:
        if self._read_only:
            raise BrokerError("the connection is read-only: order not sent", retryable=False)
        if not self._ib.isConnected():
            raise BrokerError("not connected to the gateway: order not sent", retryable=False)

    async def place(self, order: OrderSpec) -> str:
        """Send the order; returns IB's orderId as text."""
        self._check_can_send()
        contract = await self._contract(order)
        self._check_can_send()  # the connection may have dropped while qualifying
        ib_order = self._order(order)
        trade = self._ib.placeOrder(contract, ib_order)
        order_id = int(trade.order.orderId)
        self._orders[order_id] = trade.order
        self._refs[order_id] = order.order_ref
        log.info("order_placed", order_ref=order.order_ref, order_id=order_id)
        return str(order_id)

    async def cancel(self, broker_ref: str) -> None:
        order_id = int(broker_ref)
        order = self._orders.get(order_id)
        if order is None:
            matches = [t.order for t in self._ib.openTrades() if t.order.orderId == order_id]
            order = matches[0] if matches else None
        if order is None:
            raise BrokerError(f"no open order {broker_ref} at the broker", retryable=False)
        if not self._ib.isConnected():
            raise BrokerError("not connected to the gateway: cancel not sent", retryable=True)
        self._ib.cancelOrder(order)

    async def global_cancel(self) -> None:
        if not self._ib.isConnected():
            raise BrokerError("not connected to the gateway: global cancel not sent")
        self._ib.reqGlobalCancel()  # type: ignore[no-untyped-call]

    async def what_if(self, order: OrderSpec) -> WhatIf:
        if not self._ib.isConnected():
            raise BrokerError("not connected to the gateway", retryable=True)
        contract = await self._contract(order)
        state = await bounded(
            self._ib.whatIfOrderAsync(contract, self._order(order)),
            seconds=self._what_if_timeout,
            what=f"what-if for {order.symbol}",
        )
        return WhatIf(
            init_margin_change=_float(state.initMarginChange),
            maint_margin_change=_float(state.maintMarginChange),
            equity_with_loan_change=_float(state.equityWithLoanChange),
            commission=_float(state.commission),
            currency=state.commissionCurrency or "USD",
            warning=state.warningText or "",
        )

    # -- events -> OrderEvent ----------------------------------------------------------------

    def _ref_of(self, trade: Any) -> str:
        return str(trade.order.orderRef or self._refs.get(int(trade.order.orderId), ""))

    def _emit(self, kind: OrderEventKind, trade: Any, **kw: Any) -> None:
        self._on_event(
            OrderEvent(
                kind=kind,
                order_ref=self._ref_of(trade),
                time=self._clock.now(),
                broker_ref=str(trade.order.orderId),
                **kw,
            )
        )

    def _on_status(self, trade: Any) -> None:
        status = str(trade.orderStatus.status)
        order_id = int(trade.order.orderId)
        if trade.log and trade.log[-1].errorCode:
            return  # synthesized by ib_async from an error; `_on_error` reports it
        if self._last_status.get(order_id) == status:
            return
        self._last_status[order_id] = status
        if status in _ACCEPTED:
            self._emit(OrderEventKind.ACCEPTED, trade)
        elif status in _CANCELLED:
            self._emit(OrderEventKind.CANCELLED, trade, reason=status)
        elif status == "Inactive":
            self._emit(OrderEventKind.REJECTED, trade, reason="order inactive at the broker")

    def _on_exec(self, trade: Any, fill: Any) -> None:
        ex = fill.execution
        domain_fill = Fill(
            order_ref=self._ref_of(trade),
            exec_id=str(ex.execId),
            symbol=str(fill.contract.symbol),
            side=Side.BUY if ex.side == "BOT" else Side.SELL,
            qty=float(ex.shares),
            price=float(ex.price),
            time=self._clock.now(),
        )
        self._emit(OrderEventKind.FILL, trade, fill=domain_fill)

    def _on_error(self, req_id: int, code: int, message: str, _contract: Any) -> None:
        if req_id <= 0 or is_warning(code):
            return
        trade = next((t for t in self._ib.trades() if int(t.order.orderId) == req_id), None)
        if trade is None or (req_id not in self._refs and not trade.order.orderRef):
            return
        if code == _ORDER_CANCELED:
            if self._last_status.get(req_id) in _CANCELLED:
                return  # the orderStatus already reported it
            self._last_status[req_id] = "Cancelled"
            self._emit(OrderEventKind.CANCELLED, trade, reason=message, code=code)
        elif code in _CANCEL_REFUSED:
            self._emit(OrderEventKind.CANCEL_FAILED, trade, reason=message, code=code)
        else:
            self._last_status[req_id] = "Rejected"
            self._emit(OrderEventKind.REJECTED, trade, reason=message, code=code)
