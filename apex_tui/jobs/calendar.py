"""Exchange sessions (XNYS) for the planner: which days trade, and their RTH / all-hours bounds.

exchange_calendars builds a calendar in ~0.5 s, so one instance per exchange is cached.
All-hours is 04:00-20:00 ET; on early-close days the evening session ends 4 h after the close.
"""

from __future__ import annotations

import warnings
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import exchange_calendars as xcals

from apex_tui.domain.errors import ValidationError

ET = ZoneInfo("America/New_York")
PRE_MARKET_OPEN = time(4, 0)
AFTER_HOURS = timedelta(hours=4)


@lru_cache(maxsize=4)
def _calendar(code: str) -> Any:
    # exchange_calendars trips pandas deprecation warnings while building; they are its own.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return xcals.get_calendar(code)


def sessions(start: date, end: date, exchange: str = "XNYS") -> list[date]:
    """Trading sessions in [start, end], both inclusive."""
    if end < start:
        raise ValidationError(f"end {end} is before start {start}")
    cal = _calendar(exchange)
    lo = max(start, cal.first_session.date())
    hi = min(end, cal.last_session.date())
    if hi < lo:
        return []
    return [ts.date() for ts in cal.sessions_in_range(lo.isoformat(), hi.isoformat())]


@lru_cache(maxsize=8192)
def session_bounds(day: date, rth: bool, exchange: str = "XNYS") -> tuple[datetime, datetime]:
    """[open, close) of one session in UTC: regular hours, or 04:00 ET to close + 4 h."""
    cal = _calendar(exchange)
    ts = day.isoformat()
    close = cal.session_close(ts).to_pydatetime().astimezone(UTC)
    if rth:
        return cal.session_open(ts).to_pydatetime().astimezone(UTC), close
    pre = datetime.combine(day, PRE_MARKET_OPEN, tzinfo=ET).astimezone(UTC)
    return pre, close + AFTER_HOURS
