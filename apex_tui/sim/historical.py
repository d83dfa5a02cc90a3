"""Historical bars on the wire: end-time parsing, bar date formats, and keepUpToDate.

A keepUpToDate subscription continues the history it was answered with: each tick folds the
live quote into the last bar (or starts a new bar when the bar period rolls over) and sends a
historicalDataUpdate (90) when the bar changed, so the stream joins the history without a jump.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apex_tui.sim import outgoing as out
from apex_tui.sim.model import Bar, Instrument, Quote
from apex_tui.sim.pacing import bar_seconds

if TYPE_CHECKING:
    from apex_tui.sim.session import Session

EASTERN = ZoneInfo("US/Eastern")


class EndTimeError(ValueError):
    """endDateTime is not in a format IB accepts."""


def parse_end(text: str, now: datetime) -> datetime:
    """The request's endDateTime as aware UTC ('' means now)."""
    text = text.strip()
    if not text:
        return now
    try:
        if "-" in text and len(text) == 17:  # 'YYYYmmdd-HH:MM:SS' is UTC
            return datetime.strptime(text, "%Y%m%d-%H:%M:%S").replace(tzinfo=UTC)
        parts = text.split()
        if len(parts) == 1 and len(text) == 8:
            day = datetime.strptime(text, "%Y%m%d")
            return datetime.combine(day.date(), time(23, 59, 59), EASTERN).astimezone(UTC)
        stamp = datetime.strptime(" ".join(parts[:2]), "%Y%m%d %H:%M:%S")
        zone = ZoneInfo(parts[2]) if len(parts) > 2 else EASTERN
        return stamp.replace(tzinfo=zone).astimezone(UTC)
    except (ValueError, ZoneInfoNotFoundError, IndexError) as exc:
        raise EndTimeError(str(exc)) from None


def zone_of(inst: Instrument) -> ZoneInfo:
    try:
        return ZoneInfo(inst.time_zone_id or "US/Eastern")
    except ZoneInfoNotFoundError:
        return EASTERN


def format_bar_time(t: datetime, *, daily: bool, format_date: int, zone: ZoneInfo) -> str:
    if daily:
        return t.astimezone(zone).strftime("%Y%m%d")
    if format_date == 2:
        return str(int(t.timestamp()))
    return t.astimezone(zone).strftime("%Y%m%d %H:%M:%S ") + str(zone)


def history_message(
    req_id: int,
    inst: Instrument,
    bars: list[Bar],
    *,
    end: datetime,
    bar_size: str,
    format_date: int,
) -> bytes:
    zone = zone_of(inst)
    daily = bar_seconds(bar_size) is None
    rows = [
        (format_bar_time(b.time, daily=daily, format_date=format_date, zone=zone),
         b.open, b.high, b.low, b.close, b.volume, b.wap, b.count)
        for b in bars
    ]  # fmt: skip
    start = bars[0].time if bars else end
    return out.historical_data(req_id, out.ib_time(start, zone), out.ib_time(end, zone), rows)


def price_for(q: Quote, what_to_show: str) -> float:
    what = what_to_show.upper()
    if what == "BID":
        return q.bid
    if what == "ASK":
        return q.ask
    if what in ("MIDPOINT", "BID_ASK"):
        return round((q.bid + q.ask) / 2, 6)
    return q.last


@dataclass(slots=True)
class LiveBars:
    """One keepUpToDate subscription and the bar it is currently updating."""

    session: Session
    req_id: int
    instrument: Instrument
    bar_size: str
    what_to_show: str
    format_date: int
    start: datetime | None = None
    open: float = 0.0
    high: float = 0.0
    low: float = 0.0
    close: float = 0.0
    volume: float = 0.0
    count: int = 0
    last_total_volume: int | None = None

    @classmethod
    def after(cls, session: Session, req_id: int, inst: Instrument, *, bar_size: str,
              what: str, format_date: int, bars: list[Bar]) -> LiveBars:  # fmt: skip
        live = cls(session, req_id, inst, bar_size, what, format_date)
        if bars:
            b = bars[-1]
            live.start, live.open, live.high, live.low = b.time, b.open, b.high, b.low
            live.close, live.volume, live.count = b.close, b.volume, b.count
        return live

    def update(self, q: Quote, now: datetime) -> bytes | None:
        """Fold the quote into the current bar; the 90 message if the bar changed."""
        price = price_for(q, self.what_to_show)
        traded = 0
        if self.last_total_volume is not None and q.volume > self.last_total_volume:
            traded = q.volume - self.last_total_volume
        self.last_total_volume = q.volume
        secs = bar_seconds(self.bar_size)
        period = _period_start(now, secs) if secs else self.start
        if self.start is None or (period is not None and period > self.start):
            self.start = period or now
            self.open = self.high = self.low = self.close = price
            self.volume, self.count = float(traded), 1 if traded else 0
        else:
            if price == self.close and not traded:
                return None
            self.high = max(self.high, price)
            self.low = min(self.low, price)
            self.close = price
            self.volume += traded
            self.count += 1 if traded else 0
        date = format_bar_time(self.start, daily=secs is None, format_date=self.format_date,
                               zone=zone_of(self.instrument))  # fmt: skip
        wap = round((self.high + self.low + self.close) / 3, 4)
        return out.historical_data_update(
            self.req_id,
            self.count,
            date,
            o=self.open,
            h=self.high,
            low=self.low,
            c=self.close,
            wap=wap,
            volume=self.volume,
        )


def _period_start(now: datetime, secs: int) -> datetime:
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % secs, UTC)
