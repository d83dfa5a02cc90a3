"""Backfill drills: the link to the gateway breaks in each way a network breaks it while a
backfill job is half done, and the job still ends complete: every planned 1-minute bar stored
once (the same bars the simulator serves for that range), the dataset verifying clean, every
request answered once, and the strict simulator never refusing a request for pacing.

The job runs as the Engine runs it: a BackfillService over `connector.option_source(pacer)`,
the connector talking to a strict-pacing simulator through the FaultProxy. A tap between the
service and the source counts calls and answers per request, and holds the requests after the
first HOLD_AFTER until the test has set the fault: "mid-backfill" is then a fact, not a race.

Then the crash: a child process (backfill_child.py) running the same job is SIGKILLed midway,
once at a random moment and once between a request's write and its state update; started
again on the same state and dataset, it resumes the job, asks the gateway (a simulator that
outlives it) for exactly what the state left pending, and completes with the same exact data.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from apex_tui.broker.connector import Connector
from apex_tui.broker.settings import RequestTimeouts
from apex_tui.broker.states import ConnectionState as S
from apex_tui.core.backfill import BackfillService
from apex_tui.domain.errors import ApexError
from apex_tui.jobs.calendar import session_bounds, sessions
from apex_tui.jobs.pacer import Pacer
from apex_tui.jobs.planner import expected_bars
from apex_tui.jobs.settings import JobsSettings, PacingSettings
from apex_tui.jobs.source import BarRequest, BarRow, HistoricalSource
from apex_tui.jobs.spec import BackfillSpec
from apex_tui.jobs.state import JobState, JobStore, RequestState
from apex_tui.sim.embedded import EmbeddedSimulator
from apex_tui.sim.historical import parse_end
from apex_tui.sim.server import SimulatorServer
from apex_tui.sim.server_settings import ServerSettings
from apex_tui.sim.settings import WorldSettings
from apex_tui.sim.world import World
from apex_tui.store.bar_sizes import bar_size
from apex_tui.store.bars import BarRepository
from apex_tui.store.lake import Lake
from apex_tui.store.paths import TMP_SUFFIX, DatasetRoot
from apex_tui.store.settings import DataSettings
from apex_tui.store.verify import verify
from tests.integration.broker.conftest import fast_settings, until
from tests.integration.drills.conftest import (
    BACKOFF_MAX,
    CONNECT_TIMEOUT,
    DETECT_BOUND,
    HEARTBEAT_INTERVAL,
    HEARTBEAT_TIMEOUT,
    RECONNECT_BOUND,
)
from tests.integration.drills.proxy import FaultProxy, Mode
from tests.integration.drills.test_crash import Child

pytestmark = pytest.mark.integration

SYMBOLS = ("AAPL", "MSFT", "SPY")
START, END = date(2026, 11, 9), date(2026, 11, 13)  # Mon..Fri, in the simulator's past
REQUESTS = len(SYMBOLS) * 5  # one "1 D" request per symbol and session
CONCURRENCY = 2
HOLD_AFTER = 6  # requests answered before the fault; the next CONCURRENCY wait for it
SCALE = 0.02  # every pacing window 50x shorter, on both sides of the socket
# The pacer scales margin_s by SCALE: 1.0 keeps 20 ms for loopback latency, which does not
# shrink with the windows.
PACING = PacingSettings(scale=SCALE, margin_s=1.0)
JOB_BOUND = 15.0  # seconds for the whole job, fault and heal included
CLIENT_ID = 1  # fast_settings' client id

# mode, its settings, and whether it breaks the session (else the job must ride it out)
FAULTS: dict[str, tuple[Mode, dict[str, float], bool]] = {
    "rst": (Mode.RST, {}, True),
    "blackhole": (Mode.BLACKHOLE, {}, True),
    "close-after-bytes": (Mode.CLOSE_AFTER, {"after_bytes": 64}, True),
    "delay-beyond-heartbeat": (Mode.DELAY, {"delay": 1.5}, True),
    # ~11 KB per answer: 0.1 s each, well inside the heartbeat's 0.6 s, but slow to show.
    "throttle": (Mode.THROTTLE, {"rate": 100_000}, False),
}


class Tap:
    """Between the service and the connector's source: counts every call and answer per
    request, and parks calls after the first `hold_after` until `release()`."""

    def __init__(self, inner: HistoricalSource, hold_after: int) -> None:
        self.inner = inner
        self.hold_after = hold_after
        self.started = 0
        self.parked: list[BarRequest] = []  # the calls held until release()
        self.calls: Counter[BarRequest] = Counter()
        self.answers: Counter[BarRequest] = Counter()
        self.errors: list[str] = []
        self._gate = asyncio.Event()

    def release(self) -> None:
        self._gate.set()

    async def wait_connected(self) -> None:
        await self.inner.wait_connected()

    async def fetch_bars(self, req: BarRequest) -> list[BarRow]:
        self.started += 1
        if self.started > self.hold_after and not self._gate.is_set():
            self.parked.append(req)
            await self._gate.wait()
        self.calls[req] += 1
        try:
            rows = await self.inner.fetch_bars(req)
        except ApexError as exc:
            self.errors.append(type(exc).__name__)
            raise
        self.answers[req] += 1
        return rows


class GatewayTally:
    """The simulator's side: every historical request that reached its pacing check, by the
    request's identity (contract, end, duration, bar size, ...); counting only."""

    def __init__(self, sim: SimulatorServer, monkeypatch: pytest.MonkeyPatch) -> None:
        self.seen: Counter[tuple[object, ...]] = Counter()
        check = sim.pacing.check

        def counted(**kw: Any) -> str | None:
            self.seen[kw["request_key"]] += 1
            return check(**kw)

        monkeypatch.setattr(sim.pacing, "check", counted)
        self._world = sim.world

    def by_name(self) -> Counter[str]:
        """The counts under the names the backfill child prints (`key` there)."""
        symbol = {i.con_id: s for s in SYMBOLS for i in self._world.find(s, "STK")}
        out: Counter[str] = Counter()
        for (con_id, end, _, duration, *_), n in self.seen.items():
            assert isinstance(con_id, int) and isinstance(end, str) and isinstance(duration, str)
            at = parse_end(end, datetime.now(UTC)).isoformat()  # as the gateway read it
            out[f"{symbol[con_id]}@{at}/{duration.replace(' ', '')}"] += n
        return out


