"""BackfillService against the real simulator (strict pacing): complete, idempotent, through a
disconnect, and resumed after a restart."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from apex_tui.broker.connector import Connector
from apex_tui.jobs.spec import BackfillSpec
from apex_tui.sim.server import SimulatorServer
from apex_tui.store.lake import Lake
from tests.integration.jobs.conftest import StallAt, assert_complete_series, make_service, until

pytestmark = pytest.mark.integration

SYMBOLS = ("AAPL", "MSFT")
# Monday..Friday in the simulator's past (history follows the exchange calendar).
START, END = date(2026, 11, 9), date(2026, 11, 13)


def spec(start: date = START, end: date = END) -> BackfillSpec:
    return BackfillSpec.create(list(SYMBOLS), "1 min", start, end)


async def test_backfill_completes_without_162_and_a_second_run_asks_nothing(
    connector: Connector, lake: Lake, tmp_path: Path, pacing_log: Callable[[], list[str]]
) -> None:
    service = make_service(connector, lake, tmp_path / "jobs")
    await service.start()
    job = await service.create(spec(START, date(2026, 11, 11)))  # 3 sessions
    assert len(job.requests) == 6  # one "1 D" request per symbol and session
    done = await service.wait_finished(job.id)
    assert done.status == "complete", done.errors
    assert (done.pacing_violations, done.retries, done.count("gap")) == (0, 0, 0)
    assert done.bars_written == 2 * 3 * 390
    assert pacing_log() == []
    assert_complete_series(lake, SYMBOLS, START, date(2026, 11, 11))

    budget = service.budget()
    assert budget is not None
    granted = budget.granted
    again = await service.create(spec(START, date(2026, 11, 11)))
    assert again.requests == []
    assert (await service.wait_finished(again.id)).status == "complete"
    after = service.budget()
    assert after is not None and after.granted == granted  # not one request sent
    views = service.jobs()
    assert [v.id for v in views] == [again.id, job.id] and views[1].progress == 1.0
    await service.stop()


async def test_backfill_through_a_disconnect_has_no_duplicates_or_gaps(
    strict_sim: SimulatorServer, connector: Connector, lake: Lake, tmp_path: Path
) -> None:
    service = make_service(
        connector,
        lake,
        tmp_path / "jobs",
        concurrency=2,
        wrap=lambda inner: StallAt(inner, strict_sim, 4),
    )
    await service.start()
    job = await service.create(spec())  # 2 symbols x 5 sessions = 10 requests
    pacer = service.pacer
    assert pacer is not None
    # Request 4 went out into a stalled simulator: it is in flight when every client drops.
    await until(lambda: strict_sim.faults.stalled and pacer.budget().open >= 1, within=10,
                what="a request in flight")  # fmt: skip
    assert job.settled < len(job.requests)
    strict_sim.faults.disconnect_all()
    strict_sim.faults.stalled = False  # the reconnect must be answered
    await until(lambda: not connector.board.is_live, within=5, what="the session drop")
    done = await service.wait_finished(job.id)
    assert done.status == "complete", done.errors
    assert done.disconnects >= 1 and done.count("failed") == 0
    assert connector.board.is_live  # the supervisor reconnected
    assert_complete_series(lake, SYMBOLS, START, END)
    await service.stop()


async def test_an_unfinished_job_is_resumed_after_a_restart(
    strict_sim: SimulatorServer, connector: Connector, lake: Lake, tmp_path: Path
) -> None:
    first = make_service(
        connector,
        lake,
        tmp_path / "jobs",
        concurrency=1,
        flush_rows=1,  # write every request at once: the restart re-asks only unsettled ones
        wrap=lambda inner: StallAt(inner, strict_sim, 3),
    )
    await first.start()
    job = await first.create(spec())
    await until(lambda: strict_sim.faults.stalled and job.settled == 2, within=10,
                what="request 3 in flight")  # fmt: skip
    await first.stop()  # the app quits mid-job
    strict_sim.faults.stalled = False
    strict_sim.resume_sessions()
    saved = json.loads((tmp_path / "jobs" / f"{job.id}.json").read_text())
    assert saved["status"] == "running"
    left = [r for r in saved["requests"] if r["status"] == "pending"]
    assert 0 < len(left) < len(saved["requests"])

    second = make_service(connector, lake, tmp_path / "jobs")
    assert await second.start() == [job.id]
    view = second.job(job.id)
    assert view.settled == 2  # what the first run settled is not asked again
    done = await second.wait_finished(job.id)
    assert done.status == "complete", done.errors
    # The new process's pacer does not know what the old one sent: request 3, answered by the
    # simulator after the quit, may be refused once as identical (then retried).
    assert done.pacing_violations <= 1 and done.count("failed") == 0
    assert_complete_series(lake, SYMBOLS, START, END)
    await second.stop()
