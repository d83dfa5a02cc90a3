"""Gateway simulator throughput: ticks per second it sustains to one ib_async client with 500
streaming symbols at 250 ms and at 25 ms, and the server's CPU per 1,000 ticks.

The server runs in a subprocess (`python -m apex_tui.sim.cli`) so its CPU time is its own,
read from /proc/<pid>/stat; the client counts the messages it decodes. Goal: 500 symbols at
250 ms for at most 10% of one core.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from dataclasses import dataclass

from ib_async import IB, Contract, Stock

from bench import children
from bench.harness import Figure

CLK_TCK = os.sysconf("SC_CLK_TCK")
CPU_GOAL = 0.10  # fraction of one core at 500 symbols / 250 ms


@dataclass(frozen=True)
class Run:
    symbols: int
    tick_ms: int
    seconds: float
    ticks: int
    server_cpu: float  # seconds of CPU the server process used in the window

    @property
    def ticks_per_s(self) -> float:
        return self.ticks / self.seconds

    @property
    def cpu_share(self) -> float:
        return self.server_cpu / self.seconds

    @property
    def cpu_ms_per_1000(self) -> float:
        return 1000.0 * self.server_cpu / max(self.ticks, 1) * 1000.0


def symbols(n: int) -> list[str]:
    return [f"Z{i:03d}" for i in range(n)]


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:  # noqa: PTH123 - a procfs read
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


async def measure(n: int, tick_ms: int, seconds: float) -> Run:
    options = ("--max-lines", str(n + 10), "--max-msg-rate", "0")
    with children.simulator(symbols(n), *options, tick_ms=tick_ms) as sim:
        ib = IB()
        try:
            await ib.connectAsync("127.0.0.1", sim.port, clientId=1, timeout=10)
            ib.client.MaxRequests = 0  # the server's message-rate limit is off for this run
            stocks = [Stock(s, "SMART", "USD") for s in symbols(n)]
            for c in await ib.qualifyContractsAsync(*stocks):
                assert isinstance(c, Contract), f"not qualified: {c!r}"
                ib.reqMktData(c)
            await asyncio.sleep(2.0)  # initial snapshots and warm-up
            msgs0, cpu0, t0 = ib.client._numMsgRecv, cpu_seconds(sim.pid), time.monotonic()
            await asyncio.sleep(seconds)
            msgs1, cpu1, t1 = ib.client._numMsgRecv, cpu_seconds(sim.pid), time.monotonic()
            return Run(n, tick_ms, t1 - t0, msgs1 - msgs0, cpu1 - cpu0)
        finally:
            ib.disconnect()


def run(smoke: bool) -> list[Figure]:
    n, seconds, repeats = (50, 1.0, 1) if smoke else (500, 10.0, 3)
    figures: list[Figure] = []
    for tick_ms in (250, 25):
        runs = [asyncio.run(measure(n, tick_ms, seconds)) for _ in range(repeats)]
        rate = [r.ticks_per_s for r in runs]
        share = [r.cpu_share for r in runs]
        per_k = [r.cpu_ms_per_1000 for r in runs]
        tag = f"{n} symbols @ {tick_ms} ms"
        figures.append(Figure(f"ticks/s, {tag}", statistics.median(rate), "ticks/s",
                              spread=f"{min(rate):.0f}..{max(rate):.0f}"))  # fmt: skip
        goal = tick_ms == 250 and not smoke
        figures.append(Figure(
            f"server CPU, {tag}", 100 * statistics.median(share), "% of one core",
            spread=f"{100 * min(share):.1f}..{100 * max(share):.1f}",
            goal="<= 10%" if goal else "",
            met=statistics.median(share) <= CPU_GOAL if goal else None,
        ))  # fmt: skip
        figures.append(Figure(f"server CPU per 1,000 ticks, {tag}", statistics.median(per_k),
                              "ms", spread=f"{min(per_k):.2f}..{max(per_k):.2f}"))  # fmt: skip
    return figures


if __name__ == "__main__":
    for fig in run(smoke="--smoke" in sys.argv):
        print(f"{fig.name}: {fig.value:.2f} {fig.unit} ({fig.spread}) {fig.goal}")
