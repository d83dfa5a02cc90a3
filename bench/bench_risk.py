"""Bench: one full risk check (every limit) for an order against a 500-position book.

Goal: at most 1 ms per check. Prints median, p99 and max; never asserts on time.
Run: .venv/bin/python bench/bench_risk.py [--smoke]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apex_tui.domain.orders import OrderSpec, OrderType, Side
from apex_tui.domain.quotes import Quote
from apex_tui.risk.engine import MarketView, PortfolioView, PositionView, RiskEngine, RiskSnapshot
from apex_tui.risk.settings import RiskSettings
from bench.harness import Figure

GOAL_MS = 1.0
SECTORS = ("Technology", "Financial", "Energy", "Healthcare", "Industrials", "Utilities")


def build(n_positions: int = 500) -> tuple[RiskEngine, OrderSpec, RiskSnapshot]:
    now = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    symbols = [f"S{i:03d}" for i in range(n_positions)]
    positions = {
        s: PositionView(s, float((i % 7 + 1) * 10 * (1 if i % 5 else -1)), 50.0 + i % 200)
        for i, s in enumerate(symbols)
    }
    sectors = {s: SECTORS[i % len(SECTORS)] for i, s in enumerate(symbols)}
    working = {s: 5.0 for s in symbols[:20]}
    quote = Quote("S100", bid=149.99, ask=150.01, last=150.0, time=now - timedelta(seconds=1))
    snap = RiskSnapshot(
        portfolio=PortfolioView(
            positions=positions,
            realized_pnl=-120.0,
            unrealized_pnl=340.0,
            open_orders=3,
            working_qty=working,
            orders_last_minute=1,
        ),
        market=MarketView(quote=quote, now=now, tick_size=0.01, sectors=sectors),
        reference=quote,
    )
    settings = RiskSettings(max_gross_exposure=10_000_000, allow_short=True)
    order = OrderSpec("S100", Side.BUY, 10, OrderType.LMT, "P-bench", limit_price=150.05)
    return RiskEngine(settings), order, snap


def _samples_ms(fn: Callable[[], object], runs: int) -> list[float]:
    for _ in range(min(200, runs)):
        fn()  # warm-up
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000.0)
    return sorted(out)


def run(smoke: bool = False) -> list[Figure]:
    """For `make bench`: the check's median and p99 against the floor of walking the book once
    (summing 500 position notionals), measured in the same run."""
    engine, order, snap = build()
    runs = 50 if smoke else 5_000
    check = _samples_ms(lambda: engine.check(order, snap), runs)
    positions = list(snap.portfolio.positions.values())
    floor = _samples_ms(lambda: sum(abs(p.qty * p.mark_price) for p in positions), runs)
    p99 = check[min(len(check) - 1, int(len(check) * 0.99))]
    med, base = statistics.median(check), statistics.median(floor)
    return [
        Figure(
            "risk check, 500 positions, median",
            med,
            "ms",
            spread=f"{check[0]:.3f}..{check[-1]:.3f}",
            baseline=f"one walk over the book: {base:.3f} ms",
            ratio=med / base if base else None,
        ),
        Figure("risk check, 500 positions, p99", p99, "ms", goal="<= 1 ms", met=p99 <= GOAL_MS),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="few iterations, for CI")
    args = parser.parse_args(argv)
    engine, order, snap = build()
    runs = 50 if args.smoke else 5_000
    for _ in range(min(200, runs)):
        engine.check(order, snap)  # warm-up
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        decision = engine.check(order, snap)
        samples.append((time.perf_counter() - t0) * 1000.0)
    samples.sort()
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    print(
        f"risk check, 500 positions, {len(decision.checks)} checks, {runs} runs: "
        f"median {statistics.median(samples):.3f} ms, p99 {p99:.3f} ms, max {samples[-1]:.3f} ms "
        f"(goal <= {GOAL_MS} ms: {'met' if p99 <= GOAL_MS else 'MISSED'}); passed={decision.passed}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