@dataclass
class BackfillRig:
    sim: SimulatorServer
    proxy: FaultProxy
    connector: Connector
    lake: Lake
    service: BackfillService
    tap: Tap
    gateway: GatewayTally

    def loss_reason(self) -> str | None:
        """Why the session was lost, once the board has shown it."""
        history = self.connector.board.history
        return next((t.reason for t in history if t.state is S.RECONNECTING), None)


@pytest.fixture
def pacing_log(caplog: pytest.LogCaptureFixture) -> Callable[[], list[str]]:
    """The simulator's own record of every request it refused with 162 for pacing."""
    caplog.set_level(logging.INFO, logger="apex_tui.sim")

    def violations() -> list[str]:
        return [r.getMessage() for r in caplog.records if "pacing violation" in r.getMessage()]

    return violations


@pytest.fixture
async def brig(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[BackfillRig]:
    world = WorldSettings(seed=7, symbols=SYMBOLS, tick_ms=50)
    server = ServerSettings(pacing="strict", pacing_scale=SCALE)
    async with SimulatorServer(server, world) as sim, FaultProxy(sim.port) as proxy:
        connector = Connector(
            fast_settings(
                proxy.port,
                heartbeat_interval=HEARTBEAT_INTERVAL,
                connect_timeout=CONNECT_TIMEOUT,
                backoff_base=0.05,
                backoff_max=BACKOFF_MAX,
                timeouts=RequestTimeouts(heartbeat=HEARTBEAT_TIMEOUT, contract_details=3.0),
            )
        )
        lake = Lake.open(DataSettings(dir=str(tmp_path / "lake")))
        settings = JobsSettings(
            state_dir=str(tmp_path / "jobs"),
            concurrency=CONCURRENCY,
            flush_rows=1,  # every answer written and settled at once: progress is visible
            backoff_s=0.05,
            backoff_max_s=0.5,
        )
        pacer = Pacer(PACING)
        tap = Tap(connector.option_source(pacer), HOLD_AFTER)
        service = BackfillService(
            settings, lake.bars, tap, pacer, connected=lambda: connector.board.is_live
        )
        try:
            await connector.start()
            await connector.wait_for_state(S.CONNECTED, within=10)
            await service.start()
            tally = GatewayTally(sim, monkeypatch)
            yield BackfillRig(sim, proxy, connector, lake, service, tap, tally)
        finally:
            await service.stop()
            await connector.stop()
            proxy.set(Mode.PASS)


def spec() -> BackfillSpec:
    return BackfillSpec.create(list(SYMBOLS), "1 min", START, END)


async def finished(service: BackfillService, job_id: str) -> JobState:
    return await asyncio.wait_for(service.wait_finished(job_id), JOB_BOUND)


def assert_dataset_is_the_simulators_history(lake: Lake, world: World) -> None:
    """Clean files; per symbol every session's 390 bars, once each, equal to what the
    simulator serves for that range."""
    report = verify(lake.root, quarantine=False)
    assert report.clean, report.problems
    days = sessions(START, END)
    bs = bar_size("1 min")
    total = 0
    for symbol in SYMBOLS:
        df = lake.bars.read_bars(symbol, "1 min")
        assert df["time"].n_unique() == df.height, f"{symbol}: duplicate bars"
        per_day = df.group_by(df["time"].dt.date()).len()
        counts = dict(zip(per_day["time"].to_list(), per_day["len"].to_list(), strict=True))
        assert counts == {d: expected_bars(bs, d, True) for d in days}, f"{symbol}: {counts}"
        (inst,) = world.find(symbol, "STK")
        served = world.bars(
            inst,
            end=session_bounds(END, True)[1],
            duration=f"{len(days)} D",
            bar_size="1 min",
            what_to_show="TRADES",
            use_rth=True,
        )
        assert [b.time for b in served] == df["time"].to_list(), f"{symbol}: other bar times"
        assert [b.close for b in served] == df["close"].to_list(), f"{symbol}: other prices"
        total += df.height
    assert report.rows == total  # nothing else in the dataset


def assert_each_request_answered_once(job: JobState, tap: Tap) -> None:
    planned = [r.planned.request for r in job.requests]
    assert len(set(planned)) == len(planned) == REQUESTS
    assert all(r.status == "done" and r.bars == 390 for r in job.requests), job.summary()
    assert tap.answers == Counter(planned), "a request answered twice, or never"
    assert job.bars_written == REQUESTS * 390


@pytest.mark.parametrize("name", list(FAULTS))
async def test_a_backfill_completes_across_a_link_fault(
    brig: BackfillRig, name: str, pacing_log: Callable[[], list[str]]
) -> None:
    mode, params, breaks = FAULTS[name]
    service, tap, proxy = brig.service, brig.tap, brig.proxy
    job = await service.create(spec())
    assert len(job.requests) == REQUESTS
    await until(
        lambda: job.settled == HOLD_AFTER and len(tap.parked) == CONCURRENCY,
        within=10,
        what=f"{HOLD_AFTER} requests settled and the next {CONCURRENCY} held",
    )
    assert not job.finished
    loop = asyncio.get_running_loop()
    broke, sent_before = loop.time(), proxy.forwarded["down"]
    proxy.set(mode, **params)  # type: ignore[arg-type]
    tap.release()  # the held requests go out into the faulty link

    if breaks:
        await until(lambda: brig.loss_reason() is not None, within=DETECT_BOUND, what="the loss")
        await until(
            lambda: job.disconnects >= 1,
            within=DETECT_BOUND,
            what="the requests in flight to fail at the drop (ConnectionFailed)",
        )
        if mode is Mode.DELAY:
            # The delayed link still carries the old session's last bytes (the two requests
            # among them) and delivers them late. The gateway answers a reconnect with the
            # same client id by 326 until it has closed that session, so heal after it has.
            await until(
                lambda: CLIENT_ID not in brig.sim.by_client,
                within=10,
                what="the gateway to close the old session",
            )
        proxy.set(Mode.PASS)
        await brig.connector.wait_for_state(S.CONNECTED, within=RECONNECT_BOUND)
    done = await finished(service, job.id)
    took, slow_bytes = loop.time() - broke, proxy.forwarded["down"] - sent_before
    proxy.set(Mode.PASS)

    assert done.status == "complete", done.errors
    assert (done.count("failed"), done.count("gap")) == (0, 0), done.summary()
    assert_each_request_answered_once(done, tap)
    assert_dataset_is_the_simulators_history(brig.lake, brig.sim.world)
    # The pacer was never exceeded: no 162 at the gateway, none seen by the job.
    assert pacing_log() == []
    assert (done.pacing_violations, done.retries) == (0, 0)
    at_gateway = sorted(brig.gateway.seen.values())
    if breaks:
        assert brig.connector.supervisor.sessions == 2
        # Exactly the requests that met the fault were asked again, once each, because of it.
        assert {r: n for r, n in tap.calls.items() if n > 1} == dict.fromkeys(tap.parked, 2)
        assert tap.errors == ["ConnectionFailed"] * CONCURRENCY
        assert done.disconnects == CONCURRENCY
        # Only a delayed link delivers them late as well; the retries then still kept the
        # identical-request window (the pacer counts them as sent again at the reconnect).
        late = CONCURRENCY if mode is Mode.DELAY else 0
        assert at_gateway == [1] * (REQUESTS - late) + [2] * late
    else:
        assert brig.loss_reason() is None and brig.connector.supervisor.sessions == 1
        assert (done.disconnects, tap.errors) == (0, [])
        assert set(tap.calls.values()) == {1} and at_gateway == [1] * REQUESTS
        # The answers after the fault all came through the throttle, and took its time.
        rate = params["rate"]
        assert slow_bytes >= (REQUESTS - HOLD_AFTER) * 10_000
        assert took >= 0.8 * slow_bytes / rate, (took, slow_bytes)


# -- SIGKILL mid-backfill, then resume ----------------------------------------------------------


@pytest.fixture
def gateway(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[EmbeddedSimulator, GatewayTally]]:
    """A strict-pacing simulator in its own thread: it outlives the killed app, as a gateway
    does, and remembers every request either run sent."""
    emb = EmbeddedSimulator(
        ServerSettings(pacing="strict", pacing_scale=SCALE),
        WorldSettings(seed=7, symbols=SYMBOLS, tick_ms=50),
    )
    emb.start()
    assert emb.server is not None
    tally = GatewayTally(emb.server, monkeypatch)  # before any client connects
    try:
        yield emb, tally
    finally:
        emb.stop()


def said(child: Child, word: str) -> list[str]:
    """The keys a child printed after `word` (sent, settled, midsettle)."""
    return [x.split()[1] for x in child.lines if x.startswith(f"{word} ")]


def run_child(tmp_path: Path, port: int, children: list[Child], *extra: str) -> Child:
    child = Child(
        "-m",
        "tests.integration.drills.backfill_child",
        str(port),
        str(tmp_path / "lake"),
        str(tmp_path / "jobs"),
        str(tmp_path / f"child{len(children) + 1}.jsonl"),
        *extra,
    )
    children.append(child)
    return child


def resume_after_the_kill(
    tmp_path: Path,
    port: int,
    tally: GatewayTally,
    children: list[Child],
    pacing_log: Callable[[], list[str]],
) -> None:
    """Start the app again on the killed one's state and dataset: the job resumes, asks for
    exactly what the state left pending, and completes with a clean, exact dataset."""
    first = children[0]
    (job_id,) = said(first, "job")
    # The state file a SIGKILL left is whole (written atomically) and says the job was running.
    (saved,) = JobStore(tmp_path / "jobs").all()
    assert (saved.id, saved.status) == (job_id, "running")
    assert {r.status for r in saved.requests} == {"done", "pending"}
    settled = {child_key(r) for r in saved.requests if r.status == "done"}
    pending = {child_key(r) for r in saved.requests if r.status == "pending"}
    assert set(said(first, "settled")) <= settled  # printed only once on disk
    before = Counter(tally.by_name())

    second = run_child(tmp_path, port, children)
    assert second.wait_for("job ") == f"job {job_id} resumed"
    summary = json.loads(second.wait_for("finished", within=20).split(" ", 2)[2])
    assert second.proc.wait(10) == 0

    assert (summary["status"], summary["requests_done"]) == ("complete", REQUESTS), summary
    assert (summary["failed"], summary["gaps"], summary["pacing_violations"]) == (0, 0, 0)
    sent = said(second, "sent")
    # What the killed run settled is not asked again; what it left pending is, once each.
    assert sorted(sent) == sorted(pending)
    after = tally.by_name()
    assert {k: after[k] - before[k] for k in after if after[k] != before[k]} == dict.fromkeys(
        pending, 1
    )
    assert all(after[k] == 1 for k in settled)
    assert all(after[k] <= 2 for k in pending)  # at most once by each run
    assert pacing_log() == []

    # The resumed run's Lake.open removed any temp file the kill left.
    assert list((tmp_path / "lake").rglob(f".*{TMP_SUFFIX}")) == []
    lake = Lake.open(DataSettings(dir=str(tmp_path / "lake")))
    assert_dataset_is_the_simulators_history(lake, World(WorldSettings(seed=7, symbols=SYMBOLS)))
    (final,) = JobStore(tmp_path / "jobs").all()
    assert final.status == "complete" and final.count("done") == REQUESTS
    assert final.bars_written == REQUESTS * 390, final.summary()


def child_key(r: RequestState) -> str:
    req = r.planned.request
    return f"{req.series}@{req.end.isoformat()}/{req.duration.replace(' ', '')}"


def test_sigkill_between_the_bars_write_and_the_state_then_resume(
    tmp_path: Path,
    gateway: tuple[EmbeddedSimulator, GatewayTally],
    children: list[Child],
    pacing_log: Callable[[], list[str]],
) -> None:
    """The nastiest moment: a request's bars are in the dataset, the state still says pending.
    The resumed run asks for it again and the second write adds nothing."""
    emb, tally = gateway
    assert emb.server is not None
    first = run_child(tmp_path, emb.server.port, children, "settle")
    stuck = first.wait_for("midsettle").split()[1]
    first.kill()
    (saved,) = JobStore(tmp_path / "jobs").all()
    (req,) = [r for r in saved.requests if child_key(r) == stuck]
    assert req.status == "pending"  # the state does not know ...
    # Read without Lake.open, which would remove any temp file the kill left before the
    # resumed run meets it.
    where = str(tmp_path / "lake")
    bars = BarRepository(DatasetRoot(where), DataSettings(dir=where))
    p = req.planned
    written = bars.read_bars(p.request.symbol, "1 min", start=p.start, end=p.end)
    assert written.height == 390  # ... that its bars are in the dataset
    resume_after_the_kill(tmp_path, emb.server.port, tally, children, pacing_log)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sigkill_at_a_random_moment_of_a_backfill_then_resume(
    tmp_path: Path,
    gateway: tuple[EmbeddedSimulator, GatewayTally],
    children: list[Child],
    pacing_log: Callable[[], list[str]],
    seed: int,
) -> None:
    """Killed with requests in flight, answered but buffered, or being written: whatever the
    state file had not recorded is asked again, and nothing is stored twice."""
    emb, tally = gateway
    assert emb.server is not None
    first = run_child(tmp_path, emb.server.port, children)
    first.wait_for("job ")
    # A job takes ~2 s here: stopping 6 requests short leaves the kill time to land mid-job.
    for _ in range(random.Random(seed).randint(2, REQUESTS - 6)):
        first.wait_for("settled")
    first.kill()
    resume_after_the_kill(tmp_path, emb.server.port, tally, children, pacing_log)
