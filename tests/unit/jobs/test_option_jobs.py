"""Option jobs with a fake option source: chain choice, planning per contract up to expiry,
bars in option_bars, gaps settled as gaps, zero requests the second time, resume after restart."""

from __future__ import annotations

from datetime import UTC, date, datetime
from itertools import pairwise
from pathlib import Path

from apex_tui.domain.clock import FixedClock
from apex_tui.jobs.option_spec import OptionBackfillSpec, OptionChainSpec
from apex_tui.jobs.options import create_option_job
from apex_tui.jobs.pacer import PacingKey
from apex_tui.jobs.runner import BackfillRunner
from apex_tui.jobs.settings import JobsSettings
from apex_tui.jobs.state import JobStore
from apex_tui.store.coverage import coverage
from apex_tui.store.lake import Lake
from apex_tui.store.settings import DataSettings
from tests.unit.jobs.option_fakes import FakeOptionSource

NOW = datetime(2026, 11, 21, 12, tzinfo=UTC)  # a Saturday: the week before is history
CHAIN = OptionChainSpec.create("AAPL", "next:2", "atm:3")
SPEC = OptionBackfillSpec.create(CHAIN, "1 hour", date(2026, 11, 16), date(2026, 11, 20))
BARS_PER_SESSION = 7  # 1-hour RTH bars: 09:30, 10:30, ... 15:30 ET


def make(tmp_path: Path, source: FakeOptionSource) -> tuple[Lake, BackfillRunner]:
    lake = Lake.open(DataSettings(dir=str(tmp_path / "lake")))
    settings = JobsSettings(state_dir=str(tmp_path / "jobs"), backoff_s=0.01)
    runner = BackfillRunner(
        source,
        lake.bars,
        JobStore(settings.state_dir),
        settings,
        clock=FixedClock(NOW),
        option_bars=lake.option_bars,
    )
    return lake, runner


async def test_option_job_plans_per_contract_up_to_expiry_and_second_run_asks_nothing(
    tmp_path: Path,
) -> None:
    src = FakeOptionSource()
    lake, runner = make(tmp_path, src)
    start = await create_option_job(runner, src, lake.option_chains, SPEC)
    snap, job = start.snapshot, start.job
    assert snap.params.exchange == "SMART" and snap.expiries == ("20261118", "20261127")
    assert snap.price == 1.5 and snap.price_day == date(2026, 11, 20)
    assert sorted({c.strike for c in snap.contracts}) == [1.0, 1.5, 2.0]
    assert start.chain_rows_written == 12 and lake.option_chains.read_chain("AAPL").height == 12
    # One request per contract: the 1118 expiry stops after its third session.
    durations = sorted(r.planned.request.duration for r in job.requests)
    assert durations == ["3 D"] * 6 + ["5 D"] * 6
    # Contracts are interleaved: no two neighbours share the burst window's contract key.
    keys = [PacingKey.for_request(r.planned.request).contract for r in job.requests]
    assert all(a != b for a, b in pairwise(keys)) and len(set(keys)) == 12

    done = await runner.run(job.id)
    assert done.status == "complete", done.errors
    assert done.bars_written == 6 * 3 * BARS_PER_SESSION + 6 * 5 * BARS_PER_SESSION
    df = lake.option_bars.read_option_bars("AAPL", "1 hour", "20261118")
    assert df.height == 6 * 3 * BARS_PER_SESSION
    assert df.select(["strike", "right", "time"]).n_unique() == df.height
    last = df["time"].max()
    assert isinstance(last, datetime) and last < datetime(2026, 11, 19, tzinfo=UTC)  # expiry
    bar_calls = len(src.calls)
    assert bar_calls == 1 + 12  # the reference close, then the bars

    again = await create_option_job(runner, src, lake.option_chains, SPEC)
    assert again.job.requests == [] and again.chain_rows_written == 0
    assert len(src.calls) == bar_calls  # the close came from the dataset this time
    assert (await runner.run(again.job.id)).status == "complete"
    kinds = {c.kind for c in coverage(lake.root)}
    assert {"option_bars", "option_chains", "bars"} <= kinds


async def test_missing_sessions_are_gaps_and_not_asked_again(tmp_path: Path) -> None:
    src = FakeOptionSource(gaps={("AAPL", "2026-11-17")})
    lake, runner = make(tmp_path, src)
    job = (await create_option_job(runner, src, lake.option_chains, SPEC)).job
    done = await runner.run(job.id)
    assert done.status == "complete"
    df = lake.option_bars.read_option_bars("AAPL", "1 hour", "20261127")
    assert date(2026, 11, 17) not in set(df["time"].dt.date().to_list())
    ledger = runner.ledger.covered(
        "AAPL", "1 hour", "TRADES", True, option=job.requests[0].planned.request.option
    )
    assert ledger[date(2026, 11, 17)] == "gap" and ledger[date(2026, 11, 16)] == "complete"
    calls = len(src.calls)
    again = await create_option_job(runner, src, lake.option_chains, SPEC)
    assert again.job.requests == [] and len(src.calls) == calls


async def test_option_job_resumes_after_a_restart(tmp_path: Path) -> None:
    src = FakeOptionSource()
    lake, runner = make(tmp_path, src)
    job = (await create_option_job(runner, src, lake.option_chains, SPEC)).job
    # The app stopped before running it: a new runner finds it on disk and finishes it.
    src2 = FakeOptionSource()
    _, runner2 = make(tmp_path, src2)
    [found] = runner2.load_unfinished()
    assert found.id == job.id and found.spec == SPEC
    assert [r.planned for r in found.requests] == [r.planned for r in job.requests]
    done = await runner2.run(found.id)
    assert done.status == "complete" and len(src2.calls) == 12
    assert all(c.option is not None and c.option.con_id >= 1000 for c in src2.calls)
    assert lake.option_bars.read_option_bars("AAPL", "1 hour", "20261127").height == 6 * 5 * 7
