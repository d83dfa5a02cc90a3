"""Each health check's transitions with injected inputs, and the board's transition feed."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from apex_tui.domain.clock import FixedClock
from apex_tui.domain.quotes import Quote
from apex_tui.health.board import HealthBoard
from apex_tui.health.checks import (
    CheckpointCheck,
    ClockSkewCheck,
    ConnectionCheck,
    DiskCheck,
    FarmCheck,
    FreshnessCheck,
    LoopLagCheck,
    MemoryCheck,
    PacingCheck,
    SinkCheck,
    SinkView,
)
from apex_tui.health.model import CheckResult, Status
from apex_tui.health.probes import (
    LoopLagMonitor,
    percentile,
    robust_slope_per_second,
    slope_per_second,
)
from apex_tui.health.runner import HealthRunner

T0 = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
H, D, U = Status.HEALTHY, Status.DEGRADED, Status.UNHEALTHY


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.mark.parametrize(
    ("state", "rtt", "expected"),
    [
        ("CONNECTED", 0.012, H),
        ("CONNECTED", 2.5, D),
        ("DEGRADED", 0.01, D),
        ("RECONNECTING", None, D),
        ("DISCONNECTED", None, U),
        ("STOPPED", None, U),
    ],
)
async def test_connection(
    clock: FixedClock, state: str, rtt: float | None, expected: Status
) -> None:
    check = ConnectionCheck(clock, lambda: (state, "why"), lambda: rtt)
    assert (await check.run()).status is expected


async def test_farms(clock: FixedClock) -> None:
    down: dict[str, str] = {}
    check = FarmCheck(clock, lambda: down)
    assert (await check.run()).status is H
    down["usfarm"] = "market data farm down (2103)"
    result = await check.run()
    assert result.status is D and "usfarm" in result.message


async def test_freshness_counts_only_open_markets(clock: FixedClock) -> None:
    quotes = [
        Quote("AAPL", last=1, time=T0 - timedelta(seconds=5)),
        Quote("MSFT", last=1, time=T0 - timedelta(seconds=90)),
        Quote("SAP", last=1, time=T0 - timedelta(hours=5)),
    ]
    open_now = {"AAPL", "MSFT"}
    check = FreshnessCheck(clock, lambda: quotes, lambda s: s in open_now, stale_after=30)
    result = await check.run()
    assert result.status is D and result.value == "1/2 stale" and "MSFT" in result.message
    open_now.discard("AAPL")
    assert (await check.run()).status is U  # every open symbol stale
    open_now.clear()
    assert (await check.run()).status is H


async def test_sink(clock: FixedClock) -> None:
    view = SinkView(queue_depth=10, queue_capacity=1000, flush_lag=0.5, dropped=0, last_error=None)
    stats: list[SinkView | None] = [view]
    check = SinkCheck(clock, lambda: stats[0])
    assert (await check.run()).status is H
    stats[0] = SinkView(900, 1000, 0.5, 0, None)
    assert (await check.run()).status is D
    stats[0] = SinkView(10, 1000, 0.5, 3, None)
    assert (await check.run()).status is D
    stats[0] = SinkView(10, 1000, 0.5, 0, "No space left on device")
    result = await check.run()
    assert result.status is U and "No space" in result.message
    stats[0] = None
    assert (await check.run()).status is H


async def test_disk_forecasts_hours_until_full(clock: FixedClock, tmp_path: Path) -> None:
    free = [100e9]
    check = DiskCheck(clock, tmp_path, free_bytes=lambda _p: free[0])
    assert (await check.run()).status is H
    clock.advance(60)
    free[0] -= 5e9  # one burst is no trend: no forecast before four minutes of samples
    assert (await check.run()).status is H
    for _ in range(5):  # then 1 GB a minute: what is left lasts well under a day
        clock.advance(60)
        free[0] -= 1e9
        result = await check.run()
    assert result.status is D
    assert "full in 1 h" in result.value
    free[0] = 1e9
    assert (await check.run()).status is U


async def test_memory_slope(clock: FixedClock) -> None:
    rss = [500e6]
    check = MemoryCheck(clock, lambda: rss[0], min_samples=5)
    for _ in range(5):
        clock.advance(60)
        assert (await check.run()).status is H
    for _ in range(10):
        clock.advance(60)
        rss[0] += 50e6
        result = await check.run()
    assert result.status is D and "leak" in result.message
    rss[0] = 5e9
    assert (await check.run()).status is U


async def test_loop_lag(clock: FixedClock) -> None:
    monitor = LoopLagMonitor()
    check = LoopLagCheck(clock, monitor)
    for i in range(100):
        monitor.record(float(i), 0.002)
    assert (await check.run()).status is H
    for i in range(100, 103):
        monitor.record(float(i), 0.2)
    assert (await check.run()).status is D
    for i in range(103, 110):
        monitor.record(float(i), 0.5)
    assert (await check.run()).status is U
    monitor.record(500.0, 0.0)  # a minute later only that sample remains
    assert monitor.lags() == [0.0]


async def test_pacing_checkpoint_and_skew(clock: FixedClock) -> None:
    budget: list[tuple[int, int] | None] = [None]
    pacing = PacingCheck(clock, lambda: budget[0])
    assert (await pacing.run()).status is H
    budget[0] = (0, 60)
    assert (await pacing.run()).status is D

    pending: list[str | None] = ["2 fills recovered"]
    checkpoint = CheckpointCheck(clock, lambda: pending[0])
    assert (await checkpoint.run()).status is D
    pending[0] = None
    assert (await checkpoint.run()).status is H

    server = [T0 - timedelta(seconds=1)]

    async def server_time() -> datetime | None:
        return server[0]

    skew = ClockSkewCheck(clock, server_time)
    assert (await skew.run()).status is H
    server[0] = T0 - timedelta(seconds=10)
    assert (await skew.run()).status is D
    server[0] = T0 + timedelta(minutes=5)
    assert (await skew.run()).status is U


async def test_runner_records_and_board_reports_transitions_once(clock: FixedClock) -> None:
    state = ["CONNECTED"]
    board = HealthBoard()
    seen: list[tuple[str, Status, Status | None]] = []
    board.on_transition(lambda r, prev: seen.append((r.name, r.status, prev)))
    check = ConnectionCheck(clock, lambda: (state[0], ""), lambda: 0.01)
    runner = HealthRunner([check], board)
    await runner.run_once()
    await runner.run_once()
    state[0] = "DISCONNECTED"
    await runner.run_once()
    assert seen == [
        ("connection", H, None),
        ("connection", U, H),
    ]
    assert board.overall is U
    assert len(board.history("connection")) == 3


async def test_a_failing_check_shows_as_unhealthy(clock: FixedClock) -> None:
    class Broken(FarmCheck):
        async def run(self) -> CheckResult:
            raise RuntimeError("probe exploded")

    board = HealthBoard()
    results = await HealthRunner([Broken(clock, dict)], board).run_once()
    assert results[0].status is U and "probe exploded" in results[0].message


def test_statistics_helpers() -> None:
    assert slope_per_second([(0, 0), (1, 2), (2, 4)]) == pytest.approx(2.0)
    assert slope_per_second([(0, 5)]) == 0.0
    assert percentile([float(i) for i in range(1, 101)], 99) == 99.0
    assert percentile([], 99) == 0.0
    assert math.isclose(percentile([3.0], 50), 3.0)


def test_robust_slope_follows_the_trend_not_a_spike_at_the_end() -> None:
    # Flat at 100 for 50 samples with a transient +40 over the last three (a flush caught
    # at the end of a run): least squares reads growth, the robust slope reads none.
    flat = [(float(t), 100.0) for t in range(50)] + [(50.0, 140.0), (51.0, 140.0), (52.0, 140.0)]
    assert slope_per_second(flat) > 0.15
    assert robust_slope_per_second(flat) == 0.0
    rising = [(float(t), 3.0 * t + (40.0 if t % 10 == 0 else 0.0)) for t in range(40)]
    assert robust_slope_per_second(rising) == pytest.approx(3.0)
    assert robust_slope_per_second([(0.0, 5.0), (1.0, 7.0)]) == pytest.approx(2.0)
    assert robust_slope_per_second([(0.0, 5.0), (0.0, 9.0)]) == 0.0
    assert robust_slope_per_second([]) == 0.0
