"""Planner: IB-legal windows per bar size, calendar-aware, skipping covered sessions."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from apex_tui.domain.errors import ValidationError
from apex_tui.jobs.ledger import CoverageLedger
from apex_tui.jobs.planner import MAX_DURATION_S, expected_bars, plan, stored_counts
from apex_tui.jobs.spec import BackfillSpec
from apex_tui.store.bar_sizes import bar_size
from apex_tui.store.lake import Lake
from apex_tui.store.settings import DataSettings
from tests.unit.jobs.fakes import bars_for

WEEK = (date(2026, 11, 2), date(2026, 11, 6))  # Mon..Fri, no holiday


def spec(
    size: str, *, rth: bool = True, start: date = WEEK[0], end: date = WEEK[1]
) -> BackfillSpec:
    return BackfillSpec.create(["AAPL"], size, start, end, rth=rth)


def test_one_minute_bars_one_request_per_session() -> None:
    reqs = plan(spec("1 min"))
    assert [r.request.duration for r in reqs] == ["1 D"] * 5
    assert [r.sessions[0] for r in reqs] == [date(2026, 11, d) for d in range(2, 7)]
    # RTH: the request ends at the 16:00 ET close (21:00 UTC in November).
    assert reqs[0].request.end == datetime(2026, 11, 2, 21, 0, tzinfo=UTC)


def test_thanksgiving_week_skips_the_holiday_and_ends_early_on_friday() -> None:
    reqs = plan(spec("1 min", start=date(2026, 11, 23), end=date(2026, 11, 27)))
    assert [r.sessions[0].day for r in reqs] == [23, 24, 25, 27]
    assert reqs[-1].request.end == datetime(2026, 11, 27, 18, 0, tzinfo=UTC)  # 13:00 ET


def test_seconds_bars_are_sliced_within_ib_limits_and_tile_the_session() -> None:
    reqs = plan(spec("5 secs", end=WEEK[0], rth=False))
    assert all(int(r.request.duration.split()[0]) <= MAX_DURATION_S["5 secs"] for r in reqs)
    assert all(r.request.duration.endswith(" S") for r in reqs)
    # 04:00-20:00 ET = 16 h = 16 one-hour slices, contiguous.
    assert len(reqs) == 16
    for a, b in itertools.pairwise(reqs):
        assert a.end == b.start
    assert reqs[0].start == datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("size", "n_requests", "duration"),
    [("5 mins", 1, "5 D"), ("1 day", 1, "5 D"), ("2 mins", 3, "2 D")],
)
def test_multi_session_requests(size: str, n_requests: int, duration: str) -> None:
    reqs = plan(spec(size))
    assert len(reqs) == n_requests and reqs[0].request.duration == duration


def test_daily_bars_a_year_is_split_by_ib_limit() -> None:
    reqs = plan(spec("1 day", start=date(2024, 1, 1), end=date(2025, 12, 31)))
    assert sum(len(r.sessions) for r in reqs) == 502  # NYSE sessions in 2024 and 2025
    assert all(len(r.sessions) <= 250 for r in reqs)


def test_covered_sessions_are_skipped_via_ledger_and_via_stored_bars(tmp_path: Path) -> None:
    lake = Lake.open(DataSettings(dir=str(tmp_path)))
    ledger = CoverageLedger(lake.root)
    ledger.mark("AAPL", "1 min", "TRADES", True, {date(2026, 11, 3): "gap"})
    # Store a complete Wednesday and a partial Thursday.
    full = plan(spec("1 min"))
    wed = next(r for r in full if r.sessions[0] == date(2026, 11, 4))
    thu = next(r for r in full if r.sessions[0] == date(2026, 11, 5))
    lake.bars.write_bars("AAPL", "1 min", "TRADES", bars_for(wed.request))
    lake.bars.write_bars("AAPL", "1 min", "TRADES", bars_for(thu.request)[:-1])
    reqs = plan(spec("1 min"), ledger=ledger, counts=stored_counts(lake.bars))
    assert [r.sessions[0].day for r in reqs] == [2, 5, 6]


def test_all_hours_coverage_also_covers_rth(tmp_path: Path) -> None:
    ledger = CoverageLedger(Lake.open(DataSettings(dir=str(tmp_path))).root)
    ledger.mark("AAPL", "1 min", "TRADES", False, {date(2026, 11, 2): "complete"})
    assert [r.sessions[0].day for r in plan(spec("1 min"), ledger=ledger)] == [3, 4, 5, 6]
    assert len(plan(spec("1 min", rth=False), ledger=ledger)) == 4


def test_symbols_are_interleaved_for_the_burst_window() -> None:
    s = BackfillSpec.create(["AAPL", "MSFT"], "1 min", *WEEK)
    assert [r.request.symbol for r in plan(s)][:4] == ["AAPL", "MSFT", "AAPL", "MSFT"]


@pytest.mark.parametrize(
    ("symbols", "size", "start", "end"),
    [
        ([], "1 min", WEEK[0], WEEK[1]),
        (["AAPL"], "7 min", *WEEK),
        (["AAPL"], "1 week", *WEEK),
        (["AAPL"], "1 min", WEEK[1], WEEK[0]),
        (["../x"], "1 min", *WEEK),
    ],
)
def test_bad_specs_are_refused(symbols: list[str], size: str, start: date, end: date) -> None:
    with pytest.raises(ValidationError):
        BackfillSpec.create(symbols, size, start, end)


def test_expected_bars_follow_the_calendar() -> None:
    one_min = bar_size("1 min")
    assert expected_bars(one_min, date(2026, 11, 2), True) == 390
    assert expected_bars(one_min, date(2026, 11, 2), False) == 960
    assert expected_bars(one_min, date(2026, 11, 27), True) == 210  # half day
    assert expected_bars(bar_size("1 day"), date(2026, 11, 2), True) == 1
