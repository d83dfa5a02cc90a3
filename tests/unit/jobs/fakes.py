"""A deterministic historical source for the jobs tests, with a strict pacing referee."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from apex_tui.domain.errors import ApexError, ConnectionFailed, NoData, PacingViolation
from apex_tui.jobs.calendar import session_bounds, sessions
from apex_tui.jobs.pacer import Pacer, PacingKey
from apex_tui.jobs.source import BarRequest, BarRow
from apex_tui.store.bar_sizes import bar_size


def request_window(req: BarRequest) -> list[tuple[datetime, datetime]]:
    """[start, end) windows the request covers, as the fake interprets IB's durations."""
    n, unit = req.duration.split()
    if unit == "S":
        return [(req.end - timedelta(seconds=int(n)), req.end)]
    assert unit == "D"
    # "k D": the k sessions ending with the one whose close is `end`.
    day = req.end.date()
    days = [
        d
        for d in sessions(day - timedelta(days=int(n) * 2 + 10), day)
        if session_bounds(d, req.use_rth)[1] <= req.end
    ]
    return [session_bounds(d, req.use_rth) for d in days[-int(n) :]]


def bars_for(req: BarRequest) -> list[BarRow]:
    bs = bar_size(req.bar_size)
    rows: list[BarRow] = []
    for lo, hi in request_window(req):
        if bs.seconds >= 86_400:  # daily bars are stamped with the session date, 00:00 UTC
            day = datetime(lo.year, lo.month, lo.day, tzinfo=UTC)
            rows.append(BarRow(day, 1.0, 2.0, 0.5, 1.5, 1000.0, 1.2, 10))
            continue
        t = lo
        while t < hi:
            px = (t.timestamp() % 1000) / 10
            rows.append(BarRow(t, px, px + 1, px - 1, px + 0.5, 100.0, px, 5))
            t += timedelta(seconds=bs.seconds)
    return rows


@dataclass
class StrictReferee:
    """Replays IB's rules on every request it sees; counts what IB would answer with 162."""

    now: Callable[[], float]
    identical_s: float = 15.0
    burst_s: float = 2.0
    window_s: float = 600.0
    seen: list[tuple[float, BarRequest]] = field(default_factory=list)
    violations: int = 0

    def check(self, req: BarRequest) -> bool:
        t = self.now()
        bad = any(r == req and t - s < self.identical_s for s, r in self.seen)
        same = [
            s
            for s, r in self.seen
            if r.symbol == req.symbol
            and r.what_to_show == req.what_to_show
            and t - s < self.burst_s
        ]
        bad |= len(same) >= 5
        weight = sum(
            2 if r.what_to_show == "BID_ASK" else 1 for s, r in self.seen if t - s < self.window_s
        )
        bad |= weight + (2 if req.what_to_show == "BID_ASK" else 1) > 60
        self.seen.append((t, req))
        self.violations += bad
        return not bad


@dataclass
class FakeSource:
    """Serves `bars_for(req)`; scripted failures; a connection that can drop."""

    pacer: Pacer | None = None
    referee: StrictReferee | None = None
    gaps: set[tuple[str, str]] = field(default_factory=set)  # (symbol, session date iso)
    fail: dict[int, ApexError] = field(default_factory=dict)  # call number -> error
    disconnect_at: set[int] = field(default_factory=set)  # call numbers that drop the link
    latency: float = 0.0
    calls: list[BarRequest] = field(default_factory=list)
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    on_call: Callable[[int], None] | None = None

    def __post_init__(self) -> None:
        self.connected.set()

    async def wait_connected(self) -> None:
        await self.connected.wait()

    async def fetch_bars(self, req: BarRequest) -> list[BarRow]:
        lease = await self.pacer.acquire(PacingKey.for_request(req)) if self.pacer else None
        try:
            self.calls.append(req)
            n = len(self.calls)
            if self.on_call is not None:
                self.on_call(n)
            if self.referee is not None and not self.referee.check(req):
                raise PacingViolation("pacing violation", code=162)
            if not self.connected.is_set():
                raise ConnectionFailed("not connected")
            if n in self.disconnect_at:
                self.connected.clear()
                raise ConnectionFailed("connection lost", code=1100)
            if n in self.fail:
                raise self.fail[n]
            if self.latency:
                await asyncio.sleep(self.latency)
            rows = [
                r for r in bars_for(req) if (req.symbol, _session_day(r.time, req)) not in self.gaps
            ]
            if not rows:
                raise NoData("HMDS query returned no data", code=162)
            return rows
        finally:
            if lease is not None and self.pacer is not None:
                self.pacer.release(lease)


def _session_day(t: datetime, req: BarRequest) -> str:
    if bar_size(req.bar_size).seconds >= 86_400:
        return t.date().isoformat()
    for lo, hi in request_window(req):
        if lo <= t < hi:
            return lo.date().isoformat()  # session open is the same date in UTC and ET
    raise AssertionError(f"bar {t} outside its request")
