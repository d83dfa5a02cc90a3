"""The NYSE trading calendar (exchange_calendars' XNYS), as epoch-second session bounds.

Each session has four bounds: extended-hours start (04:00 US/Eastern), the regular open
(09:30), the regular close (16:00, or 13:00 on half days) and the extended-hours end (four
hours after the close, as IB's trading hours show). Building the calendar takes a fraction of a
second, so it is built once per process and shared by every World.
"""

from __future__ import annotations

import bisect
import functools
import warnings
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import exchange_calendars

EASTERN = ZoneInfo("America/New_York")
CALENDAR_START = date(2000, 1, 3)
_EXT_OPEN = time(4, 0)
_POST_HOURS = 4 * 3600


@dataclass(frozen=True, slots=True)
class Session:
    """One trading day's bounds in epoch seconds (UTC)."""

    day: date
    ext_start: int
    rth_open: int
    rth_close: int
    ext_end: int


class Sessions:
    """All XNYS sessions from 2000 to two years ahead, searchable by date or instant."""

    def __init__(self, sessions: list[Session]) -> None:
        self.all = sessions
        self._starts = [s.ext_start for s in sessions]
        self._by_day = {s.day: i for i, s in enumerate(sessions)}

    def index_of_day(self, day: date) -> int | None:
        return self._by_day.get(day)

    def last_started(self, t: float) -> int:
        """Index of the latest session whose extended hours began at or before `t` (-1: none)."""
        return bisect.bisect_right(self._starts, t) - 1

    def first_started_after(self, t: float) -> int:
        """Index of the first session whose extended hours begin after `t` (len: none)."""
        return bisect.bisect_right(self._starts, t)

    def containing(self, t: float) -> int | None:
        """Index of the session whose extended hours contain `t`, if any."""
        i = self.last_started(t)
        if i >= 0 and t < self.all[i].ext_end:
            return i
        return None


def _epoch(day: date, at: time) -> int:
    return int(datetime.combine(day, at, EASTERN).timestamp())


@functools.cache
def nyse_sessions() -> Sessions:
    """The shared calendar (built on first use)."""
    end = datetime.now(UTC).date() + timedelta(days=730)
    with warnings.catch_warnings():
        # exchange_calendars trips pandas deprecation warnings that are not ours to fix.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        cal = exchange_calendars.get_calendar("XNYS", start=CALENDAR_START.isoformat(), end=end)
        sched = cal.schedule
    out: list[Session] = []
    for label, opens, closes in zip(sched.index, sched["open"], sched["close"], strict=True):
        day = label.date()
        rth_close = int(closes.timestamp())
        out.append(
            Session(
                day=day,
                ext_start=_epoch(day, _EXT_OPEN),
                rth_open=int(opens.timestamp()),
                rth_close=rth_close,
                ext_end=rth_close + _POST_HOURS,
            )
        )
    return Sessions(out)


def _hhmm(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, EASTERN).strftime("%Y%m%d:%H%M")


def ib_hours(start: date, days: int) -> tuple[str, str]:
    """IB's tradingHours and liquidHours strings for `days` calendar days from `start`."""
    cal = nyse_sessions()
    trading: list[str] = []
    liquid: list[str] = []
    for k in range(days):
        day = start + timedelta(days=k)
        i = cal.index_of_day(day)
        if i is None:
            closed = f"{day:%Y%m%d}:CLOSED"
            trading.append(closed)
            liquid.append(closed)
            continue
        s = cal.all[i]
        trading.append(f"{_hhmm(s.ext_start)}-{_hhmm(s.ext_end)}")
        liquid.append(f"{_hhmm(s.rth_open)}-{_hhmm(s.rth_close)}")
    return ";".join(trading), ";".join(liquid)
