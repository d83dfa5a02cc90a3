"""A child process for the backfill crash drill: runs one backfill job as the Engine runs it
(a BackfillService over the connector's option source and pacer) until it ends or is killed.

    python -m tests.integration.drills.backfill_child PORT DATA_DIR STATE_DIR LOG [STALL]

It logs to the file LOG, connects to the simulator on 127.0.0.1:PORT, then resumes the
unfinished job STATE_DIR holds, or creates it when STATE_DIR holds none. On stdout it prints
`job <id> created|resumed`, `sent <key>` as each request goes to the gateway, `settled <key>`
once the state file on disk says so, and `finished <status> <JSON summary>`. STALL `settle`
makes the third request to be settled hang after its bars are in the dataset and before the
state file records it (`midsettle <key>`), so the parent kills it exactly there.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import date
from pathlib import Path

from apex_tui.broker.connector import Connector
from apex_tui.broker.states import ConnectionState
from apex_tui.core.backfill import BackfillService
from apex_tui.jobs.pacer import Pacer
from apex_tui.jobs.runner import BackfillRunner
from apex_tui.jobs.settings import JobsSettings, PacingSettings
from apex_tui.jobs.source import BarRequest, BarRow, HistoricalSource
from apex_tui.jobs.spec import BackfillSpec
from apex_tui.jobs.state import JobState, JobStore, RequestState
from apex_tui.logging import configure_logging
from apex_tui.store.lake import Lake
from apex_tui.store.settings import DataSettings
from tests.integration.broker.conftest import fast_settings

SYMBOLS = ("AAPL", "MSFT", "SPY")
START, END = date(2026, 11, 9), date(2026, 11, 13)  # Mon..Fri: 15 requests of one session
SCALE = 0.02  # the simulator's pacing_scale
STALL_AT = 3


def key(req: BarRequest) -> str:
    """A request's name on one line: series, end and duration identify it within a job."""
    return f"{req.series}@{req.end.isoformat()}/{req.duration.replace(' ', '')}"


def say(line: str) -> None:
    print(line, flush=True)


class PrintingStore(JobStore):
    """Announces each request once the state file holding it as settled is on disk."""

    def __init__(self, folder: str) -> None:
        super().__init__(folder)
        self.announced: set[str] = set()

    def save(self, job: JobState) -> None:
        super().save(job)
        for r in job.requests:
            k = key(r.planned.request)
            if r.status != "pending" and k not in self.announced:
                self.announced.add(k)
                say(f"settled {k}")


class Announcing:
    """The source as the runner sees it, printing each request as it goes out."""

    def __init__(self, inner: HistoricalSource) -> None:
        self.inner = inner

    async def wait_connected(self) -> None:
        await self.inner.wait_connected()

    async def fetch_bars(self, req: BarRequest) -> list[BarRow]:
        say(f"sent {key(req)}")
        return await self.inner.fetch_bars(req)


def stall_after_the_write() -> None:
    """Hang the STALL_AT-th settle between the bars' write and the state file's update."""
    real = BackfillRunner._settle_done
    settles = 0

    async def settle_done(self: BackfillRunner, req: RequestState, rows: list[BarRow]) -> None:
        nonlocal settles
        settles += 1
        if settles == STALL_AT:
            say(f"midsettle {key(req.planned.request)}")
            await asyncio.sleep(3600)
        await real(self, req, rows)

    BackfillRunner._settle_done = settle_done  # type: ignore[method-assign]


async def main(port: int, data_dir: str, state_dir: str, stall: str) -> None:
    if stall == "settle":
        stall_after_the_write()
    lake = Lake.open(DataSettings(dir=data_dir))
    connector = Connector(fast_settings(port))
    await connector.start()
    await connector.wait_for_state(ConnectionState.CONNECTED, within=10)
    pacer = Pacer(PacingSettings(scale=SCALE, margin_s=1.0))
    store = PrintingStore(state_dir)
    service = BackfillService(
        JobsSettings(state_dir=state_dir, concurrency=2, flush_rows=1, backoff_s=0.05),
        lake.bars,
        Announcing(connector.option_source(pacer)),
        pacer,
        connected=lambda: connector.board.is_live,
        store=store,
    )
    resumed = await service.start()
    for job in service.runner.jobs.values():  # what the last run settled: not news
        store.announced |= {key(r.planned.request) for r in job.requests if r.status != "pending"}
    if resumed:
        job_id = resumed[0]
        say(f"job {job_id} resumed")
    else:
        job_id = (await service.create(BackfillSpec.create(list(SYMBOLS), "1 min", START, END))).id
        say(f"job {job_id} created")
    done = await service.wait_finished(job_id)
    say(f"finished {done.status} {json.dumps(done.summary(), default=str)}")
    await service.stop()
    await connector.stop()


if __name__ == "__main__":
    port, data, state, log_file, *rest = sys.argv[1:]
    configure_logging(Path(log_file))  # stdout carries only the lines above
    asyncio.run(main(int(port), data, state, rest[0] if rest else ""))
