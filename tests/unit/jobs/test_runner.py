"""The runner with a fake source: retries, gaps, disconnects, pause/resume/cancel, restart."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from apex_tui.domain.errors import BrokerError, PacingViolation, RequestTimeout
from apex_tui.jobs.pacer import Pacer
from apex_tui.jobs.runner import BackfillRunner
from apex_tui.jobs.settings import JobsSettings, PacingSettings
from apex_tui.jobs.spec import BackfillSpec
from apex_tui.jobs.state import JobStore
from apex_tui.store.lake import Lake
from apex_tui.store.settings import DataSettings
from tests.unit.jobs.fakes import FakeSource, StrictReferee, bars_for
from tests.unit.jobs.test_pacer import FakeTime

SPEC = BackfillSpec.create(["AAPL", "MSFT"], "1 min", date(2026, 11, 2), date(2026, 11, 6))
EXPECTED_BARS = 2 * 5 * 390


async def wait_until(cond: Callable[[], bool], deadline_s: float = 5.0) -> None:
    """Poll a condition on the loop with a deadline."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + deadline_s
    while not cond():
        if loop.time() > deadline:
            raise AssertionError("condition not met before deadline")
        await asyncio.sleep(0.001)


async def no_sleep(_: float) -> None:
    await asyncio.sleep(0)


def make(tmp_path: Path, source: FakeSource, **kw: object) -> tuple[Lake, BackfillRunner]:
    lake = Lake.open(DataSettings(dir=str(tmp_path / "lake")))
    settings = JobsSettings(state_dir=str(tmp_path / "jobs"), backoff_s=0.01, **kw)
    runner = BackfillRunner(
        source, lake.bars, JobStore(settings.state_dir), settings, sleep=no_sleep
    )
    return lake, runner


def assert_complete_series(lake: Lake) -> None:
    for sym in ("AAPL", "MSFT"):
        df = lake.bars.read_bars(sym, "1 min")
        assert df.height == 5 * 390 and df["time"].n_unique() == df.height  # no dupes, no holes


async def test_job_completes_and_a_second_run_makes_no_requests(tmp_path: Path) -> None:
    src = FakeSource()
    lake, runner = make(tmp_path, src)
    job = await runner.run(runner.create(SPEC).id)
    assert job.status == "complete" and job.bars_written == EXPECTED_BARS
    assert len(src.calls) == 10
    assert_complete_series(lake)
    again = runner.create(SPEC)
    assert again.requests == []
    assert (await runner.run(again.id)).status == "complete"
    assert len(src.calls) == 10


async def test_transient_errors_are_retried_and_no_data_is_a_gap(tmp_path: Path) -> None:
    src = FakeSource(
        fail={1: RequestTimeout("slow"), 2: PacingViolation("162", code=162)},
        gaps={("MSFT", "2026-11-04")},
    )
    lake, runner = make(tmp_path, src, concurrency=1)
    job = await runner.run(runner.create(SPEC).id)
    assert job.status == "complete"
    assert (job.retries, job.pacing_violations, job.count("gap")) == (2, 1, 1)
    assert job.summary()["gap_sessions"] == ["MSFT 2026-11-04"]
    assert lake.bars.read_bars("MSFT", "1 min").height == 4 * 390
    calls = len(src.calls)
    # The gap is settled: a second run does not ask for it again.
    assert runner.create(SPEC).requests == [] and len(src.calls) == calls


async def test_fatal_error_fails_the_request_but_not_the_others(tmp_path: Path) -> None:
    src = FakeSource(fail={3: BrokerError("No security definition", code=200)})
    _lake, runner = make(tmp_path, src, concurrency=1)
    job = await runner.run(runner.create(SPEC).id)
    assert job.status == "failed" and job.count("failed") == 1 and job.count("done") == 9
    assert "200" in job.errors[-1]


async def test_retries_give_up_after_max_attempts(tmp_path: Path) -> None:
    src = FakeSource(fail={i: RequestTimeout("slow") for i in range(1, 4)})
    _, runner = make(tmp_path, src, concurrency=1, max_attempts=3)
    job = await runner.run(runner.create(SPEC).id)
    assert job.count("failed") == 1 and job.requests[0].attempts == 3


async def test_a_request_lost_with_the_session_is_retried_a_full_identical_window_later(
    tmp_path: Path,
) -> None:
    ft = FakeTime()
    pacer = Pacer(PacingSettings(margin_s=0.0), monotonic=ft.monotonic, sleep=ft.sleep)
    src = FakeSource(pacer=pacer, disconnect_at={3})
    _, runner = make(tmp_path, src, concurrency=1)
    runner.pacer = pacer
    job = runner.create(SPEC)
    task = asyncio.create_task(runner.run(job.id))
    await wait_until(lambda: job.disconnects == 1)
    ft.t += 5.0  # the session is back 5 s after the drop
    src.connected.set()
    done = await task
    assert done.status == "complete" and len(src.calls) == 11
    assert ft.sleeps == [15.0]  # 15 s from the reconnect; from the drop it would be 10 s


