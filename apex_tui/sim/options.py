"""Option chains, contracts and Black-Scholes prices from the underlying's path.

Expiries are the next weekly Fridays plus the monthly third Fridays (the Thursday before when
the Friday is an exchange holiday); strikes sit on a grid whose step follows the price, within
30 % of the current price. An option's conId encodes (underlying, expiry week, strike, right)
below 2**31, so any conId a client kept from an earlier run resolves again. Quotes use one
implied-volatility smile for calls and puts, so put-call parity holds within the spread.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

import numpy as np

from apex_tui.sim.calendar import EASTERN, Sessions
from apex_tui.sim.history_rows import Rows
from apex_tui.sim.model import Instrument, OptionParams, Quote, SecType
from apex_tui.sim.prices import FloatArray, IntArray
from apex_tui.sim.seeding import mix64, stable_seed

OPT_BASE = 1 << 30
RATE = 0.04
_FRIDAY0 = date(2020, 1, 3)
_WEEKLIES = 5
_MONTHLIES = 4
_SQRT2 = math.sqrt(2.0)
_YEAR = 365.25 * 86_400
OPT_TICK = 0.01


def strike_step(price: float) -> float:
    """Strike grid step; at most 1023 steps span four times the price (10 bits of conId)."""
    for limit, step in ((25, 0.5), (100, 1.0), (250, 2.5), (1000, 5.0)):
        if price < limit:
            return step
    return 10.0


def smile(base_vol: float, spot: float, strike: float) -> float:
    """Implied volatility: a skewed smile in log-moneyness, the same for calls and puts."""
    m = math.log(strike / spot)
    return min(max(base_vol * (1.0 + 1.5 * m * m - 0.4 * m), 0.05), 3.0)


def _ncdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / _SQRT2))


def black_scholes(spot: float, strike: float, years: float, vol: float, call: bool) -> float:
    if years <= 0.0 or vol <= 0.0:
        return max(spot - strike, 0.0) if call else max(strike - spot, 0.0)
    sq = vol * math.sqrt(years)
    d1 = (math.log(spot / strike) + (RATE + 0.5 * vol * vol) * years) / sq
    d2 = d1 - sq
    disc = strike * math.exp(-RATE * years)
    if call:
        return spot * _ncdf(d1) - disc * _ncdf(d2)
    return disc * _ncdf(-d2) - spot * _ncdf(-d1)


def expiry_close(inst: Instrument) -> int:
    """Epoch second of the option's last trading moment (16:00 US/Eastern on its date)."""
    d = datetime.strptime(inst.last_trade_date, "%Y%m%d").date()
    return int(datetime.combine(d, time(16, 0), EASTERN).timestamp())


