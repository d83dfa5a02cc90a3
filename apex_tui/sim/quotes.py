"""Live quotes: the path at one-second resolution turned into a top of book, fast.

`quote()` is called for every subscribed symbol every tick, so each symbol keeps the second
path of its current minute; within that minute a quote costs a few list lookups. Prices move
once a second (a quote at t shows the path at the start of t's second, which is where the
one-second bars say the price was); displayed sizes change every tick.
"""

from __future__ import annotations

from dataclasses import dataclass

from apex_tui.sim.calendar import Sessions
from apex_tui.sim.model import Quote
from apex_tui.sim.prices import MinutePath, PathCache, SecondPath, SymbolPrices
from apex_tui.sim.seeding import mix64, stable_seed
from apex_tui.sim.ticks import (
    LOT,
    STOCK_TICK,
    bid_ticks,
    decimals,
    last_ticks,
    max_lots,
    size_lots,
    spread_ticks,
)


@dataclass(slots=True)
class _Minute:
    """What a symbol needs to quote any instant of one minute (or of a frozen stretch)."""

    start: int
    end: int
    prices: tuple[float, ...]
    run_high: list[float]
    run_low: list[float]
    cum_volume: list[int]
    open: float
    close: float
    spread: int
    lots: int
    size_key: int
    frozen: Quote | None = None


class LiveQuotes:
    """Quotes for the stocks of one World."""

    def __init__(
        self,
        seed: int,
        sessions: Sessions,
        cache: PathCache,
        tick_ms: int,
        *,
        always_open: bool,
    ) -> None:
        self._seed = seed
        self._sessions = sessions
        self._cache = cache
        self._tick_ms = max(tick_ms, 1)
        self._always = always_open
        self._state: dict[str, _Minute] = {}

    def path_price(self, sym: SymbolPrices, t: float) -> float:
        """The unrounded path price at instant t (what options are priced from)."""
        st = self._minute(sym, int(t))
        if st.frozen is not None:
            return st.prices[0]
        return st.prices[int(t) - st.start]

    def quote(self, sym: SymbolPrices, t: float) -> Quote:
        sec = int(t)
        st = self._minute(sym, sec)
        if st.frozen is not None:
            return st.frozen
        s = sec - st.start
        price = st.prices[s]
        return self._build(st, s, price, int(t * 1000) // self._tick_ms)

    @staticmethod
    def _build(st: _Minute, s: int, price: float, n: int) -> Quote:
        tick = STOCK_TICK
        digits = decimals(tick)
        b = bid_ticks(price, tick, st.spread)
        last = round(last_ticks(price, tick) * tick, digits)
        high = max(st.run_high[s], last)
        low = min(st.run_low[s], last)
        volume = st.cum_volume[s]
        return Quote(
            bid=round(b * tick, digits),
            ask=round((b + st.spread) * tick, digits),
            last=last,
            bid_size=LOT * size_lots(st.size_key, 2 * n, st.lots),
            ask_size=LOT * size_lots(st.size_key, 2 * n + 1, st.lots),
            last_size=LOT * (1 + mix64(st.size_key ^ (s + 7919)) % 3),
            volume=volume,
            open=st.open,
            high=round(high, digits),
            low=round(low, digits),
            close=st.close,
        )

    # -- finding the current minute ------------------------------------------------------
    def _minute(self, sym: SymbolPrices, sec: int) -> _Minute:
        st = self._state.get(sym.profile.symbol)
        if st is None or not st.start <= sec < st.end:
            st = self._locate(sym, sec)
            self._state[sym.profile.symbol] = st
        return st

    def _locate(self, sym: SymbolPrices, sec: int) -> _Minute:
        cal = self._sessions
        i = cal.containing(sec)
        if i is not None:
            s = cal.all[i]
            path = self._cache.session(sym, i)
            regular = s.rth_open <= sec < s.rth_close
            opened = sym.rth_open(i) if sec >= s.rth_open else float(path.price[0])
            return self._from_path(
                sym,
                path,
                sec,
                i,
                opened=opened,
                regular=regular,
                base_high=0.0,
                base_low=0.0,
                base_volume=0,
            )
        i = cal.last_started(sec)
        session = self._cache.session(sym, i)
        if self._always:
            gap = self._cache.gap(sym, i)
            return self._from_path(
                sym,
                gap,
                sec,
                i,
                opened=sym.rth_open(i),
                regular=False,
                base_high=float(session.run_high[-1]),
                base_low=float(session.run_low[-1]),
                base_volume=int(session.cum_volume[-1]),
            )
        return self._frozen(sym, session, i, sec)

    def _from_path(
        self,
        sym: SymbolPrices,
        path: MinutePath,
        sec: int,
        i: int,
        *,
        opened: float,
        regular: bool,
        base_high: float,
        base_low: float,
        base_volume: int,
    ) -> _Minute:
        m = min((sec - path.start) // 60, path.minutes - 1)
        start = path.start + 60 * m
        sp: SecondPath = sym.seconds(path, m)
        hi = max(float(path.run_high[m]), base_high)
        lo = float(path.run_low[m]) if base_low == 0.0 else min(float(path.run_low[m]), base_low)
        run_high: list[float] = []
        run_low: list[float] = []
        for p in sp.price[:60]:
            hi = max(hi, p)
            lo = min(lo, p)
            run_high.append(hi)
            run_low.append(lo)
        cum = [base_volume + int(path.cum_volume[m])]
        for v in sp.volume[:59]:
            cum.append(cum[-1] + v)
        # A regular/extended boundary always falls on a minute boundary, so the spread is
        # fixed for the minute.
        prof = sym.profile
        return _Minute(
            start=start,
            end=start + 60,
            prices=sp.price,
            run_high=run_high,
            run_low=run_low,
            cum_volume=cum,
            open=round(opened, 2),
            close=round(sym.prev_close(i), 2),
            spread=spread_ticks(prof, regular),
            lots=max_lots(prof, regular),
            size_key=stable_seed(self._seed, prof.symbol, "sizes", path.key, m),
        )

    def _frozen(self, sym: SymbolPrices, session: MinutePath, i: int, sec: int) -> _Minute:
        """Outside trading hours with exchange market hours: the last quote of session i."""
        cal = self._sessions
        nxt = i + 1
        end = cal.all[nxt].ext_start if nxt < len(cal.all) else sec + 86_400
        prof = sym.profile
        last_price = float(session.price[-1])
        st = _Minute(
            start=cal.all[i].ext_end,
            end=end,
            prices=(last_price,),
            run_high=[float(session.run_high[-1])],
            run_low=[float(session.run_low[-1])],
            cum_volume=[int(session.cum_volume[-1])],
            open=round(sym.rth_open(i), 2),
            close=round(sym.prev_close(i), 2),
            spread=spread_ticks(prof, False),
            lots=max_lots(prof, False),
            size_key=stable_seed(self._seed, prof.symbol, "sizes", session.key, "close"),
        )
        st.frozen = self._build(st, 0, last_price, 0)
        return st
