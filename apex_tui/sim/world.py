"""The simulated world behind the gateway simulator: instruments, quotes, history, orders.

Plain synchronous Python: the protocol server calls it on every tick and request. Everything is
a pure function of (seed, instrument, time) except the order book and accounts, which change
only through `place`, `cancel`, `cancel_all` and `match`. Quotes and bars of options are priced
from their underlying's path. Sizes are in shares (multiples of 100) for stocks and in
contracts for options.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import numpy as np

from apex_tui.domain.clock import Clock, SystemClock
from apex_tui.sim.calendar import Session, ib_hours, nyse_sessions
from apex_tui.sim.history import History, RowView
from apex_tui.sim.ledger import Ledger
from apex_tui.sim.matching import MatchingEngine, OrderRejected
from apex_tui.sim.model import (
    AccountValue,
    Bar,
    EngineEvents,
    Execution,
    Instrument,
    OptionParams,
    OrderRequest,
    OrderState,
    PortfolioItem,
    Quote,
    SecType,
    WhatIf,
)
from apex_tui.sim.options import OPT_TICK, OptionChains, today_eastern
from apex_tui.sim.prices import FloatArray, IntArray, PathCache, SymbolPrices
from apex_tui.sim.quotes import LiveQuotes
from apex_tui.sim.settings import WorldSettings
from apex_tui.sim.ticks import STOCK_TICK, spread_ticks
from apex_tui.sim.universe import Profile, profiles_for

__all__ = ["OrderRejected", "World", "WorldSettings"]

_HOURS_DAYS = 9  # today and the next full trading week
SpreadFn = Callable[[IntArray, Session], FloatArray]
_EXCHANGE_ALIASES = {"ISLAND": "NASDAQ", "NYSEARCA": "ARCA", "NASDAQ.NMS": "NASDAQ"}


def _stock(p: Profile, trading_hours: str, liquid_hours: str) -> Instrument:
    return Instrument(
        con_id=p.con_id,
        symbol=p.symbol,
        sec_type=SecType.STK,
        primary_exchange=p.exchange,
        local_symbol=p.symbol,
        trading_class="NMS" if p.exchange == "NASDAQ" else p.symbol,
        min_tick=STOCK_TICK,
        long_name=p.long_name,
        industry=p.industry,
        category=p.category,
        subcategory=p.subcategory,
        trading_hours=trading_hours,
        liquid_hours=liquid_hours,
    )


class World:
    """The simulator's market and broker, deterministic for a given `WorldSettings.seed`."""

    def __init__(self, settings: WorldSettings, *, clock: Clock | None = None) -> None:
        self.settings = settings
        self.accounts: tuple[str, ...] = settings.accounts
        self._clock = clock or SystemClock()
        self._cal = nyse_sessions()
        self._cache = PathCache()
        profiles = profiles_for(settings.symbols)
        self._prices = {s: SymbolPrices(settings.seed, p, self._cal) for s, p in profiles.items()}
        trading, liquid = ib_hours(today_eastern(self._clock.now()), _HOURS_DAYS)
        self._stocks = {s: _stock(p, trading, liquid) for s, p in profiles.items()}
        self._by_con_id = {i.con_id: i for i in self._stocks.values()}
        self._live = LiveQuotes(
            settings.seed,
            self._cal,
            self._cache,
            settings.tick_ms,
            always_open=settings.market_hours != "exchange",
        )
        self._history = History(self._cal, self._cache)
        self._chains = OptionChains(
            list(self._stocks.values()),
            ref_prices={s: p.price for s, p in profiles.items()},
            vols={s: p.vol for s, p in profiles.items()},
            sessions=self._cal,
        )
        self._ledger = Ledger(settings.accounts, settings.starting_cash)
        self._engine = MatchingEngine(settings, self._ledger, self.quote, self._can_trade)

    # -- contracts -----------------------------------------------------------------------
    def find(
        self,
        symbol: str,
        sec_type: str,
        *,
        con_id: int = 0,
        expiry: str = "",
        strike: float = 0.0,
        right: str = "",
        exchange: str = "",
        currency: str = "",
    ) -> list[Instrument]:
        """Contracts matching a (partial) description, like reqContractDetails."""
        if currency and currency.upper() != "USD":
            return []
        symbol, kind = symbol.strip().upper(), sec_type.strip().upper()
        if con_id:
            inst = self.by_con_id(con_id)
            if (
                inst is None
                or (symbol and inst.symbol != symbol)
                or kind not in ("", inst.sec_type)
            ):
                return []
            return [inst] if self._exchange_ok(inst, exchange) else []
        under = self._stocks.get(symbol)
        if under is None or not self._exchange_ok(under, exchange):
            return []
        if kind in ("", "STK"):
            return [under]
        if kind != "OPT":
            return []
        now = self._clock.now()
        spot = self._live.path_price(self._prices[symbol], now.timestamp())
        return self._chains.find(
            under, spot, today_eastern(now), expiry=expiry, strike=strike, right=right
        )

    @staticmethod
    def _exchange_ok(inst: Instrument, exchange: str) -> bool:
        ex = exchange.strip().upper()
        ex = _EXCHANGE_ALIASES.get(ex, ex)
        return ex in ("", "SMART", inst.exchange) or (
            bool(inst.primary_exchange) and ex == inst.primary_exchange
        )

    def by_con_id(self, con_id: int) -> Instrument | None:
        return self._by_con_id.get(con_id) or self._chains.by_con_id(con_id)

    def option_params(self, underlying_symbol: str, underlying_con_id: int) -> list[OptionParams]:
        under = self._stocks.get(underlying_symbol.strip().upper())
        if under is None and underlying_con_id:
            found = self._by_con_id.get(underlying_con_id)
            under = found if found is not None and found.sec_type == SecType.STK else None
        if under is None or (underlying_con_id and under.con_id != underlying_con_id):
            return []
        now = self._clock.now()
        spot = self._live.path_price(self._prices[under.symbol], now.timestamp())
        return [self._chains.params(under, spot, today_eastern(now))]

    # -- market data ---------------------------------------------------------------------
    def quote(self, inst: Instrument, now: datetime) -> Quote:
        t = now.timestamp()
        if inst.sec_type == SecType.OPT:
            sym = self._prices[inst.underlying_symbol]
            under = self._live.quote(sym, t)
            spot = self._live.path_price(sym, t)
            return self._chains.quote(inst, spot, under, t, int(t * 1000) // self.settings.tick_ms)
        return self._live.quote(self._prices[inst.symbol], t)

    def market_open(self, inst: Instrument, now: datetime) -> bool:
        if self.settings.market_hours != "exchange":
            return True
        t = now.timestamp()
        i = self._cal.containing(t)
        if i is None:
            return False
        s = self._cal.all[i]
        return inst.sec_type != SecType.OPT or s.rth_open <= t < s.rth_close

    def _can_trade(self, req: OrderRequest, now: datetime) -> bool:
        if self.settings.market_hours != "exchange":
            return True
        if not self.market_open(req.instrument, now):
            return False
        if req.outside_rth and req.instrument.sec_type == SecType.STK:
            return True
        t = now.timestamp()
        s = self._cal.all[self._cal.last_started(t)]
        return s.rth_open <= t < s.rth_close

    def bars(
        self,
        inst: Instrument,
        *,
        end: datetime,
        duration: str,
        bar_size: str,
        what_to_show: str,
        use_rth: bool,
    ) -> list[Bar]:
        """History bars; raises HistoryRequestError for an invalid request."""
        if inst.sec_type == SecType.OPT:
            sym = self._prices[inst.underlying_symbol]
            view = RowView(
                f"opt{inst.con_id}", OPT_TICK, _fixed_spread(2.0), self._chains.mapping(inst)
            )
            use_rth = True  # options trade regular hours only
        else:
            sym = self._prices[inst.symbol]
            view = RowView("stk", STOCK_TICK, _stock_spread(sym.profile))
        return self._history.bars(
            sym,
            view,
            end=end,
            duration=duration,
            bar_size=bar_size,
            what_to_show=what_to_show,
            use_rth=use_rth,
        )

    # -- orders --------------------------------------------------------------------------
    def place(self, req: OrderRequest, now: datetime) -> EngineEvents:
        return self._engine.place(req, now)

    def what_if(self, req: OrderRequest, now: datetime) -> WhatIf:
        return self._engine.what_if(req, now)

    def cancel(self, order_id: int, client_id: int, now: datetime) -> EngineEvents:
        return self._engine.cancel(order_id, client_id, now)

    def cancel_all(self, now: datetime) -> EngineEvents:
        return self._engine.cancel_all(now)

    def match(self, now: datetime) -> EngineEvents:
        return self._engine.match(now)

    def open_orders(self, client_id: int | None = None) -> list[OrderState]:
        return self._engine.open_orders(client_id)

    def completed_orders(self) -> list[OrderState]:
        return self._engine.completed_orders()

    def executions(
        self,
        *,
        client_id: int = 0,
        account: str = "",
        since: datetime | None = None,
        symbol: str = "",
        sec_type: str = "",
        side: str = "",
    ) -> list[Execution]:
        """Fills matching IB's ExecutionFilter (empty / zero fields match everything)."""
        want_side = {"BUY": "BOT", "SELL": "SLD"}.get(side.upper(), side.upper())
        return [
            e
            for e in self._engine.executions()
            if (not client_id or e.client_id == client_id)
            and (not account or e.account == account)
            and (since is None or e.time >= since)
            and (not symbol or e.instrument.symbol == symbol.upper())
            and (not sec_type or e.instrument.sec_type == sec_type.upper())
            and (not want_side or e.side == want_side)
        ]

    # -- accounts ------------------------------------------------------------------------
    def positions(self) -> list[tuple[str, PortfolioItem]]:
        now = self._clock.now()
        return [(a, item) for a in self.accounts for item in self.portfolio(a, now)]

    def portfolio(self, account: str, now: datetime) -> list[PortfolioItem]:
        return self._ledger.book(account).items(lambda inst: self.quote(inst, now).last)

    def account_values(self, account: str, now: datetime) -> list[AccountValue]:
        return self._ledger.book(account).values(lambda inst: self.quote(inst, now).last)


def _stock_spread(profile: Profile) -> SpreadFn:
    regular, extended = float(spread_ticks(profile, True)), float(spread_ticks(profile, False))

    def spread(t: IntArray, s: Session) -> FloatArray:
        inside = (t >= s.rth_open) & (t < s.rth_close)
        out: FloatArray = np.where(inside, regular, extended)
        return out

    return spread


def _fixed_spread(k: float) -> SpreadFn:
    def spread(t: IntArray, s: Session) -> FloatArray:
        return np.full(len(t), k)

    return spread
