"""BackfillService: the Engine's owner of backfill jobs (create, run, pause, resume, cancel).

Each job runs as one asyncio task around `BackfillRunner.run`. The service keeps a version
counter that moves on every change, and hands the Jobs pane frozen `JobView`s; the pane pulls
on its timer. On `start` it reloads the jobs a previous run left unfinished and runs them again
(a job the trader paused stays paused). `stop` cancels the tasks without marking the jobs, so
their state files still say running/paused and the next start picks them up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from apex_tui.broker.settings import BrokerMode
from apex_tui.config import Settings
from apex_tui.domain.clock import Clock, SystemClock
from apex_tui.domain.errors import ApexError, ValidationError
from apex_tui.jobs.option_spec import OptionBackfillSpec
from apex_tui.jobs.options import as_option_source, create_option_job
from apex_tui.jobs.pacer import Pacer, PacingBudget
from apex_tui.jobs.runner import BackfillRunner
from apex_tui.jobs.settings import JobsSettings, PacingSettings
from apex_tui.jobs.source import HistoricalSource
from apex_tui.jobs.spec import BackfillSpec
from apex_tui.jobs.state import JobState, JobStore, RequestState
from apex_tui.logging import get_logger
from apex_tui.store.bars import BarRepository
from apex_tui.store.option_chains import OptionChainRepository

log = get_logger(__name__)

# Loopback latency between a pacing grant and the simulator's check does not shrink with the
# pacing scale, so the margin never goes below this (seconds) when following the simulator.
MIN_SIM_MARGIN_S = 0.02


def pacing_for(settings: Settings) -> PacingSettings:
    """The pacer's windows: `[jobs.pacing]`, except that in sim mode, unless `scale` is set
    there, they follow the embedded simulator's `[sim] pacing_scale` (its windows are known)."""
    pacing = settings.jobs.pacing
    if settings.broker.mode is not BrokerMode.SIM or "scale" in pacing.model_fields_set:
        return pacing
    scale = settings.sim.pacing_scale
    margin = min(10.0, max(pacing.margin_s, MIN_SIM_MARGIN_S / min(1.0, scale)))
    return pacing.model_copy(update={"scale": scale, "margin_s": margin})


@dataclass(frozen=True, slots=True)
class RequestView:
    """One planned request as the details screen shows it."""

    symbol: str  # the series: a symbol, or an option's "AAPL 20261127 200C"
    end: datetime
    duration: str
    sessions: tuple[date, ...]
    status: str  # pending, done, gap, failed
    attempts: int
    bars: int
    error: str | None


@dataclass(frozen=True, slots=True)
class JobView:
    """A frozen copy of one job's counters for the Jobs pane."""

    id: str
    description: str
    status: str  # pending, running, paused, complete, failed, cancelled
    waiting: bool  # running, but the gateway is down: the job waits for it
    requests: int
    settled: int
    done: int
    gaps: int
    failed: int
    bars_written: int
    retries: int
    pacing_violations: int
    disconnects: int
    errors: tuple[str, ...]
    gap_sessions: tuple[str, ...]
    eta_s: float | None
    created_at: datetime

    @property
    def progress(self) -> float:
        """Share of requests settled (1.0 for a job with nothing to ask)."""
        return self.settled / self.requests if self.requests else 1.0

    @property
    def finished(self) -> bool:
        return self.status in ("complete", "failed", "cancelled")

    @property
    def state(self) -> str:
        """The status word the pane shows."""
        return "waiting" if self.waiting else self.status


def _request_view(r: RequestState) -> RequestView:
    req = r.planned.request
    return RequestView(
        req.series, req.end, req.duration, r.planned.sessions, r.status, r.attempts, r.bars, r.error
    )


