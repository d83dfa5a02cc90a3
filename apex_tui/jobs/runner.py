"""Run backfill jobs: fetch planned requests, buffer bars, write them, settle the coverage.

Per request: transient errors (pacing, timeout) are retried with exponential backoff up to
`max_attempts`; a lost connection waits for `source.wait_connected()` and retries without
using an attempt (the pacer counting the request as sent again at the reconnect); NoData
settles the sessions as gaps; any other broker error fails the request (the job ends
"failed", the other requests still run). Bars are buffered and written in files of
`flush_rows`; a request becomes "done" (in the state file and the ledger) only once its bars
are in the dataset. Pausing lets in-flight requests finish and starts no new
ones; cancelling stops at once and keeps what was written.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date

import pyarrow as pa

from apex_tui.domain.clock import Clock, SystemClock
from apex_tui.domain.errors import (
    ApexError,
    ConnectionFailed,
    NoData,
    PacingViolation,
    ValidationError,
)
from apex_tui.jobs.ledger import CoverageLedger, SessionStatus
from apex_tui.jobs.pacer import Pacer, PacingKey
from apex_tui.jobs.planner import PlannedRequest, plan, session_window, stored_counts
from apex_tui.jobs.settings import JobsSettings
from apex_tui.jobs.source import BarRequest, BarRow, HistoricalSource, OptionContract
from apex_tui.jobs.spec import BackfillSpec
from apex_tui.jobs.state import JobSpec, JobState, JobStore, RequestState
from apex_tui.store.bars import BarRepository, bars_table
from apex_tui.store.option_bars import OptionBarRepository, option_bars_table

Listener = Callable[[JobState], None]


@dataclass
class _Control:
    running: asyncio.Event = field(default_factory=asyncio.Event)
    cancelled: bool = False
    buffer: list[tuple[RequestState, list[BarRow]]] = field(default_factory=list)
    buffered_rows: int = 0
    flush_lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class _Cancelled(Exception):
    pass


class BackfillRunner:
    """Creates, runs, pauses, resumes and cancels backfill jobs."""

    def __init__(
        self,
        source: HistoricalSource,
        bars: BarRepository,
        store: JobStore,
        settings: JobsSettings | None = None,
        *,
        pacer: Pacer | None = None,
        ledger: CoverageLedger | None = None,
        clock: Clock | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        listener: Listener | None = None,
        option_bars: OptionBarRepository | None = None,
    ) -> None:
        self.source = source
        self.bars = bars
        self.option_bars = option_bars or OptionBarRepository(bars.root, bars.settings)
        self.store = store
        self.settings = settings or JobsSettings()
        self.pacer = pacer
        self.ledger = ledger or CoverageLedger(bars.root)
        self.clock = clock or SystemClock()
        self._sleep = sleep
        self._listener = listener
        self._controls: dict[str, _Control] = {}
        self.jobs: dict[str, JobState] = {}

    # -- commands ---------------------------------------------------------------------------
    def create(self, spec: JobSpec, planned: list[PlannedRequest] | None = None) -> JobState:
        """Plan `spec` against what is stored and persist the new job (it does not start).

        Option jobs come planned (apex_tui.jobs.options resolves their contracts first)."""
        if planned is None:
            if not isinstance(spec, BackfillSpec):
                raise ValidationError("an option job is planned by apex_tui.jobs.options")
            planned = plan(spec, ledger=self.ledger, counts=stored_counts(self.bars))
        job = JobState(
            id=uuid.uuid4().hex[:12],
            spec=spec,
            created_at=self.clock.now(),
            requests=[RequestState(p) for p in planned],
        )
        self.store.save(job)
        self.jobs[job.id] = job
        return job

    def pause(self, job_id: str) -> None:
        ctl = self._control(job_id)
        ctl.running.clear()
        job = self.jobs[job_id]
        if not job.finished:
            job.status = "paused"
            self._changed(job)

    def resume(self, job_id: str) -> None:
        ctl = self._control(job_id)
        job = self.jobs[job_id]
        if not job.finished:
            job.status = "running"
            self._changed(job)
        ctl.running.set()

    def cancel(self, job_id: str) -> None:
        ctl = self._control(job_id)
        ctl.cancelled = True
        ctl.running.set()  # wake paused workers so they can leave

    def eta_seconds(self, job_id: str) -> float | None:
        """Time left from the pacing budget (None without a pacer)."""
        if self.pacer is None:
            return None
        return self.pacer.eta(self.jobs[job_id].count("pending"))

    def load_unfinished(self) -> list[JobState]:
        """Jobs a previous run left unfinished (to pass to `run`)."""
        found = self.store.unfinished()
        for job in found:
            self.jobs[job.id] = job
        return found

    # -- running ----------------------------------------------------------------------------
    async def run(self, job_id: str) -> JobState:
        """Run a job until every request is settled, it is cancelled, or it fails."""
        job = self.jobs.get(job_id) or self.store.load(job_id)
        self.jobs[job.id] = job
        ctl = self._control(job.id)
        if job.status != "paused":
            ctl.running.set()
        job.status = "running" if ctl.running.is_set() else "paused"
        job.started_at = job.started_at or self.clock.now()
        self._changed(job)
        pending = asyncio.Queue[RequestState]()
        for r in job.requests:
            if r.status == "pending":
                pending.put_nowait(r)
        workers = [
            asyncio.create_task(self._worker(job, ctl, pending))
            for _ in range(min(self.settings.concurrency, max(1, pending.qsize())))
        ]
        flusher = asyncio.create_task(self._flush_when_idle(job, ctl))
        try:
            await asyncio.gather(*workers)
        finally:
            for w in (*workers, flusher):
                w.cancel()
            await self._flush(job, ctl)
        if ctl.cancelled:
            job.status = "cancelled"
        elif job.count("pending"):
            job.status = "paused"
        else:
            job.status = "failed" if job.count("failed") else "complete"
        job.finished_at = self.clock.now() if job.finished else None
        self._changed(job)
        return job

    async def _worker(
        self, job: JobState, ctl: _Control, pending: asyncio.Queue[RequestState]
    ) -> None:
        while not ctl.cancelled:
            await ctl.running.wait()
            if ctl.cancelled or pending.empty():
                return
            req = pending.get_nowait()
            try:
                rows = await self._fetch(job, ctl, req)
            except _Cancelled:
                return
            if rows is None:
                continue
            if not rows:
                await self._settle_gap(job, req)
                continue
            ctl.buffer.append((req, rows))
            ctl.buffered_rows += len(rows)
            if ctl.buffered_rows >= self.settings.flush_rows:
                await self._flush(job, ctl)

    async def _flush_when_idle(self, job: JobState, ctl: _Control) -> None:
        """Write the buffer once it is `flush_after_s` old, below `flush_rows` too.

        Without it, bars fetched before a long pacing wait (IB allows 60 requests per 10
        minutes, so a 61st waits up to 10 minutes) stay in memory, unsaved, and the job shows
        0 % done until the wait ends. Its own clock, not the injected backoff sleep.
        """
        every = self.settings.flush_after_s
        while True:
            await asyncio.sleep(every)
            if ctl.buffer:
                await self._flush(job, ctl)

    async def _fetch(self, job: JobState, ctl: _Control, req: RequestState) -> list[BarRow] | None:
        """Bars inside the request's window; [] for a gap; None when the request failed."""
        p = req.planned
        while True:
            await ctl.running.wait()
            if ctl.cancelled:
                raise _Cancelled
            req.attempts += 1
            try:
                rows = await self.source.fetch_bars(p.request)
            except NoData:
                return []
            except ConnectionFailed as exc:
                # Not the request's fault: wait for the connector, then ask again for free.
                req.attempts -= 1
                job.disconnects += 1
                job.add_error(f"{p.request.series}: disconnected ({exc}); waiting")
                self._changed(job)
                await self.source.wait_connected()
                if self.pacer is not None:
                    self.pacer.resent(PacingKey.for_request(p.request))
                continue
            except ApexError as exc:
                if isinstance(exc, PacingViolation):
                    job.pacing_violations += 1
                if not exc.retryable or req.attempts >= self.settings.max_attempts:
                    req.status, req.error = "failed", str(exc)
                    job.add_error(f"{p.key}: {exc}")
                    self._changed(job)
                    return None
                job.retries += 1
                delay = min(
                    self.settings.backoff_max_s, self.settings.backoff_s * 2 ** (req.attempts - 1)
                )
                await self._sleep(delay)
                continue
            return [r for r in rows if p.start <= r.time < p.end]

    async def _settle_gap(self, job: JobState, req: RequestState) -> None:
        req.status = "gap"
        r = req.planned.request
        gaps: dict[date, SessionStatus] = dict.fromkeys(req.planned.sessions, "gap")
        await asyncio.to_thread(self._mark, r, gaps)
        self._changed(job)

    async def _flush(self, job: JobState, ctl: _Control) -> None:
        async with ctl.flush_lock:
            batch, ctl.buffer, ctl.buffered_rows = ctl.buffer, [], 0
            if not batch:
                return
            spec = job.spec
            # One write per stock, and one per underlying for options: the repository splits
            # by expiry, so a flush makes one file per partition, not one per contract.
            stocks: dict[str, list[BarRow]] = {}
            options: dict[str, list[pa.Table]] = {}
            for req, rows in batch:
                r = req.planned.request
                if r.option is None:
                    stocks.setdefault(r.symbol, []).extend(rows)
                else:
                    options.setdefault(r.symbol, []).append(
                        _option_table(r.option, spec.bar_size, spec.what_to_show, rows)
                    )
            # Count the rows stored, new or already there: a request whose bars a killed run
            # wrote before its state was saved is fetched again, and the repository then keeps
            # the stored rows; they are this job's bars all the same.
            for symbol, rows in stocks.items():
                table = bars_table(symbol, spec.bar_size, spec.what_to_show, rows)
                result = await asyncio.to_thread(self.bars.write, table)
                job.bars_written += result.rows_in
            for tables in options.values():
                result = await asyncio.to_thread(self.option_bars.write, pa.concat_tables(tables))
                job.bars_written += result.rows_in
            for req, rows in batch:
                await self._settle_done(req, rows)
            self._changed(job)

    async def _settle_done(self, req: RequestState, rows: list[BarRow]) -> None:
        req.status, req.bars = "done", len(rows)
        r, p = req.planned.request, req.planned
        windows = [(d, *session_window(d, r.bar_size, r.use_rth)) for d in p.sessions]
        days_with_bars = {d for row in rows for d, lo, hi in windows if lo <= row.time < hi}
        status: dict[date, SessionStatus] = {
            d: ("complete" if d in days_with_bars else "gap") for d in p.sessions
        }
        await asyncio.to_thread(self._mark, r, status)

    def _mark(self, r: BarRequest, status: dict[date, SessionStatus]) -> None:
        """Settle sessions of the request's series (a stock, or one option contract)."""
        self.ledger.mark(r.symbol, r.bar_size, r.what_to_show, r.use_rth, status, option=r.option)

    # -- helpers ----------------------------------------------------------------------------
    def _control(self, job_id: str) -> _Control:
        if job_id not in self.jobs:
            self.jobs[job_id] = self.store.load(job_id)
        return self._controls.setdefault(job_id, _Control())

    def _changed(self, job: JobState) -> None:
        self.store.save(job)
        if self._listener is not None:
            self._listener(job)


def _option_table(o: OptionContract, size: str, what: str, rows: list[BarRow]) -> pa.Table:
    return option_bars_table(
        o.underlying, size, what, expiry=o.expiry, strike=o.strike, right=o.right,
        con_id=o.con_id, rows=rows,
    )  # fmt: skip
