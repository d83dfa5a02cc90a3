"""Historical bars for every IB bar size and TRADES / MIDPOINT / BID / ASK.

Bars are aggregates of the deterministic fine path (seconds for bar sizes under a minute,
minutes otherwise), so two requests that overlap agree bar for bar, a day bar equals the
aggregate of that day's minutes, and the live quote continues the last bar. Intraday buckets
are aligned to US/Eastern midnight and clipped to the session (with useRTH a 1-hour bar starts
at 09:30, like IB's). Day, week and month bars are stamped with their first session's start;
its US/Eastern date is the bar's date. A bar that `end` cuts through covers data up to `end`,
as IB's last bar does. MIDPOINT / BID / ASK bars carry volume, wap and count of -1, as IB's.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

import numpy as np

from apex_tui.sim.calendar import EASTERN, Session, Sessions
from apex_tui.sim.history_rows import Rows, minute_rows, second_rows
from apex_tui.sim.model import Bar
from apex_tui.sim.prices import FloatArray, IntArray, PathCache, SymbolPrices
from apex_tui.sim.ticks import transform

INTRADAY_SIZES: dict[str, int] = {
    "1 secs": 1, "5 secs": 5, "10 secs": 10, "15 secs": 15, "30 secs": 30,
    "1 min": 60, "2 mins": 120, "3 mins": 180, "5 mins": 300, "10 mins": 600,
    "15 mins": 900, "20 mins": 1200, "30 mins": 1800, "1 hour": 3600, "2 hours": 7200,
    "3 hours": 10800, "4 hours": 14400, "8 hours": 28800,
}  # fmt: skip
PERIOD_SIZES = ("1 day", "1 week", "1 month")
WHATS = ("TRADES", "MIDPOINT", "BID", "ASK")
MAX_BARS = 100_000
_TRADE_SIZE = 150.0  # shares per trade, for bar counts
_DURATION = re.compile(r"^\s*(\d+)\s+([SDWMY])\s*$")


class HistoryRequestError(ValueError):
    """The request is invalid (duration, bar size, whatToShow); the message is IB-style."""


@dataclass(frozen=True, slots=True)
class RowView:
    """How an instrument's bars come from its underlying path: a price mapping (identity
    for stocks, Black-Scholes for options), the tick and the spread in ticks per row."""

    key: str
    tick: float
    spread: Callable[[IntArray, Session], FloatArray]
    mapping: Callable[[Rows], Rows] | None = None


def parse_duration(text: str) -> tuple[int, str]:
    m = _DURATION.match(text.upper())
    if m is None or int(m.group(1)) <= 0:
        raise HistoryRequestError(
            f"Historical Market Data Service error message:Invalid duration: {text!r}"
        )
    return int(m.group(1)), m.group(2)


def _months_back(day: date, months: int) -> date:
    y, mo = divmod(day.year * 12 + day.month - 1 - months, 12)
    for d in (day.day, 30, 29, 28):
        try:
            return date(y, mo + 1, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _window(s: Session, use_rth: bool) -> tuple[int, int]:
    return (s.rth_open, s.rth_close) if use_rth else (s.ext_start, s.ext_end)


def _start_of(end: int, n: int, unit: str, use_rth: bool, cal: Sessions) -> int:
    if unit == "S":
        return end - n
    if unit == "D":
        i = cal.last_started(end - 1)
        while i >= 0 and _window(cal.all[i], use_rth)[0] >= end:
            i -= 1
        return _window(cal.all[max(i - n + 1, 0)], use_rth)[0] if i >= 0 else end
    if unit == "W":
        return end - n * 7 * 86_400
    local = datetime.fromtimestamp(end, EASTERN)
    day = _months_back(local.date(), n if unit == "M" else 12 * n)
    return int(datetime.combine(day, local.time(), EASTERN).timestamp())


def _aggregate(rows: Rows, ids: IntArray, what: str, view: RowView, s: Session) -> FloatArray:
    """Bars per distinct id (ids non-decreasing): columns o, h, l, c, volume, wap*vol, count."""
    k = view.spread(rows.time, s)
    o = transform(rows.open, what, view.tick, k)
    h = transform(rows.high, what, view.tick, k)
    lo = transform(rows.low, what, view.tick, k)
    c = transform(rows.close, what, view.tick, k)
    v = rows.volume
    starts = np.flatnonzero(np.diff(ids, prepend=ids[0] - 1))
    stops = np.append(starts[1:], len(ids)) - 1
    out = np.empty((len(starts), 7))
    out[:, 0] = o[starts]
    out[:, 1] = np.maximum.reduceat(h, starts)
    out[:, 2] = np.minimum.reduceat(lo, starts)
    out[:, 3] = c[stops]
    out[:, 4] = np.add.reduceat(v, starts)
    out[:, 5] = np.add.reduceat(v * (o + h + lo + c) / 4.0, starts)
    out[:, 6] = np.add.reduceat(np.ceil(v / _TRADE_SIZE), starts)
    return out


def _bar(t: int, row: FloatArray, what: str, digits: int) -> Bar:
    trades = what == "TRADES"
    vol = float(row[4])
    wap = float(row[5]) / vol if vol > 0 else float(row[3])
    return Bar(
        time=datetime.fromtimestamp(t, UTC),
        open=float(row[0]),
        high=float(row[1]),
        low=float(row[2]),
        close=float(row[3]),
        volume=vol if trades else -1.0,
        wap=round(wap, digits + 2) if trades else -1.0,
        count=int(row[6]) if trades else -1,
    )


@dataclass(frozen=True, slots=True)
class _Request:
    sym: SymbolPrices
    view: RowView
    start: int
    end: int
    size: str
    what: str
    use_rth: bool
    digits: int


class History:
    """Bars of any instrument whose rows come from a symbol's path."""

    def __init__(self, sessions: Sessions, cache: PathCache) -> None:
        self._cal = sessions
        self._cache = cache
        self._days: dict[tuple[str, str, int, bool, str], FloatArray] = {}

    def bars(
        self,
        sym: SymbolPrices,
        view: RowView,
        *,
        end: datetime,
        duration: str,
        bar_size: str,
        what_to_show: str,
        use_rth: bool,
    ) -> list[Bar]:
        what = what_to_show.upper()
        if what not in WHATS:
            raise HistoryRequestError(
                f"Historical Market Data Service error message:Invalid whatToShow: {what_to_show}"
            )
        size = " ".join(bar_size.split()).lower()
        if size not in INTRADAY_SIZES and size not in PERIOD_SIZES:
            raise HistoryRequestError(
                f"Historical Market Data Service error message:Invalid bar size: {bar_size!r}"
            )
        n, unit = parse_duration(duration)
        end_s = math.floor(end.timestamp())
        start = _start_of(end_s, n, unit, use_rth, self._cal)
        step = INTRADAY_SIZES.get(size, 86_400)
        if (end_s - start) / step > MAX_BARS:
            raise HistoryRequestError(
                "Historical Market Data Service error message:Time length exceed max."
            )
        first = max(self._cal.last_started(start), 0)
        last = self._cal.last_started(end_s - 1)
        digits = max(0, -math.floor(math.log10(view.tick) + 1e-9))
        req = _Request(sym, view, start, end_s, size, what, use_rth, digits)
        if size in INTRADAY_SIZES:
            return self._intraday(req, first, last)
        return self._periods(req, first, last)

    def _intraday(self, req: _Request, first: int, last: int) -> list[Bar]:
        sym, view, start, end, what = req.sym, req.view, req.start, req.end, req.what
        step, use_rth, digits = INTRADAY_SIZES[req.size], req.use_rth, req.digits
        out: list[Bar] = []
        for i in range(first, last + 1):
            s = self._cal.all[i]
            w0, w1 = _window(s, use_rth)
            midnight = s.ext_start - 4 * 3600
            lo = max(w0, midnight + (start - midnight) // step * step)
            hi = min(w1, end)
            if hi <= lo:
                continue
            path = self._cache.session(sym, i)
            rows = (second_rows if step < 60 else minute_rows)(sym, path, lo, hi)
            if view.mapping is not None:
                rows = view.mapping(rows)
            if not len(rows):
                continue
            ids = (rows.time - midnight) // step
            agg = _aggregate(rows, ids, what, view, s)
            bucket_ids = np.unique(ids)
            # `lo` is aligned to start's bucket, so every bucket here ends after `start`.
            for b, row in zip(bucket_ids.tolist(), agg, strict=True):
                out.append(_bar(max(midnight + b * step, w0), row, what, digits))
        return out

    def _day(self, req: _Request, i: int) -> FloatArray | None:
        sym, view, end, what, use_rth = req.sym, req.view, req.end, req.what, req.use_rth
        s = self._cal.all[i]
        w0, w1 = _window(s, use_rth)
        if w0 >= end:
            return None
        key = (sym.profile.symbol, view.key, i, use_rth, what)
        done = w1 <= end
        if done and key in self._days:
            return self._days[key]
        rows = minute_rows(sym, self._cache.session(sym, i), w0, min(w1, end))
        if view.mapping is not None:
            rows = view.mapping(rows)
        if not len(rows):
            return None
        row: FloatArray = _aggregate(rows, np.zeros(len(rows), dtype=np.int64), what, view, s)[0]
        if done:
            self._days[key] = row
        return row

    def _periods(self, req: _Request, first: int, last: int) -> list[Bar]:
        start, size, use_rth = req.start, req.size, req.use_rth

        def period(i: int) -> tuple[int, int]:
            d = self._cal.all[i].day
            if size == "1 week":
                iso = d.isocalendar()
                return iso.year, iso.week
            if size == "1 month":
                return d.year, d.month
            return d.toordinal(), 0

        # A week or month bar is whole even when `start` falls inside it.
        while first > 0 and period(first - 1) == period(first):
            first -= 1
        groups: dict[tuple[int, int], list[tuple[int, FloatArray]]] = {}
        for i in range(first, last + 1):
            s = self._cal.all[i]
            if size == "1 day" and _window(s, use_rth)[1] <= start:
                continue
            row = self._day(req, i)
            if row is not None:
                groups.setdefault(period(i), []).append((_window(s, use_rth)[0], row))
        out: list[Bar] = []
        for members in groups.values():
            rows = np.array([r for _, r in members])
            merged = np.array(
                [
                    rows[0, 0],
                    rows[:, 1].max(),
                    rows[:, 2].min(),
                    rows[-1, 3],
                    rows[:, 4].sum(),
                    rows[:, 5].sum(),
                    rows[:, 6].sum(),
                ]
            )
            out.append(_bar(members[0][0], merged, req.what, req.digits))
        return out
