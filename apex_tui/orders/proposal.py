"""Proposals: an order the trader may approve, sized by the risk settings, with its reference
quote, an expiry and where it came from."""

from __future__ import annotations

import dataclasses
import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from apex_tui.domain.clock import Clock
from apex_tui.domain.errors import ValidationError
from apex_tui.domain.orders import OrderSpec, OrderType, SecType, Side, TimeInForce, round_to_tick
from apex_tui.domain.quotes import Quote
from apex_tui.domain.symbols import validate_symbol
from apex_tui.orders.settings import OrdersSettings
from apex_tui.risk.settings import RiskSettings
from apex_tui.risk.views import reference_price

MANUAL = "manual"  # generator name of proposals typed on the command line


@dataclass(frozen=True, slots=True)
class Provenance:
    """Which generator proposed the order and why (for the approval card and shadow P&L)."""

    generator: str
    signal_id: str = ""
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Proposal:
    """One proposed order. Its `id` becomes the order's reference: one proposal, one order."""

    id: str
    symbol: str
    side: Side
    qty: float
    order_type: OrderType
    limit_price: float | None
    tif: TimeInForce
    reference: Quote
    created_at: datetime
    expires_at: datetime
    provenance: Provenance
    tick_size: float = 0.01
    sec_type: SecType = SecType.STK

    def order_spec(self) -> OrderSpec:
        return OrderSpec(
            symbol=self.symbol,
            side=self.side,
            qty=self.qty,
            order_type=self.order_type,
            order_ref=self.id,
            limit_price=self.limit_price,
            tif=self.tif,
            sec_type=self.sec_type,
        )

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at

    def seconds_left(self, now: datetime) -> float:
        return max(0.0, (self.expires_at - now).total_seconds())

    @property
    def reference_price(self) -> float:
        return reference_price(self.reference)

    def edited(self, *, qty: float | None = None, limit_price: float | None = None) -> Proposal:
        """The same proposal (same id, same expiry) with a new quantity or limit price."""
        new_qty = self.qty if qty is None else _whole_qty(qty)
        new_price = self.limit_price
        if limit_price is not None:
            if self.order_type is not OrderType.LMT:
                raise ValidationError("only a limit order has a price to edit")
            new_price = _limit_on_grid(limit_price, self.tick_size)
        return dataclasses.replace(self, qty=new_qty, limit_price=new_price)


def new_proposal_id() -> str:
    """A short random id; IB carries it verbatim as the order's `orderRef`."""
    return "P" + uuid.uuid4().hex[:15]


def _whole_qty(qty: float) -> float:
    if not (math.isfinite(qty) and qty >= 1 and qty == int(qty)):
        raise ValidationError(f"quantity must be a whole number of at least 1, got {qty}")
    return float(qty)


def _limit_on_grid(price: float, tick: float) -> float:
    if not (math.isfinite(price) and price > 0):
        raise ValidationError(f"limit price must be positive, got {price}")
    on_grid = round_to_tick(price, tick)
    if abs(on_grid - price) > tick * 1e-6:
        raise ValidationError(f"limit price {price} is not a multiple of the tick size {tick}")
    return on_grid


def size_quantity(settings: RiskSettings, price: float, volatility: float | None = None) -> float:
    """Whole-share quantity from the sizing rule, capped by the per-order qty and value limits."""
    if not (math.isfinite(price) and price > 0):
        raise ValidationError("cannot size an order without a positive price")
    if settings.sizing == "volatility":
        if volatility is None or not (math.isfinite(volatility) and volatility > 0):
            raise ValidationError("volatility sizing needs the symbol's volatility (price units)")
        raw = settings.risk_per_trade / volatility
    else:
        raw = settings.fixed_notional / price
    # A hair of slack so 10_000 / 100.0 stays 100 and does not floor to 99 on float noise.
    qty = math.floor(raw + 1e-9)
    qty = min(qty, math.floor(settings.max_order_qty + 1e-9))
    qty = min(qty, math.floor(settings.max_order_notional / price + 1e-9))
    if qty < 1:
        raise ValidationError(f"sizing gives less than one share at {price:,.2f}")
    return float(qty)


class ProposalFactory:
    """Builds proposals from signals or commands, stamping ids, expiry and the limit price."""

    def __init__(
        self,
        risk: RiskSettings,
        orders: OrdersSettings,
        clock: Clock,
        new_id: Callable[[], str] = new_proposal_id,
    ) -> None:
        self._risk = risk
        self._orders = orders
        self._clock = clock
        self._new_id = new_id

    def reconfigure(self, risk: RiskSettings) -> None:
        """New sizing settings (config hot reload) for proposals made from now on."""
        self._risk = risk

    def propose(
        self,
        symbol: str,
        side: Side,
        quote: Quote,
        provenance: Provenance,
        *,
        qty: float | None = None,
        order_type: OrderType | None = None,
        limit_price: float | None = None,
        volatility: float | None = None,
        tick_size: float | None = None,
        sec_type: SecType = SecType.STK,
    ) -> Proposal:
        """A proposal against `quote`; quantity and limit price are derived unless given."""
        sym = validate_symbol(symbol)
        if quote.symbol.upper() != sym:
            raise ValidationError(f"quote is for {quote.symbol!r}, not {sym!r}")
        tick = tick_size if tick_size is not None else self._risk.default_tick_size
        if not (math.isfinite(tick) and tick > 0):
            raise ValidationError(f"tick size must be positive, got {tick}")
        otype = order_type or OrderType.LMT
        if otype is OrderType.MKT and not self._risk.allow_market_orders:
            raise ValidationError("MKT orders are not allowed (risk.allow_market_orders = false)")
        if otype is OrderType.MKT and limit_price is not None:
            raise ValidationError("a market order takes no limit price")
        ref = reference_price(quote)
        if not math.isfinite(ref):
            raise ValidationError(f"no usable quote for {sym}: cannot propose against it")
        price: float | None = None
        if otype is OrderType.LMT:
            price = (
                _limit_on_grid(limit_price, tick)
                if limit_price is not None
                else self._offset_limit(ref, side, tick)
            )
        size = (
            _whole_qty(qty)
            if qty is not None
            else size_quantity(self._risk, price if price is not None else ref, volatility)
        )
        now = self._clock.now()
        return Proposal(
            id=self._new_id(),
            symbol=sym,
            side=side,
            qty=size,
            order_type=otype,
            limit_price=price,
            tif=TimeInForce(self._orders.default_tif),
            reference=quote,
            created_at=now,
            expires_at=now + timedelta(seconds=self._orders.proposal_expiry_s),
            provenance=provenance,
            tick_size=tick,
            sec_type=sec_type,
        )

    def propose_flatten(
        self,
        symbol: str,
        position_qty: float,
        quote: Quote,
        provenance: Provenance,
        *,
        tick_size: float | None = None,
    ) -> Proposal:
        """A proposal closing the whole position in `symbol` (still approved by the trader)."""
        if position_qty == 0:
            raise ValidationError(f"no position in {symbol} to flatten")
        side = Side.SELL if position_qty > 0 else Side.BUY
        return self.propose(
            symbol, side, quote, provenance, qty=abs(position_qty), tick_size=tick_size
        )

    def _offset_limit(self, ref: float, side: Side, tick: float) -> float:
        """Reference +/- offset, snapped toward the reference so the offset is never exceeded."""
        offset = ref * self._orders.limit_offset_bps / 10_000.0
        if side is Side.BUY:
            return round_to_tick(ref + offset, tick, up=False)
        return round_to_tick(ref - offset, tick, up=True)