async def test_disconnect_pauses_and_completes_without_duplicates_or_gaps(tmp_path: Path) -> None:
    src = FakeSource(disconnect_at={3, 7})
    lake, runner = make(tmp_path, src)

    async def reconnect() -> None:
        for _ in range(2):
            await wait_until(lambda: not src.connected.is_set())
            await asyncio.sleep(0.01)
            src.connected.set()

    fixer = asyncio.create_task(reconnect())
    job = await asyncio.wait_for(runner.run(runner.create(SPEC).id), 10)
    await fixer
    assert job.status == "complete" and job.disconnects >= 2
    assert job.count("gap") == 0 and job.count("failed") == 0
    assert_complete_series(lake)


async def test_pause_resume_and_cancel(tmp_path: Path) -> None:
    src = FakeSource(latency=0.001)
    _, runner = make(tmp_path, src, concurrency=1)
    job = runner.create(SPEC)
    src.on_call = lambda n: runner.pause(job.id) if n == 2 else None
    task = asyncio.create_task(runner.run(job.id))
    await wait_until(lambda: runner.jobs[job.id].status == "paused")
    for _ in range(20):
        await asyncio.sleep(0.002)
    assert len(src.calls) == 2  # paused: nothing new is asked
    assert runner.store.load(job.id).status == "paused"
    src.on_call = lambda n: runner.cancel(job.id) if n == 4 else None
    runner.resume(job.id)
    done = await asyncio.wait_for(task, 5)
    assert done.status == "cancelled" and len(src.calls) == 4
    assert done.count("done") == 4  # fetched bars are kept


async def test_resume_after_restart(tmp_path: Path) -> None:
    src = FakeSource()
    lake, runner = make(tmp_path, src, concurrency=1)
    job = runner.create(SPEC)
    # Simulate a crash after one request settled: its bars are stored, its state says "done",
    # the job's file still says "running".
    state = runner.store.load(job.id)
    state.status = "running"
    state.requests[0].status = "done"
    lake.bars.write_bars("AAPL", "1 min", "TRADES", bars_for(state.requests[0].planned.request))
    runner.store.save(state)
    # A new process: new runner, same folders.
    src2 = FakeSource()
    lake2, runner2 = make(tmp_path, src2)
    unfinished = runner2.load_unfinished()
    assert [j.id for j in unfinished] == [job.id]
    done = await runner2.run(job.id)
    assert done.status == "complete" and len(src2.calls) == 9
    assert_complete_series(lake2)


async def test_paced_backfill_through_a_strict_referee_has_no_violations(tmp_path: Path) -> None:
    clock = {"t": 0.0}

    async def fake_sleep(s: float) -> None:
        clock["t"] += s
        await asyncio.sleep(0)

    pacer = Pacer(PacingSettings(scale=1.0), monotonic=lambda: clock["t"], sleep=fake_sleep)
    referee = StrictReferee(now=lambda: clock["t"])
    src = FakeSource(pacer=pacer, referee=referee)
    spec = BackfillSpec.create(
        [f"S{i}" for i in range(14)], "1 min", date(2026, 11, 2), date(2026, 11, 6)
    )
    _, runner = make(tmp_path, src, concurrency=8)
    job = await runner.run(runner.create(spec).id)
    assert job.status == "complete" and referee.violations == 0
    assert len(src.calls) == 70
    # 70 requests under 60 / 10 min: the last waits one window, and no more.
    assert clock["t"] == pytest.approx(600.05, abs=0.01)


async def test_bars_fetched_before_a_long_wait_are_written_and_counted(tmp_path: Path) -> None:
    """A job stalled (IB's 10-minute pacing window, a lost link) keeps what it fetched: the
    buffer is written after flush_after_s although far below flush_rows, so the bars are safe
    and the pane shows the requests done instead of 0 %."""
    src = FakeSource(disconnect_at={3})  # the third request waits for a reconnect
    lake, runner = make(tmp_path, src, concurrency=1, flush_rows=1_000_000, flush_after_s=0.05)
    job = runner.create(SPEC)
    task = asyncio.create_task(runner.run(job.id))
    await wait_until(lambda: not src.connected.is_set())
    # persisted, not only in memory (the state file is saved once the flush has written)
    await wait_until(lambda: runner.store.load(job.id).count("done") == 2, deadline_s=3)
    stored = sum(lake.bars.read_bars(sym, "1 min").height for sym in ("AAPL", "MSFT"))
    assert stored == 2 * 390
    src.connected.set()
    done = await asyncio.wait_for(task, 5)
    assert done.status == "complete" and done.bars_written == EXPECTED_BARS
    assert_complete_series(lake)
