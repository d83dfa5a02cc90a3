"""Portfolio store: positions marked to the QuoteBook between broker updates, and the account strip.

Day P&L is realized P&L today plus each position's move from the previous close (when the
QuoteBook knows it, else from the average cost): exact for positions held overnight, an
approximation for positions opened today, which IB's own account updates do not split out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from apex_tui.domain.portfolio import AccountStrip, PositionView
from apex_tui.domain.quotes import Tick

# IB account-update tags feeding the strip.
_TAGS = {
    "NetLiquidation": "net_liquidation",
    "TotalCashValue": "cash",
    "BuyingPower": "buying_power",
}


@dataclass(slots=True)
class _Position:
    account: str
    qty: float
    avg_cost: float
    last: float
    multiplier: float
    realized_today: float
    close: float
    updated: datetime | None


class Portfolio:
    """Positions and account figures, with a version counter bumped on every change."""

    def __init__(self, *, currency: str = "USD") -> None:
        self._currency = currency
        self._positions: dict[str, _Position] = {}
        self._account: dict[str, float] = {}
        self._account_name = ""
        self._account_time: datetime | None = None
        self.version = 0
        self._opening: dict[str, float] = {}

    def update_position(
        self,
        symbol: str,
        *,
        account: str,
        qty: float,
        avg_cost: float,
        market_price: float = math.nan,
        multiplier: float = 1.0,
        realized: float = math.nan,
        time: datetime | None = None,
    ) -> None:
        """Apply a broker position or portfolio update; a zero quantity keeps realized P&L."""
        pos = self._positions.get(symbol)
        if pos is None:
            pos = self._positions[symbol] = _Position(
                account, qty, avg_cost, market_price, multiplier, 0.0, math.nan, time
            )
        pos.account, pos.qty, pos.avg_cost, pos.multiplier = account, qty, avg_cost, multiplier
        if not math.isnan(market_price) and market_price > 0:
            pos.last = market_price
            pos.updated = time
        if not math.isnan(realized):
            pos.realized_today = realized
        if qty == 0 and pos.realized_today == 0:
            del self._positions[symbol]
        self.version += 1

    def mark(self, symbol: str, last: float, time: datetime, close: float = math.nan) -> None:
        """Mark a position to the QuoteBook's last trade when it is newer than the broker's."""
        pos = self._positions.get(symbol)
        if pos is None or math.isnan(last):
            return
        if not math.isnan(close):
            pos.close = close
        if pos.updated is not None and time < pos.updated:
            return
        if last != pos.last:
            pos.last, pos.updated = last, time
            self.version += 1

    def mark_batch(self, ticks: Sequence[Tick], closes: Sequence[float]) -> None:
        """`mark` for one socket read's ticks; nothing to do (and no loop) without positions."""
        positions = self._positions
        if not positions:
            return
        for tick, close in zip(ticks, closes, strict=True):
            if tick.symbol in positions:
                self.mark(tick.symbol, tick.last, tick.time, close)

    def update_account(
        self, tag: str, value: str, currency: str, account: str, time: datetime | None = None
    ) -> None:
        """Apply one account-update value; tags the strip does not show are ignored."""
        field = _TAGS.get(tag)
        if field is None or currency != self._currency:
            return
        try:
            number = float(value)
        except ValueError:
            return
        self._account[field] = number
        self._account_name = account
        self._account_time = time
        self.version += 1

    def quantities(self) -> dict[str, float]:
        """Symbol -> quantity, for reconciliation."""
        return {s: p.qty for s, p in self._positions.items() if p.qty != 0}

    def positions(self) -> list[PositionView]:
        """Frozen views of every position, with % of net liquidation filled in."""
        net_liq = self._account.get("net_liquidation", math.nan)
        views: list[PositionView] = []
        for symbol, p in sorted(self._positions.items()):
            value = p.qty * p.last * p.multiplier
            pct = 100.0 * value / net_liq if net_liq and not math.isnan(net_liq) else math.nan
            views.append(
                PositionView(
                    symbol=symbol,
                    account=p.account,
                    qty=p.qty,
                    avg_cost=p.avg_cost,
                    last=p.last,
                    multiplier=p.multiplier,
                    realized_today=p.realized_today,
                    pct_net_liq=pct,
                    updated=p.updated,
                )
            )
        return views

    def start_session(self) -> None:
        """Remember the quantities held at the start of the session (after the first sync):
        only those moved from the previous close; what was bought today moved from its cost."""
        self._opening = {s: p.qty for s, p in self._positions.items()}

    def day_pnl(self) -> float:
        """Realized today, plus the move since the previous close of what was held at the
        session's start, plus the move since cost of what was opened today."""
        total = 0.0
        for symbol, p in self._positions.items():
            total += p.realized_today
            if not p.qty or math.isnan(p.last):
                continue
            held = self._opening.get(symbol, 0.0)
            # The part of the position carried overnight, same sign and at most its size.
            carried = held if held * p.qty > 0 and abs(held) <= abs(p.qty) else 0.0
            if carried and not math.isnan(p.close):
                total += carried * (p.last - p.close) * p.multiplier
            else:
                carried = 0.0
            total += (p.qty - carried) * (p.last - p.avg_cost) * p.multiplier
        return total

    def account(self) -> AccountStrip:
        """The account strip: net liquidation, cash, buying power, day P&L."""
        nan = math.nan
        return AccountStrip(
            account=self._account_name,
            net_liquidation=self._account.get("net_liquidation", nan),
            cash=self._account.get("cash", nan),
            buying_power=self._account.get("buying_power", nan),
            day_pnl=self.day_pnl() if self._positions else 0.0,
            currency=self._currency,
            updated=self._account_time,
        )

    def clear(self) -> None:
        """Forget everything (before a fresh sync after reconnecting)."""
        self._positions.clear()
        self.version += 1
