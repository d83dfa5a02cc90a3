"""Connector CPU against the decode floor: a bare ib_async client on the same 500-symbol feed.

The simulator runs in its own process, streaming N symbols every 250 ms. Two client processes
run one after the other against it, each subscribing the same N symbols and then measuring,
over the same steady-state window, its own CPU time (user + system), RSS and event-loop lag:

  bare       an ib_async IB with reqMktData on each contract and no handlers (the floor)
  connector  apex_tui's Connector: qualification, QuoteBook, bars, portfolio marks, sink

Usage: .venv/bin/python bench/bench_connector.py [--symbols 500] [--seconds 30]
Prints the figures and the ratio (goal: connector CPU <= 1.5 x bare). Not a test: no gating.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

if str(ROOT) not in sys.path:  # run as a script (the child roles) as well as `-m bench`
    sys.path.insert(0, str(ROOT))

from bench import children  # noqa: E402
from bench.harness import Figure, own_cpu_seconds, own_rss_mb  # noqa: E402


async def _lag_probe(samples: list[float], interval: float = 0.01) -> None:
    loop = asyncio.get_running_loop()
    while True:
        t = loop.time()
        await asyncio.sleep(interval)
        samples.append(max(0.0, loop.time() - t - interval))


async def _measure(seconds: float) -> dict[str, float]:
    lags: list[float] = []
    probe = asyncio.ensure_future(_lag_probe(lags))
    rss0, cpu0, t0 = own_rss_mb(), own_cpu_seconds(), time.perf_counter()
    await asyncio.sleep(seconds)
    cpu1, t1, rss1 = own_cpu_seconds(), time.perf_counter(), own_rss_mb()
    probe.cancel()
    lags.sort()
    p99 = lags[int(len(lags) * 0.99) - 1] if lags else float("nan")
    return {
        "cpu_s": cpu1 - cpu0,
        "cpu_pct": 100.0 * (cpu1 - cpu0) / (t1 - t0),
        "rss_start_mb": rss0,
        "rss_end_mb": rss1,
        "lag_p99_ms": 1000.0 * p99,
        "lag_median_ms": 1000.0 * statistics.median(lags) if lags else float("nan"),
    }


async def _bare(port: int, symbols: list[str], warmup: float, seconds: float) -> dict[str, float]:
    # Imported here so each child process loads only what its role needs.
    from ib_async import IB, Contract, Stock  # noqa: PLC0415

    ib = IB()
    # The connector's default throttle (4 per 0.1 s): ib_async's 45-per-second bursts can
    # trip the simulator's 50/s limit when it reads two bursts close together.
    ib.client.MaxRequests = 4
    ib.client.RequestsInterval = 0.1  # type: ignore[assignment]  # typed int, used as float
    await ib.connectAsync("127.0.0.1", port, clientId=11, timeout=20)
    contracts = await ib.qualifyContractsAsync(*(Stock(s, "SMART", "USD") for s in symbols))
    tickers = [ib.reqMktData(c) for c in contracts if isinstance(c, Contract)]
    deadline = time.monotonic() + 120
    while sum(1 for t in tickers if t.last == t.last) < len(symbols) * 0.95:
        if time.monotonic() > deadline:
            break
        await asyncio.sleep(0.2)
    await asyncio.sleep(warmup)
    result = await _measure(seconds)
    result["streaming"] = float(sum(1 for t in tickers if t.last == t.last))
    ib.disconnect()
    return result


async def _connector(
    port: int, symbols: list[str], warmup: float, seconds: float
) -> dict[str, float]:
    from apex_tui.broker.connector import Connector  # noqa: PLC0415
    from apex_tui.broker.settings import BrokerSettings  # noqa: PLC0415
    from apex_tui.broker.states import ConnectionState  # noqa: PLC0415

    sunk = [0]

    def sink(ticks: Sequence[object]) -> None:
        sunk[0] += len(ticks)

    settings = BrokerSettings(port=port, client_id=12, max_lines=len(symbols) + 10)
    c = Connector(settings, on_ticks=sink)
    await c.start()
    await c.wait_for_state(ConnectionState.CONNECTED, within=30)
    await asyncio.gather(*(c.add_symbol(s) for s in symbols))
    deadline = time.monotonic() + 120
    while (
        sum(1 for s in symbols if (q := c.quotes.get(s)) and q.last == q.last) < len(symbols) * 0.95
    ):
        if time.monotonic() > deadline:
            break
        await asyncio.sleep(0.2)
    await asyncio.sleep(warmup)
    before = sunk[0]
    result = await _measure(seconds)
    result["ticks_per_s"] = (sunk[0] - before) / seconds
    result["streaming"] = float(len(c.subscriptions.streaming))
    await c.stop()
    return result


def _child(role: str, port: int, n: int, warmup: float, seconds: float) -> None:
    symbols = [f"BN{i:03d}" for i in range(n)]
    runner = _bare if role == "bare" else _connector
    result = asyncio.run(runner(port, symbols, warmup, seconds))
    print(json.dumps(result))


def measure(symbols: int, seconds: float, warmup: float) -> dict[str, dict[str, float]]:
    """Run the simulator, then the bare client, then the connector; their figures by role."""
    names = [f"BN{i:03d}" for i in range(symbols)]
    results: dict[str, dict[str, float]] = {}
    with children.simulator(names, "--max-lines", str(symbols * 3)) as sim:
        for role in ("bare", "connector"):
            args = [__file__, "--role", role, "--port", str(sim.port), "--symbols",
                    str(symbols), "--seconds", str(seconds), "--warmup", str(warmup)]  # fmt: skip
            results[role] = children.run_child(args, timeout=seconds + warmup + 300)
    return results


def run(smoke: bool = False) -> list[Figure]:
    """For `make bench`: connector CPU vs the bare ib_async floor on the same feed."""
    n, seconds = (50, 3.0) if smoke else (500, 30.0)
    r = measure(n, seconds, 2.0 if smoke else 3.0)
    bare, conn = r["bare"], r["connector"]
    ratio = conn["cpu_s"] / bare["cpu_s"] if bare["cpu_s"] else float("nan")
    return [
        Figure(
            f"connector CPU, {n} symbols @ 250 ms",
            conn["cpu_pct"],
            "% of one core",
            baseline=f"bare ib_async client: {bare['cpu_pct']:.1f} %",
            ratio=ratio,
            goal="<= 1.5x",
            met=ratio <= 1.5,
        ),
        Figure(
            f"connector loop lag p99, {n} symbols",
            conn["lag_p99_ms"],
            "ms",
            goal="<= 20 ms",
            met=conn["lag_p99_ms"] <= 20,
        ),
        Figure(
            f"connector RSS growth over {seconds:g} s",
            conn["rss_end_mb"] - conn["rss_start_mb"],
            "MB",
            baseline=f"start {conn['rss_start_mb']:.1f} MB",
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--symbols", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--role", choices=["bare", "connector"], default=None)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    if args.role:
        _child(args.role, args.port, args.symbols, args.warmup, args.seconds)
        return 0
    try:
        results = measure(args.symbols, args.seconds, args.warmup)
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        print(exc, file=sys.stderr)
        return 1
    bare, conn = results["bare"], results["connector"]
    print(f"symbols={args.symbols} window={args.seconds:g}s tick=250ms")
    for role, r in results.items():
        print(
            f"  {role:9s} cpu {r['cpu_pct']:5.1f}%  rss {r['rss_start_mb']:.1f}->"
            f"{r['rss_end_mb']:.1f} MB  loop lag p99 {r['lag_p99_ms']:.1f} ms  "
            f"streaming {r['streaming']:.0f}"
        )
    if "ticks_per_s" in conn:
        print(f"  connector ticks handed to the sink: {conn['ticks_per_s']:.0f}/s")
    ratio = conn["cpu_s"] / bare["cpu_s"] if bare["cpu_s"] else float("nan")
    print(f"  CPU ratio connector / bare ib_async = {ratio:.2f} (goal <= 1.5)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
