"""Soak: the connector, the sink and the simulator running for N minutes under faults.

    python -m bench.soak [--minutes 30] [--warmup-minutes 13] [--symbols 500]
                         [--fault-every 180] [--smoke]

The simulator runs in its own thread (as in `apex-tui run`), streaming every symbol; the real
Connector subscribes them all and the Recorder/Sink writes every tick to a temporary dataset.
Every `--fault-every` seconds the simulator misbehaves (a dropped connection, a half-open
stall, IB's 1100/1102 notices, a market data farm outage, in turn). Every few seconds the
process is sampled: RSS, asyncio tasks, threads, open file descriptors, dataset files. After
the warm-up (subscribing takes a while at 40 messages/s; the full soak's warm-up also holds
the first 10-minute live-bar flush, see BAR_FLUSH_S) each series' slope says whether it
grows: memory, tasks, threads and descriptors must stay flat; files grow by one ticks file
per flush and one 1-minute bars file per symbol per minute (bars are partitioned by symbol).
Not a test: it prints a summary and returns figures, never asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import threading
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median

from apex_tui.broker.connector import Connector
from apex_tui.broker.settings import BrokerSettings, RequestTimeouts
from apex_tui.core.recording import Recorder
from apex_tui.health.probes import (
    LoopLagMonitor,
    anon_rss_bytes,
    percentile,
    robust_slope_per_second,
    rss_bytes,
    slope_per_second,
)
from apex_tui.logging import configure_logging
from apex_tui.sim.embedded import EmbeddedSimulator
from apex_tui.sim.server import SimulatorServer
from apex_tui.sim.server_settings import ServerSettings
from apex_tui.sim.settings import WorldSettings
from apex_tui.store.lake import Lake
from apex_tui.store.settings import DataSettings
from apex_tui.store.sink import Sink
from bench.harness import Figure

SERIES = ("rss_mb", "anon_mb", "tasks", "threads", "fds", "files")
MEMORY = ("anon_mb", "rss_mb")


@dataclass(frozen=True)
class SoakConfig:
    seconds: float
    symbols: int
    fault_every: float
    sample_every: float
    warmup: float
    flush_interval: float


# Live 1-minute bars are written every 10 minutes (500 files a flush at 500 symbols). The
# first full-size flush lifts the allocators' high-water mark once (~40 MB of freed memory
# the process keeps for reuse; Python's own heap stays flat, measured with tracemalloc), so
# the full soak's warm-up spans one whole flush cycle and the measured 30 minutes hold three
# more flushes.
BAR_FLUSH_S = 600.0
FULL = SoakConfig(seconds=1800 + 780, symbols=500, fault_every=180, sample_every=5, warmup=780,
                  flush_interval=10)  # fmt: skip
SMOKE = SoakConfig(seconds=20, symbols=40, fault_every=5, sample_every=0.5, warmup=5,
                   flush_interval=1)  # fmt: skip


def _notice_pair(s: SimulatorServer) -> None:
    s.faults.notice(1100)
    asyncio.get_running_loop().call_later(3.0, s.faults.notice, 1102)


# (name, what it does on the simulator's loop), applied in turn
FAULTS: list[tuple[str, Callable[[SimulatorServer], object]]] = [
    ("disconnect", lambda s: s.faults.disconnect_all()),
    ("stall 4 s (half-open)", lambda s: s.faults.stall(4.0)),
    ("1100 then 1102", _notice_pair),
    ("market farm down 5 s", lambda s: s.faults.farm_down("market", 5.0)),
]


@dataclass
class Samples:
    """(seconds since start, value) per series."""

    series: dict[str, list[tuple[float, float]]] = field(
        default_factory=lambda: {name: [] for name in SERIES}
    )

    def add(self, at: float, **values: float) -> None:
        for name, value in values.items():
            self.series[name].append((at, value))

    def after(self, name: str, warmup: float) -> list[tuple[float, float]]:
        return [(t, v) for t, v in self.series[name] if t >= warmup]


class _AllLags(LoopLagMonitor):
    """Every lag sample of the run, 8 bytes each: the monitor's (time, lag) tuples cost ~110
    bytes a sample, 0.12 MB/min at 20 samples a second, which the soak then read as the
    process growing."""

    def __init__(self, interval: float) -> None:
        super().__init__(interval=interval, window=1.0)
        self.every = array("d")

    def record(self, at: float, lag: float) -> None:
        super().record(at, lag)
        self.every.append(lag)


def _open_fds() -> int:
    try:
        return sum(1 for _ in Path("/proc/self/fd").iterdir())
    except OSError:
        return -1


def _fd_targets() -> dict[str, str]:
    """fd number -> what it points at (a socket, a file, an eventfd), to name a leak."""
    out: dict[str, str] = {}
    for fd in Path("/proc/self/fd").iterdir() if Path("/proc/self/fd").exists() else ():
        try:
            out[fd.name] = str(fd.readlink())
        except OSError:
            continue
    return out


def _dataset_files(base: Path) -> int:
    return sum(1 for p in base.rglob("*.parquet") if not p.name.startswith("."))


async def _soak(cfg: SoakConfig, data_dir: Path, log: Callable[[str], None]) -> dict[str, object]:
    loop = asyncio.get_running_loop()
    symbols = tuple(f"S{i:03d}" for i in range(cfg.symbols))
    sim = EmbeddedSimulator(
        ServerSettings(max_lines=cfg.symbols + 10),
        WorldSettings(seed=1, symbols=symbols, tick_ms=250),
    )
    port = await asyncio.to_thread(sim.start)
    data = DataSettings(dir=str(data_dir), flush_interval_s=cfg.flush_interval, flush_rows=50_000)
    lake = Lake.open(data)
    sink = Sink(lake.repositories(), data)
    sink.start()
    recorder = Recorder(sink, ticks_enabled=lambda: True, bars_enabled=lambda: True)
    broker = BrokerSettings(
        port=port,
        max_lines=cfg.symbols,
        backoff_base=0.5,
        backoff_max=5.0,
        heartbeat_interval=1.0,
        timeouts=RequestTimeouts(heartbeat=2.0),
        staleness_threshold=30.0,
    )
    connector = Connector(broker, on_ticks=recorder.on_ticks)
    connector.bars.on_bar(recorder.on_bar, 60)
    lag = _AllLags(interval=0.05)
    samples = Samples()
    faults: list[str] = []
    started = loop.time()
    try:
        for s in symbols:
            await connector.add_symbol(s)
        recorder.start()
        lag.start()
        await connector.start()
        next_fault = cfg.fault_every
        # A warm-up shorter than a live-bar flush cycle (make bench's 5-minute soak) forces
        # three small flushes instead, to pay the data stack's first-write costs before it ends.
        short = cfg.warmup < BAR_FLUSH_S + 60
        warm_flushes = [cfg.warmup * k / 4 for k in (1, 2, 3)] if short else []
        fds_at_warmup: dict[str, str] | None = None
        while (now := loop.time() - started) < cfg.seconds:
            samples.add(
                now,
                rss_mb=rss_bytes() / 1e6,
                anon_mb=anon_rss_bytes() / 1e6,
                tasks=len(asyncio.all_tasks()),
                threads=threading.active_count(),
                fds=_open_fds(),
                files=_dataset_files(data_dir),
            )
            if fds_at_warmup is None and now >= cfg.warmup:
                fds_at_warmup = _fd_targets()
            if warm_flushes and now >= warm_flushes[0]:
                # The data stack's first writes cost a one-time step of memory (code pages of
                # pyarrow/polars, allocator arenas, thread pools: ~90 MB for 500 symbols' bars,
                # settling by the third flush).
                warm_flushes.pop(0)
                await asyncio.to_thread(sink.flush)
            if now >= next_fault:
                name, fault = FAULTS[len(faults) % len(FAULTS)]
                faults.append(name)
                log(f"{now:7.1f} s  fault: {name}  (state {connector.board.state.value})")
                sim.call(fault)
                next_fault += cfg.fault_every
            await asyncio.sleep(cfg.sample_every)
    finally:
        if fds_at_warmup is not None:
            now_fds = _fd_targets()
            opened = {fd: t for fd, t in now_fds.items() if fds_at_warmup.get(fd) != t}
            log(f"descriptors opened since the warm-up and still open: {opened or 'none'}")
        streaming = len(connector.subscriptions.streaming)
        sessions = connector.supervisor.sessions
        await lag.stop()
        await recorder.stop()
        await connector.stop()
        stats = await asyncio.to_thread(sink.close)
        await asyncio.to_thread(sim.stop)
    return {
        "samples": samples,
        "faults": faults,
        "sessions": sessions,
        "streaming": streaming,
        "rows": stats.rows_written,
        "dropped": stats.dropped_rows,
        "lag_p99": percentile(lag.every, 99),
        "lag_max": max(lag.every, default=0.0),
    }


@dataclass(frozen=True)
class SeriesStats:
    """One series after the warm-up: its ends, peak, least-squares and robust slopes."""

    first: float
    last: float
    peak: float
    lsq_per_min: float
    trend_per_min: float  # Theil-Sen


def _stats(samples: Samples, warmup: float) -> dict[str, SeriesStats]:
    """Every series that has samples after the warm-up."""
    stats: dict[str, SeriesStats] = {}
    for name in SERIES:
        kept = samples.after(name, warmup)
        if kept:
            stats[name] = SeriesStats(
                first=kept[0][1],
                last=kept[-1][1],
                peak=max(v for _, v in kept),
                lsq_per_min=slope_per_second(kept) * 60,
                trend_per_min=robust_slope_per_second(kept) * 60,
            )
    return stats


def _figures(cfg: SoakConfig, result: dict[str, object], smoke: bool) -> list[Figure]:
    samples = result["samples"]
    assert isinstance(samples, Samples)
    stats = _stats(samples, cfg.warmup)
    empty = SeriesStats(0.0, 0.0, 0.0, 0.0, 0.0)
    per_min = {n: stats.get(n, empty).lsq_per_min for n in SERIES}
    # Memory is judged on its robust trend: a live-bar flush lifts it for under a minute
    # (until the sink's next heap trim), and least squares reads such a spike at either end
    # of the window as growth. The least-squares slope and the peak are shown beside it.
    trend = {n: stats.get(n, empty).trend_per_min for n in MEMORY}
    peak = {n: stats.get(n, empty).peak for n in MEMORY}
    faults = result["faults"]
    assert isinstance(faults, list)
    # Ticks: one file per flush (partitioned by date). Live 1-minute bars are partitioned by
    # symbol: one file per symbol per minute until `dataset compact` merges them.
    files_goal = 60 / cfg.flush_interval + cfg.symbols

    def judged(ok: bool) -> bool | None:
        return None if smoke else ok  # a 20 s smoke run shows slopes, it cannot judge them

    lag_p99, lag_max = float(result["lag_p99"]), float(result["lag_max"])  # type: ignore[arg-type]
    sessions = int(result["sessions"])  # type: ignore[call-overload]
    return [
        Figure("soak memory trend (anonymous RSS, Theil-Sen)", trend["anon_mb"], "MB/min",
               spread=f"least squares {per_min['anon_mb']:.2f}, peak {peak['anon_mb']:.0f} MB",
               goal="flat (< 0.5 MB/min)", met=judged(trend["anon_mb"] < 0.5)),
        Figure("soak RSS trend (with library pages, Theil-Sen)", trend["rss_mb"], "MB/min",
               spread=f"least squares {per_min['rss_mb']:.2f}, peak {peak['rss_mb']:.0f} MB",
               goal="shown: file pages come and go", met=None),
        Figure("soak asyncio task slope", per_min["tasks"], "tasks/min", goal="flat (< 0.1/min)",
               met=judged(abs(per_min["tasks"]) < 0.1)),
        Figure("soak thread slope", per_min["threads"], "threads/min", goal="flat",
               met=judged(abs(per_min["threads"]) < 0.05)),
        Figure("soak open fd slope", per_min["fds"], "fds/min", goal="flat (< 0.1/min)",
               met=judged(abs(per_min["fds"]) < 0.1)),
        Figure("soak dataset files slope", per_min["files"], "files/min",
               goal=f"<= {files_goal:g}/min (a ticks file per flush, a bar file per symbol)",
               met=judged(per_min["files"] <= files_goal)),
        Figure("soak loop lag p99", lag_p99 * 1000, "ms", spread=f"max {lag_max * 1000:.0f} ms",
               goal="< 50 ms", met=judged(lag_p99 < 0.05)),
        Figure("soak reconnects / faults", sessions - 1, "sessions",
               baseline=f"{len(faults)} faults ({(len(faults) + 1) // 2} drop the session)",
               goal="every dropped session back", met=None),
        Figure("soak symbols streaming at the end", float(result["streaming"]), "symbols",  # type: ignore[arg-type]
               baseline=f"{cfg.symbols} subscribed", ratio=float(result["streaming"]) / cfg.symbols,  # type: ignore[arg-type]
               goal="all", met=judged(result["streaming"] == cfg.symbols)),
        Figure("soak ticks written", float(result["rows"]), "rows",  # type: ignore[arg-type]
               spread=f"{result['dropped']} dropped", goal="none dropped",
               met=judged(result["dropped"] == 0)),
    ]  # fmt: skip


def summary(cfg: SoakConfig, result: dict[str, object]) -> str:
    """Per series: first and last value after the warm-up, and the slope per minute."""
    samples = result["samples"]
    assert isinstance(samples, Samples)
    lines = [f"{'series':<10}{'first':>10}{'last':>10}{'peak':>10}{'lsq/min':>10}{'trend/min':>10}"]
    for name, st in _stats(samples, cfg.warmup).items():
        lines.append(
            f"{name:<10}{st.first:>10.1f}{st.last:>10.1f}{st.peak:>10.1f}"
            f"{st.lsq_per_min:>10.3f}{st.trend_per_min:>10.3f}"
        )
    # The memory series minute by minute (median and peak of the minute's samples): a step
    # at a flush, a spike and a steady climb can fit the same slope; the series tells them apart.
    for name in MEMORY:
        by_minute: dict[int, list[float]] = {}
        for t, v in samples.series[name]:
            by_minute.setdefault(int(t // 60), []).append(v)
        lines.append(
            f"{name} each minute, median/peak: "
            + " ".join(f"{median(vs):.0f}/{max(vs):.0f}" for vs in by_minute.values())
        )
    return "\n".join(lines)


def run(
    smoke: bool = False, cfg: SoakConfig | None = None, log: list[str] | None = None
) -> list[Figure]:
    """The harness entry point: a ~20 s run with `smoke`, else the full soak.

    `log`, when given, receives the fault lines and the per-series summary as printed.
    """
    cfg = cfg or (SMOKE if smoke else FULL)
    lines = log if log is not None else []

    def say(line: str) -> None:
        lines.append(line)
        print(line, flush=True)

    with tempfile.TemporaryDirectory(prefix="apex-soak-") as tmp:
        # The app's and the simulator's logs go to a file, as under the TUI; faults print here.
        configure_logging(Path(tmp) / "soak.jsonl", "WARNING")
        result = asyncio.run(_soak(cfg, Path(tmp), say))
    say(summary(cfg, result))
    return _figures(cfg, result, smoke)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.soak",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--minutes",
        type=float,
        default=(FULL.seconds - FULL.warmup) / 60,
        help="measured minutes, after the warm-up",
    )
    parser.add_argument(
        "--warmup-minutes",
        type=float,
        default=FULL.warmup / 60,
        help="minutes before measuring (default: one live-bar flush cycle and 3 minutes)",
    )
    parser.add_argument("--symbols", type=int, default=FULL.symbols)
    parser.add_argument("--fault-every", type=float, default=FULL.fault_every, help="seconds")
    parser.add_argument("--smoke", action="store_true", help="~20 s, 40 symbols")
    parser.add_argument("--out", type=Path, help="also write the figures and log as markdown")
    args = parser.parse_args(argv)
    if args.smoke:
        cfg = SMOKE
    else:
        warmup = args.warmup_minutes * 60
        cfg = SoakConfig(warmup + args.minutes * 60, args.symbols, args.fault_every,
                         FULL.sample_every, warmup, FULL.flush_interval)  # fmt: skip
    started, log = time.perf_counter(), list[str]()
    figures = run(args.smoke, cfg, log)
    for f in figures:
        met = "" if f.met is None else ("  ok" if f.met else "  NOT MET")
        extra = f"  ({f.spread})" if f.spread else ""
        print(f"{f.name:<36}{f.value:>12.4g} {f.unit:<12}{extra}  goal: {f.goal}{met}")
    if args.out is not None:
        from bench.__main__ import render  # noqa: PLC0415  (the report format of make bench)

        every = f"a fault every {cfg.fault_every:g} s"
        measured = (cfg.seconds - cfg.warmup) / 60
        title = (
            f"soak: {measured:g} min measured after {cfg.warmup / 60:g} min of warm-up, "
            f"{cfg.symbols} symbols, {every}"
        )
        command = "python -m bench.soak " + " ".join(argv if argv is not None else sys.argv[1:])
        report = render({title: figures}, args.smoke, time.perf_counter() - started, command)
        args.out.write_text(report + "\n## Log\n\n```\n" + "\n".join(log) + "\n```\n")
        print(f"wrote {args.out}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
