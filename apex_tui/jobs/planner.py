"""Split a backfill job into IB-legal requests, skipping sessions the dataset already covers.

"Complete" comes from the exchange calendar: a session is covered when the ledger settled it
(fetched or a recorded gap) or when the stored bars inside its bounds number at least what the
session's length allows. Requests follow IB's duration limits per bar size: whole sessions as
"k D" where a bar size allows a day or more, otherwise "N S" slices of one session.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from apex_tui.jobs.calendar import session_bounds, sessions
from apex_tui.jobs.ledger import CoverageLedger
from apex_tui.jobs.source import BarRequest
from apex_tui.jobs.spec import BackfillSpec
from apex_tui.store.bar_sizes import BarSize, bar_size
from apex_tui.store.bars import BarRepository

_DAY = 86_400
# Longest duration IB accepts per bar size, in seconds ("Valid duration and bar size" table).
MAX_DURATION_S: dict[str, int] = {
    "1 secs": 1_800,
    "5 secs": 3_600,
    "10 secs": 14_400,
    "15 secs": 14_400,
    "30 secs": 28_800,
    "1 min": _DAY,
    "2 mins": 2 * _DAY,
    "3 mins": 7 * _DAY,
    "5 mins": 7 * _DAY,
    "10 mins": 7 * _DAY,
    "15 mins": 7 * _DAY,
    "20 mins": 7 * _DAY,
    "30 mins": 30 * _DAY,
    "1 hour": 30 * _DAY,
    "2 hours": 30 * _DAY,
    "3 hours": 30 * _DAY,
    "4 hours": 30 * _DAY,
    "8 hours": 30 * _DAY,
    "1 day": 365 * _DAY,
}
# IB counts durations in trading days; a year of daily bars is about 252 sessions.
MAX_SESSIONS_PER_YEAR = 250


@dataclass(frozen=True, slots=True)
class PlannedRequest:
    """One request and the sessions (and exact [start, end) window) it settles."""

    request: BarRequest
    sessions: tuple[date, ...]
    start: datetime
    end: datetime

    @property
    def key(self) -> str:
        r = self.request
        rth = int(r.use_rth)
        return f"{r.series}|{r.bar_size}|{r.what_to_show}|{rth}|{r.end.isoformat()}|{r.duration}"


def sessions_per_request(bs: BarSize) -> int:
    """How many whole sessions one request may span (0: less than one session)."""
    limit = MAX_DURATION_S[bs.name]
    if bs.seconds >= _DAY:
        return MAX_SESSIONS_PER_YEAR
    return limit // _DAY


def expected_bars(bs: BarSize, day: date, rth: bool) -> int:
    """Bars a complete session holds: one for daily bars, else its length over the bar size."""
    if bs.seconds >= _DAY:
        return 1
    start, end = session_bounds(day, rth)
    return int((end - start).total_seconds()) // bs.seconds


def _runs(days: list[date], all_days: list[date]) -> list[list[date]]:
    """Group days into runs of consecutive sessions (no covered session in between)."""
    index = {d: i for i, d in enumerate(all_days)}
    runs: list[list[date]] = []
    for d in days:
        if runs and index[d] == index[runs[-1][-1]] + 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    return runs


def _bounds(days: Iterable[date], bs: BarSize, rth: bool) -> tuple[datetime, datetime]:
    """[start, end) in UTC that bars of these sessions fall in (daily bars: the dates)."""
    days = list(days)
    if bs.seconds >= _DAY:
        first, last = days[0], days[-1] + timedelta(days=1)
        return (
            datetime(first.year, first.month, first.day, tzinfo=UTC),
            datetime(last.year, last.month, last.day, tzinfo=UTC),
        )
    return session_bounds(days[0], rth)[0], session_bounds(days[-1], rth)[1]


def session_window(day: date, size: str, rth: bool) -> tuple[datetime, datetime]:
    """[start, end) in UTC holding the bars of one session of this bar size."""
    return _bounds([day], bar_size(size), rth)


RequestMaker = Callable[[datetime, str], BarRequest]  # (end, duration) -> the request


def plan_series(
    make: RequestMaker, bs: BarSize, rth: bool, covered: set[date], all_days: list[date]
) -> list[PlannedRequest]:
    """Requests for one series (a symbol, or one option contract): the sessions of `all_days`
    not in `covered`, in IB-legal windows for bar size `bs`."""
    todo = [d for d in all_days if d not in covered]
    per = sessions_per_request(bs)
    out: list[PlannedRequest] = []
    if per >= 1:
        for run in _runs(todo, all_days):
            for i in range(0, len(run), per):
                chunk = run[i : i + per]
                start, end = _bounds(chunk, bs, rth)
                close = session_bounds(chunk[-1], rth)[1]
                out.append(PlannedRequest(make(close, f"{len(chunk)} D"), tuple(chunk), start, end))
        return out
    # Sub-session slices, newest-aligned to the session end so no slice crosses midnight ET.
    step = timedelta(seconds=MAX_DURATION_S[bs.name])
    for day in todo:
        s_open, s_close = session_bounds(day, rth)
        end = s_close
        while end > s_open:
            start = max(s_open, end - step)
            secs = int((end - start).total_seconds())
            out.append(PlannedRequest(make(end, f"{secs} S"), (day,), start, end))
            end = start
    out.sort(key=lambda p: p.start)
    return out


def plan_symbol(
    symbol: str, spec: BackfillSpec, covered: set[date], all_days: list[date]
) -> list[PlannedRequest]:
    bs = bar_size(spec.bar_size)

    def make(end: datetime, duration: str) -> BarRequest:
        return BarRequest(symbol, bs.name, spec.what_to_show, end, duration, spec.rth)

    return plan_series(make, bs, spec.rth, covered, all_days)


def interleave(per_series: list[list[PlannedRequest]]) -> list[PlannedRequest]:
    """Round-robin across series: the burst window limits requests per contract, not overall."""
    out: list[PlannedRequest] = []
    for i in range(max((len(p) for p in per_series), default=0)):
        out.extend(p[i] for p in per_series if i < len(p))
    return out


StoredCounts = Callable[[str, BackfillSpec, list[date]], dict[date, int]]


def stored_counts(repo: BarRepository) -> StoredCounts:
    """Count stored bars per session (inside the session's bounds) for the planner."""

    def count(symbol: str, spec: BackfillSpec, days: list[date]) -> dict[date, int]:
        if not days:
            return {}
        bs = bar_size(spec.bar_size)
        lo, _ = _bounds([days[0]], bs, spec.rth)
        _, hi = _bounds([days[-1]], bs, spec.rth)
        frame = repo.read_bars(symbol, bs.name, spec.what_to_show, lo, hi)
        return count_per_session(
            frame["time"].to_list() if frame.height else [], days, bs, spec.rth
        )

    return count


def read_range(days: list[date], bs: BarSize, rth: bool) -> tuple[datetime, datetime]:
    """[start, end) holding the bars of every session in `days` (sorted, not empty)."""
    return _bounds([days[0]], bs, rth)[0], _bounds([days[-1]], bs, rth)[1]


def count_per_session(
    times: list[datetime], days: list[date], bs: BarSize, rth: bool
) -> dict[date, int]:
    """How many of the sorted bar `times` fall inside each session's bounds."""
    counts: dict[date, int] = {}
    ordered = sorted((d, _bounds([d], bs, rth)) for d in days)
    j = 0
    for t in times:
        while j < len(ordered) and t >= ordered[j][1][1]:
            j += 1
        if j < len(ordered) and t >= ordered[j][1][0]:
            counts[ordered[j][0]] = counts.get(ordered[j][0], 0) + 1
    return counts


def plan(
    spec: BackfillSpec,
    *,
    ledger: CoverageLedger | None = None,
    counts: StoredCounts | None = None,
) -> list[PlannedRequest]:
    """Requests still needed for `spec`, oldest first per symbol, symbols interleaved."""
    bs = bar_size(spec.bar_size)
    all_days = sessions(spec.start, spec.end)
    per_symbol: list[list[PlannedRequest]] = []
    for symbol in spec.symbols:
        covered: set[date] = set()
        if ledger is not None:
            covered |= set(ledger.covered(symbol, bs.name, spec.what_to_show, spec.rth))
        if counts is not None:
            have = counts(symbol, spec, [d for d in all_days if d not in covered])
            covered |= {d for d, n in have.items() if n >= expected_bars(bs, d, spec.rth)}
        per_symbol.append(plan_symbol(symbol, spec, covered, all_days))
    return interleave(per_symbol)