class BackfillService:
    """Runs backfill jobs as tasks on the running loop; the UI reads `jobs()` and `version`."""

    def __init__(
        self,
        settings: JobsSettings,
        bars: BarRepository,
        source: HistoricalSource,
        pacer: Pacer | None = None,
        *,
        clock: Clock | None = None,
        connected: Callable[[], bool] | None = None,
        store: JobStore | None = None,
    ) -> None:
        self.settings = settings
        self.pacer = pacer
        self.clock = clock or SystemClock()
        self._connected = connected
        self.runner = BackfillRunner(
            source,
            bars,
            store or JobStore(settings.state_dir),
            settings,
            pacer=pacer,
            clock=self.clock,
            listener=self._on_change,
        )
        self._chains = OptionChainRepository(bars.root, bars.settings)
        self.version = 0
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._cancelling: set[str] = set()
        self._first_settled: dict[str, tuple[float, int]] = {}  # job -> (monotonic, settled)
        self._started = False

    # -- life cycle -------------------------------------------------------------------------
    async def start(self) -> list[str]:
        """Load the jobs on disk; run again those left unfinished. Returns their ids."""
        if self._started:
            return []
        self._started = True
        store = self.runner.store
        every = await asyncio.to_thread(store.all)
        for job in every:
            self.runner.jobs.setdefault(job.id, job)
        resumed = [j.id for j in every if not j.finished]
        for job_id in resumed:
            log.info("backfill_resumed", job_id=job_id, status=self.runner.jobs[job_id].status)
            self._launch(job_id)
        self._bump()
        return resumed

    async def stop(self) -> None:
        """Cancel every job's task; their state stays resumable (fetched bars are written)."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()

    # -- commands ---------------------------------------------------------------------------
    async def create(self, spec: BackfillSpec | OptionBackfillSpec) -> JobState:
        """Plan `spec` against the dataset (off the loop), persist the job and start it.

        An option job first snapshots the chain through the source (stored in
        `option_chains`); ValidationError when the chain lacks what the spec names."""
        if isinstance(spec, OptionBackfillSpec):
            source = as_option_source(self.runner.source)
            job = (await create_option_job(self.runner, source, self._chains, spec)).job
        else:
            job = await asyncio.to_thread(self.runner.create, spec)
        log.info(
            "backfill_created", job_id=job.id, spec=spec.describe(), requests=len(job.requests)
        )
        self._launch(job.id)
        self._bump()
        return job

    def pause(self, job_id: str) -> None:
        """Send no new requests (those in flight finish)."""
        self._unfinished(job_id)
        self.runner.pause(job_id)
        log.info("backfill_paused", job_id=job_id)

    def resume(self, job_id: str) -> None:
        """Continue a paused job (also one paused before a restart)."""
        self._unfinished(job_id)
        self._first_settled.pop(job_id, None)  # the pace before the pause says nothing now
        self.runner.resume(job_id)
        if job_id not in self._tasks:
            self._launch(job_id)
        log.info("backfill_resumed", job_id=job_id, status="running")

    def toggle_pause(self, job_id: str) -> str:
        """Pause a running job or resume a paused one; returns the new status."""
        job = self._unfinished(job_id)
        if job.status == "paused":
            self.resume(job_id)
        else:
            self.pause(job_id)
        return job.status

    def cancel(self, job_id: str) -> None:
        """Stop at once, keeping what was written (requests in flight are abandoned)."""
        self._unfinished(job_id)
        self.runner.cancel(job_id)
        task = self._tasks.get(job_id)
        if task is None:
            self._mark_cancelled(self.runner.jobs[job_id])
            return
        # The runner's own cancel waits for requests in flight, and a pacing wait can last
        # minutes: cancel the task; the runner still flushes what it buffered.
        self._cancelling.add(job_id)
        task.cancel()
        log.info("backfill_cancelled", job_id=job_id)

    # -- reads for the UI ---------------------------------------------------------------------
    def jobs(self) -> list[JobView]:
        """Every job, newest first."""
        ordered = sorted(self.runner.jobs.values(), key=lambda j: j.created_at, reverse=True)
        return [self._view(j) for j in ordered]

    def job(self, job_id: str) -> JobView:
        return self._view(self._job(job_id))

    def requests(self, job_id: str) -> list[RequestView]:
        """The job's planned requests with their status (the details screen)."""
        return [_request_view(r) for r in self._job(job_id).requests]

    def budget(self) -> PacingBudget | None:
        """The pacer's windows for the gauge (None without a pacer)."""
        return None if self.pacer is None else self.pacer.budget()

    def eta_seconds(self, job_id: str) -> float | None:
        """Seconds left: the pacing budget's lower bound, or the pace achieved when slower."""
        job = self._job(job_id)
        if job.finished:
            return 0.0
        pending = job.count("pending")
        bound = self.runner.eta_seconds(job_id)
        first = self._first_settled.get(job_id)
        if first is None or job.settled <= first[1]:
            return bound
        elapsed = self.clock.monotonic() - first[0]
        rate = (job.settled - first[1]) / elapsed if elapsed > 0 else 0.0
        observed = pending / rate if rate > 0 else None
        if observed is None:
            return bound
        return observed if bound is None else max(bound, observed)

    async def wait_finished(self, job_id: str) -> JobState:
        """Wait for a job's task to end (tests, the headless command)."""
        task = self._tasks.get(job_id)
        if task is not None:
            await asyncio.gather(task, return_exceptions=True)
        return self._job(job_id)

    # -- internals ----------------------------------------------------------------------------
    def _job(self, job_id: str) -> JobState:
        job = self.runner.jobs.get(job_id)
        if job is None:
            raise ValidationError(f"no backfill job {job_id!r}")
        return job

    def _unfinished(self, job_id: str) -> JobState:
        job = self._job(job_id)
        if job.finished:
            raise ValidationError(f"job {job_id} is already {job.status}")
        return job

    def _launch(self, job_id: str) -> None:
        self._first_settled.pop(job_id, None)
        task = asyncio.create_task(self._drive(job_id), name=f"backfill-{job_id}")
        self._tasks[job_id] = task
        task.add_done_callback(self._forget)

    def _forget(self, task: asyncio.Task[None]) -> None:
        for job_id, known in list(self._tasks.items()):
            if known is task:
                del self._tasks[job_id]

    async def _drive(self, job_id: str) -> None:
        try:
            job = await self.runner.run(job_id)
        except asyncio.CancelledError:
            if job_id not in self._cancelling:
                raise  # stop(): leave the job resumable
            self._cancelling.discard(job_id)
            self._mark_cancelled(self.runner.jobs[job_id])
            return
        except ApexError as exc:
            self._mark_failed(job_id, str(exc))
            return
        except Exception as exc:  # a bug must not vanish with the task: log it, fail the job
            log.exception("backfill_crashed", job_id=job_id)
            self._mark_failed(job_id, repr(exc))
            return
        self._cancelling.discard(job_id)
        log.info("backfill_finished", job_id=job_id, **_log_fields(job))

    def _mark_cancelled(self, job: JobState) -> None:
        job.status = "cancelled"
        job.finished_at = self.clock.now()
        self._save(job)

    def _mark_failed(self, job_id: str, error: str) -> None:
        job = self.runner.jobs[job_id]
        job.add_error(error)
        job.status = "failed"
        job.finished_at = self.clock.now()
        log.error("backfill_failed", job_id=job_id, error=error)
        self._save(job)

    def _save(self, job: JobState) -> None:
        try:
            self.runner.store.save(job)
        except ApexError as exc:
            log.error("backfill_state_not_saved", job_id=job.id, error=str(exc))
        self._on_change(job)

    def _on_change(self, job: JobState) -> None:
        if job.id not in self._first_settled and job.status == "running":
            self._first_settled[job.id] = (self.clock.monotonic(), job.settled)
        self._bump()

    def _bump(self) -> None:
        self.version += 1

    def _view(self, job: JobState) -> JobView:
        connected = self._connected
        waiting = job.status == "running" and connected is not None and not connected()
        summary_gaps = sorted(
            {
                f"{r.planned.request.series} {d}"
                for r in job.requests
                if r.status == "gap"
                for d in r.planned.sessions
            }
        )
        return JobView(
            id=job.id,
            description=job.spec.describe(),
            status=job.status,
            waiting=waiting,
            requests=len(job.requests),
            settled=job.settled,
            done=job.count("done"),
            gaps=job.count("gap"),
            failed=job.count("failed"),
            bars_written=job.bars_written,
            retries=job.retries,
            pacing_violations=job.pacing_violations,
            disconnects=job.disconnects,
            errors=tuple(job.errors),
            gap_sessions=tuple(summary_gaps),
            eta_s=None if job.finished else self.eta_seconds(job.id),
            created_at=job.created_at,
        )


def _log_fields(job: JobState) -> dict[str, object]:
    s = job.summary()
    return {k: s[k] for k in ("status", "requests", "gaps", "failed", "bars_written", "retries")}