class OptionChains:
    """The option contracts of a universe's underlyings."""

    def __init__(
        self,
        underlyings: list[Instrument],
        *,
        ref_prices: dict[str, float],
        vols: dict[str, float],
        sessions: Sessions,
    ) -> None:
        self._und = underlyings[:256]  # the conId layout has room for 256 underlyings
        self._index = {u.symbol: k for k, u in enumerate(self._und)}
        self._ref = ref_prices
        self._vols = vols
        self._cal = sessions

    # -- chains --------------------------------------------------------------------------
    def _expiry_of_week(self, week: int) -> date:
        friday = _FRIDAY0 + timedelta(weeks=week)
        day = friday
        while self._cal.index_of_day(day) is None and day > friday - timedelta(days=4):
            day -= timedelta(days=1)  # a holiday Friday moves the expiry to the day before
        return day

    def weeks(self, today: date) -> list[int]:
        """Expiry week numbers: the next weeklies, then the next monthly third Fridays."""
        first = max((today - _FRIDAY0).days // 7, 0)
        if self._expiry_of_week(first) < today:
            first += 1
        out = list(range(first, first + _WEEKLIES))
        w = out[-1] + 1
        months = 0
        while months < _MONTHLIES and w < 1024:
            friday = _FRIDAY0 + timedelta(weeks=w)
            if 15 <= friday.day <= 21:
                out.append(w)
                months += 1
            w += 1
        return [w for w in out if w < 1024]

    def strikes(self, und: Instrument, spot: float) -> list[float]:
        step = strike_step(self._ref_price(und))
        lo = max(math.ceil(spot * 0.7 / step), 1)
        hi = min(math.floor(spot * 1.3 / step), 1023)
        return [round(k * step, 2) for k in range(lo, hi + 1)]

    def _ref_price(self, und: Instrument) -> float:
        # The grid step is fixed per underlying (from its profile price) so conIds stay stable.
        return self._ref[und.symbol]

    def params(self, und: Instrument, spot: float, today: date) -> OptionParams:
        return OptionParams(
            exchange="SMART",
            underlying_con_id=und.con_id,
            trading_class=und.symbol,
            multiplier="100",
            expirations=tuple(f"{self._expiry_of_week(w):%Y%m%d}" for w in self.weeks(today)),
            strikes=tuple(self.strikes(und, spot)),
        )

    # -- contracts -----------------------------------------------------------------------
    def contract(self, und: Instrument, week: int, strike_index: int, right: str) -> Instrument:
        k = self._index[und.symbol]
        step = strike_step(self._ref_price(und))
        strike = round(strike_index * step, 2)
        expiry = self._expiry_of_week(week)
        con_id = OPT_BASE | k << 21 | week << 11 | strike_index << 1 | (right == "P")
        occ = f"{und.symbol:<6}{expiry:%y%m%d}{right}{round(strike * 1000):08d}"
        return Instrument(
            con_id=con_id,
            symbol=und.symbol,
            sec_type=SecType.OPT,
            primary_exchange="",
            local_symbol=occ,
            trading_class=und.symbol,
            min_tick=OPT_TICK,
            multiplier="100",
            long_name=und.long_name,
            industry=und.industry,
            category=und.category,
            subcategory=und.subcategory,
            trading_hours=und.liquid_hours,
            liquid_hours=und.liquid_hours,
            last_trade_date=f"{expiry:%Y%m%d}",
            strike=strike,
            right=right,
            underlying_con_id=und.con_id,
            underlying_symbol=und.symbol,
        )

    def by_con_id(self, con_id: int) -> Instrument | None:
        if not OPT_BASE <= con_id < OPT_BASE << 1:
            return None
        k, week = (con_id >> 21) & 0xFF, (con_id >> 11) & 0x3FF
        strike_index, put = (con_id >> 1) & 0x3FF, con_id & 1
        if k >= len(self._und) or strike_index == 0:
            return None
        return self.contract(self._und[k], week, strike_index, "P" if put else "C")

    def find(
        self, und: Instrument, spot: float, today: date, *, expiry: str, strike: float, right: str
    ) -> list[Instrument]:
        """Contracts of the current chain matching the filters (an empty filter matches all;
        a 6-digit expiry matches the month)."""
        if und.symbol not in self._index:
            return []
        right = {"CALL": "C", "PUT": "P"}.get(right.upper(), right.upper())
        step = strike_step(self._ref_price(und))
        if strike:
            grid = (
                [round(strike / step)] if abs(strike / step - round(strike / step)) < 1e-6 else []
            )
        else:
            grid = [round(s / step) for s in self.strikes(und, spot)]
        out: list[Instrument] = []
        for w in self.weeks(today):
            if expiry and not f"{self._expiry_of_week(w):%Y%m%d}".startswith(expiry):
                continue
            for si in grid:
                if not 0 < si < 1024:
                    continue
                for r in ("C", "P"):
                    if not right or right == r:
                        out.append(self.contract(und, w, si, r))
        return out

    # -- prices --------------------------------------------------------------------------
    def theo(self, inst: Instrument, spot: float, t: float) -> float:
        years = (expiry_close(inst) - t) / _YEAR
        vol = smile(self._vols[inst.underlying_symbol], spot, inst.strike)
        return black_scholes(spot, inst.strike, years, vol, inst.right == "C")

    def quote(self, inst: Instrument, spot: float, und: Quote, t: float, tick_n: int) -> Quote:
        theo = self.theo(inst, spot, t)
        half = max(0.01, 0.015 * theo)
        bid = max(math.floor((theo - half) / OPT_TICK + 1e-9), 0) * OPT_TICK
        ask = max(math.ceil((theo + half) / OPT_TICK - 1e-9), 1) * OPT_TICK
        key = stable_seed("option sizes", inst.con_id)
        call = inst.right == "C"
        at_open = self.theo(inst, und.open, t)
        hi = self.theo(inst, und.high if call else und.low, t)
        lo = self.theo(inst, und.low if call else und.high, t)
        moneyness = abs(math.log(inst.strike / spot))
        return Quote(
            bid=round(bid, 2),
            ask=round(ask, 2),
            last=max(round(round(theo / OPT_TICK) * OPT_TICK, 2), OPT_TICK),
            bid_size=1 + mix64(key ^ (2 * tick_n)) % 50,
            ask_size=1 + mix64(key ^ (2 * tick_n + 1)) % 50,
            last_size=1 + mix64(key ^ (int(t) + 7919)) % 10,
            volume=int(und.volume * 0.002 * math.exp(-10.0 * moneyness)),
            open=max(round(at_open, 2), OPT_TICK),
            high=max(round(max(hi, theo, at_open), 2), OPT_TICK),
            low=max(round(min(lo, theo, at_open), 2), OPT_TICK),
            close=max(round(self.theo(inst, und.close, t - 86_400), 2), OPT_TICK),
        )

    def mapping(self, inst: Instrument) -> Callable[[Rows], Rows]:
        """Underlying path rows to option rows (for history): prices through Black-Scholes."""
        call = inst.right == "C"
        strike = inst.strike
        exp = expiry_close(inst)
        vol_base = self._vols[inst.underlying_symbol]

        def price(spots: FloatArray, times: IntArray) -> FloatArray:
            vals = [
                black_scholes(s, strike, (exp - tt) / _YEAR, smile(vol_base, s, strike), call)
                for s, tt in zip(spots.tolist(), times.tolist(), strict=True)
            ]
            return np.array(vals, dtype=np.float64)

        def apply(rows: Rows) -> Rows:
            t = rows.time
            hi, lo = (rows.high, rows.low) if call else (rows.low, rows.high)
            scale = np.exp(-10.0 * np.abs(np.log(strike / rows.close))) * 0.002
            return Rows(
                t,
                price(rows.open, t),
                price(hi, t),
                price(lo, t),
                price(rows.close, t),
                np.rint(rows.volume * scale),
            )

        return apply


def today_eastern(now: datetime) -> date:
    return now.astimezone(EASTERN).date()
