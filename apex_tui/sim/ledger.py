"""Cash, positions, P&L, commissions and margin of the simulated accounts.

IB conventions: a position's average cost includes the commissions that opened it, so the
realized P&L of a closing fill is net of both sides' commissions; `PortfolioItem.average_cost`
is per share for stocks and per contract (multiplier included) for options. Margin is a
simplified Reg T: 25 % of long and 30 % of short stock value, short options at their value
plus 20 % of the strike's notional, long options paid in full (and outside the loan value), so
BuyingPower is 4x the available funds.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field

from apex_tui.sim.model import AccountValue, Instrument, PortfolioItem, SecType
from apex_tui.sim.settings import WorldSettings

LONG_RATE, SHORT_RATE, SHORT_OPTION_RATE = 0.25, 0.30, 0.20
LEVERAGE = 4.0

Marks = Callable[[Instrument], float]


def multiplier(inst: Instrument) -> float:
    return float(inst.multiplier) if inst.multiplier else 1.0


def commission(settings: WorldSettings, inst: Instrument, qty: float, value: float) -> float:
    """IB fixed-rate commission for an order's cumulative quantity and trade value."""
    if inst.sec_type == SecType.OPT:
        return round(max(qty * settings.commission_per_contract, settings.commission_min), 4)
    raw = max(qty * settings.commission_per_share, settings.commission_min)
    return round(min(raw, settings.commission_max_pct * value), 4)


@dataclass(slots=True)
class Position:
    inst: Instrument
    qty: float = 0.0
    basis: float = 0.0  # signed cost of the open quantity, commissions included

    def avg_price(self) -> float:
        return self.basis / (self.qty * multiplier(self.inst)) if self.qty else 0.0


@dataclass(frozen=True, slots=True)
class Metrics:
    cash: float
    stock_value: float
    option_value: float
    long_option_value: float
    gross_value: float
    unrealized: float
    realized: float
    init_margin: float
    maint_margin: float

    @property
    def net_liq(self) -> float:
        return self.cash + self.stock_value + self.option_value

    @property
    def equity_with_loan(self) -> float:
        return self.net_liq - self.long_option_value


@dataclass(slots=True)
class Book:
    """One account."""

    account: str
    cash: float
    realized: float = 0.0
    positions: dict[int, Position] = field(default_factory=dict)
    realized_by: dict[int, float] = field(default_factory=dict)  # per conId, for updatePortfolio

    def clone(self) -> Book:
        return copy.deepcopy(self)

    def apply_fill(self, inst: Instrument, qty: float, price: float, fee: float) -> float:
        """Book a fill of signed `qty` at `price` with commission `fee`; returns the realized
        P&L (0.0 when the fill only opened or added)."""
        mult = multiplier(inst)
        self.cash -= qty * price * mult + fee
        pos = self.positions.setdefault(inst.con_id, Position(inst))
        realized = 0.0
        opening = qty
        if pos.qty and (pos.qty > 0) != (qty > 0):
            closed = min(abs(qty), abs(pos.qty))
            sign = 1.0 if pos.qty > 0 else -1.0
            fee_close = fee * closed / abs(qty)
            avg = pos.avg_price()
            realized = sign * (price - avg) * closed * mult - fee_close
            pos.basis -= sign * closed * avg * mult
            pos.qty -= sign * closed
            opening = qty + sign * closed
            fee -= fee_close
            self.realized += realized
            self.realized_by[inst.con_id] = self.realized_by.get(inst.con_id, 0.0) + realized
        if opening:
            pos.basis += opening * price * mult + fee
            pos.qty += opening
        if abs(pos.qty) < 1e-9:
            del self.positions[inst.con_id]
        return round(realized, 4)

    def items(self, marks: Marks) -> list[PortfolioItem]:
        out: list[PortfolioItem] = []
        for pos in self.positions.values():
            mult = multiplier(pos.inst)
            mark = marks(pos.inst)
            value = pos.qty * mark * mult
            out.append(
                PortfolioItem(
                    instrument=pos.inst,
                    position=pos.qty,
                    market_price=mark,
                    market_value=round(value, 2),
                    average_cost=round(pos.avg_price() * mult, 6),
                    unrealized_pnl=round(value - pos.basis, 2),
                    realized_pnl=round(self.realized_by.get(pos.inst.con_id, 0.0), 2),
                )
            )
        return out

    def metrics(self, marks: Marks) -> Metrics:
        stock = option = long_option = gross = unrealized = init = maint = 0.0
        for pos in self.positions.values():
            mult = multiplier(pos.inst)
            value = pos.qty * marks(pos.inst) * mult
            gross += abs(value)
            unrealized += value - pos.basis
            if pos.inst.sec_type == SecType.OPT:
                option += value
                if pos.qty > 0:
                    long_option += value
                else:
                    notional = abs(pos.qty) * pos.inst.strike * mult
                    req = abs(value) + SHORT_OPTION_RATE * notional
                    init += req
                    maint += req
            else:
                stock += value
                rate = LONG_RATE if pos.qty > 0 else SHORT_RATE
                init += rate * abs(value)
                maint += rate * abs(value)
        return Metrics(
            self.cash, stock, option, long_option, gross, unrealized, self.realized, init, maint
        )

    def values(self, marks: Marks, currency: str = "USD") -> list[AccountValue]:
        m = self.metrics(marks)
        available = m.equity_with_loan - m.init_margin
        excess = m.equity_with_loan - m.maint_margin
        money = {
            "NetLiquidation": m.net_liq,
            "TotalCashValue": m.cash,
            "SettledCash": m.cash,
            "CashBalance": m.cash,
            "BuyingPower": max(available, 0.0) * LEVERAGE,
            "AvailableFunds": available,
            "ExcessLiquidity": excess,
            "FullAvailableFunds": available,
            "FullExcessLiquidity": excess,
            "GrossPositionValue": m.gross_value,
            "StockMarketValue": m.stock_value,
            "OptionMarketValue": m.option_value,
            "InitMarginReq": m.init_margin,
            "MaintMarginReq": m.maint_margin,
            "FullInitMarginReq": m.init_margin,
            "FullMaintMarginReq": m.maint_margin,
            "EquityWithLoanValue": m.equity_with_loan,
            "UnrealizedPnL": m.unrealized,
            "RealizedPnL": m.realized,
        }
        out = [
            AccountValue("AccountCode", self.account, ""),
            AccountValue("AccountType", "INDIVIDUAL", ""),
            AccountValue("AccountReady", "true", ""),
            AccountValue("Currency", currency, currency),
            AccountValue("DayTradesRemaining", "-1", ""),
            AccountValue("Cushion", f"{excess / m.net_liq if m.net_liq else 0.0:.6f}", ""),
        ]
        out += [AccountValue(k, f"{v:.2f}", currency) for k, v in money.items()]
        return out


class Ledger:
    """All accounts of a World."""

    def __init__(self, accounts: tuple[str, ...], starting_cash: float) -> None:
        self.books = {a: Book(a, starting_cash) for a in accounts}

    def book(self, account: str) -> Book:
        return self.books[account]
