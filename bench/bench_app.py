"""App-level benchmarks: the whole ApexApp, headless (`run_test(size=(120, 40))`), on a feed.

Two child processes, each running one asyncio loop with the real app on it:

feed   The simulator runs in its OWN process (`apex_tui.sim.cli`), streaming N symbols every
       250 ms. The app child runs `ApexApp` in `sim` mode whose embedded simulator is swapped
       for that external one (only `start_embedded_simulator` is replaced, so the Engine,
       connector, recorder, sink, signals, desk and every pane run as under `apex-tui run`),
       with the N symbols in `[watchlist] symbols`. After every symbol streams and a warm-up,
       it samples over one window: its own CPU (`getrusage(RUSAGE_SELF)`, all threads), RSS,
       event-loop lag and tick-to-screen latency. The baseline is bench_connector's bare role
       (an ib_async client subscribed to the same N symbols, no handlers) against the same
       simulator process, measuring DURING the app's window (its own window all but the first
       and last ~30 s of the app's; it starts, and subscribes, while the app warms up), and
       also alone before and after the app for reference. The ratio uses the concurrent run:
       on a shared 2-core machine the speed drifts by tens of per cent over the app's 10
       minutes (sequential 30 s bare runs read 2.1 to 4.4 % across runs of the same code), and
       a baseline taken in the same minutes cancels that drift.
       Beside the bare client, in the same minutes, run the two floors the design stands on:
       bench_connector's connector role (ib_async plus the tick path into the QuoteBook and
       bars, no UI) and bench/ui_floor.py (a Textual app repainting as many table rows as the
       app shows, four times a second, nothing else). Their sum over the bare client is the
       lowest CPU ratio an app with quotes on screen and no other feature would read here.
orders The simulator is in-process (the Engine's own embedded one, in its thread). N times:
       `:buy 1 AAPL mkt` on the command line, wait for the approval card, then the time from
       pressing `y` to the simulator parsing that placeOrder (what-if previews excluded;
       matched by orderRef = proposal id). Baseline in the same app run: a bare ib_async client
       on the same loop calling `placeOrder` to the same simulator.

How each figure is measured:
- CPU: (user + system) seconds over the window / wall seconds, also per sample slice (the
  spread). Headless Textual builds every frame but skips writing escape codes to a terminal,
  so the app's terminal output cost is not counted.
- Loop lag: a sleeper task asks for 10 ms sleeps; the overshoot of each is one sample.
- Tick-to-screen: `QuoteBook.apply_batch` is wrapped to stamp `perf_counter()` per tick of a symbol
  whose row is visible in the Quotes table (the visible rows are re-read every 0.2 s from the
  table's scroll offset and height). `QuoteTable.render_line` is wrapped: when it renders a
  visible row whose Strip it had to rebuild (not served from its row cache, or the cursor row,
  which is always rebuilt), that Strip reflects the book as it is now, so every pending stamp
  of that symbol is resolved with latency = render time - stamp. render_line runs while the
  compositor builds the frame that is then handed to the driver, so this is tick applied to
  frame built. Rows off screen never render and are never stamped. The wrappers run in a
  second window (`probe_seconds`) after the measured one and are removed afterwards, so the
  CPU, RSS and loop-lag figures carry no instrumentation in the app's hot paths.
- RSS: /proc/self/status VmRSS every sample; start and end of the window and the
  least-squares slope; "flat within 5 %" judges the fitted change over the window against the
  start (not judged in smoke: 5 s cannot show a trend; nor is the CPU ratio, since at 40
  symbols the app's fixed costs, timers and panes, dominate).
- Order latency: from handing the `y` key event to the app's driver queue (what a terminal
  driver does when it reads the key) to the simulator's thread parsing the placeOrder; both
  clocks are `perf_counter()` in one process. Each order fills (market orders, alternately
  buy and sell 1 share) before the next proposal, and the card's what-if has 0.3 s to settle.

    .venv/bin/python bench/bench_app.py [--symbols 500] [--minutes 10] [--orders 30] [--smoke]

Not a test: it prints figures and never asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import math
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

if str(ROOT) not in sys.path:  # run as a script (the child roles) as well as `-m bench`
    sys.path.insert(0, str(ROOT))

from apex_tui.health.probes import slope_per_second  # noqa: E402
from bench import bench_connector, children, ui_floor  # noqa: E402
from bench.harness import TERMINAL, Figure, own_cpu_seconds, own_rss_mb  # noqa: E402

SIZE = TERMINAL
# The demo's watchlist: the order-path figure is about the approval path, not feed load.
DEMO_SYMBOLS = ["AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "TSLA", "SPY"]


@dataclass(frozen=True)
class FeedConfig:
    symbols: int
    seconds: float  # the measured window of the app run
    warmup: float  # after every symbol streams, before the window opens
    sample_every: float
    bare_seconds: float  # each bare-client window
    probe_seconds: float = 60.0  # the tick-to-screen window, after the measured one

    @property
    def during_seconds(self) -> float:
        """The window of the children run beside the app: all but its first and last ~30 s."""
        return max(self.bare_seconds, self.seconds - 60)


FULL_FEED = FeedConfig(symbols=500, seconds=600, warmup=75, sample_every=5, bare_seconds=30)
SMOKE_FEED = FeedConfig(
    symbols=40, seconds=5, warmup=1, sample_every=0.5, bare_seconds=2, probe_seconds=3
)
FULL_ORDERS, SMOKE_ORDERS = 30, 3


# --- shared helpers ----------------------------------------------------------------------
def _pct(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, math.ceil(pct / 100 * len(ordered)) - 1))]


def _patch(owner: object, name: str, value: object) -> Callable[[], None]:
    """Replace `owner.name` in this process (instrumentation only); returns the undo."""
    old = getattr(owner, name)
    setattr(owner, name, value)
    return lambda: setattr(owner, name, old)


async def _until(cond: Callable[[], object], what: str, within: float, step: float = 0.05) -> None:
    """Poll `cond` (the app keeps running on this loop); fail naming `what` after `within`."""
    deadline = time.monotonic() + within
    while not cond():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {within:g} s waiting for {what}")
        await asyncio.sleep(step)


async def _sleeper(lags: list[float], interval: float = 0.01) -> None:
    """The loop-lag probe: how late each 10 ms sleep wakes up."""
    loop = asyncio.get_running_loop()
    while True:
        t = loop.time()
        await asyncio.sleep(interval)
        lags.append(max(0.0, loop.time() - t - interval))


def _settings_overrides(tmp: Path, **sections: dict[str, Any]) -> dict[str, dict[str, Any]]:
    base: dict[str, dict[str, Any]] = {
        "data": {"dir": str(tmp / "data")},
        "orders": {"journal_path": str(tmp / "journal.jsonl")},
        "watchlist": {"file": str(tmp / "watchlist.json"), "symbols": DEMO_SYMBOLS},
        "logging": {"file": str(tmp / "apex.jsonl")},
        "jobs": {"state_dir": str(tmp / "jobs")},
    }
    for name, values in sections.items():
        base.setdefault(name, {}).update(values)
    return base


def _make_app(overrides: dict[str, dict[str, Any]]) -> Any:
    # Imported in the child only: the parent never loads Textual or the app.
    from apex_tui.config import load_settings  # noqa: PLC0415
    from apex_tui.core.engine import Engine  # noqa: PLC0415
    from apex_tui.domain.clock import SystemClock  # noqa: PLC0415
    from apex_tui.tui.app import ApexApp  # noqa: PLC0415

    engine = Engine(load_settings(None, overrides), clock=SystemClock())
    app = ApexApp(engine, autostart=True, freeze_heap=True)  # as `apex-tui run` builds it
    app.animation_level = "none"
    return app


def _quiet_logging(tmp: Path) -> None:
    """Logs to a file, as under the TUI: stdout carries only the child's JSON result."""
    from apex_tui.logging import configure_logging  # noqa: PLC0415

    configure_logging(tmp / "apex.jsonl", "WARNING")


# --- the feed child: CPU, loop lag, tick-to-screen, RSS ----------------------------------
class ScreenProbe:
    """Tick-to-screen latencies of visible Quotes rows (see the module docstring)."""

    def __init__(self) -> None:
        self.visible: frozenset[str] = frozenset()
        self.pending: dict[str, list[float]] = {}
        self.latencies: list[float] = []
        self.armed = False

    def install(self) -> Callable[[], None]:
        """Wrap QuoteBook.apply_batch and QuoteTable.render_line (this process only); returns the
        undo."""
        from apex_tui.market.quotebook import QuoteBook  # noqa: PLC0415
        from apex_tui.tui.panes.quote_table import QuoteTable  # noqa: PLC0415

        probe = self
        apply, render_line = QuoteBook.apply_batch, QuoteTable.render_line

        def stamped_apply(book: QuoteBook, ticks: Sequence[Any], closes: Sequence[float]) -> None:
            apply(book, ticks, closes)
            if probe.armed:
                now, visible = time.perf_counter(), probe.visible
                for tick in ticks:
                    if tick.symbol in visible:
                        probe.pending.setdefault(tick.symbol, []).append(now)

        def watched_render_line(table: QuoteTable, y: int) -> Any:
            index = table.scroll_offset.y + y - 1
            rows = table._order  # the bench reads the table's private row order
            if y == 0 or not 0 <= index < len(rows):
                return render_line(table, y)
            symbol = rows[index]
            rebuilt = symbol not in table._cache or (index == table.cursor_row and table.has_focus)
            strip = render_line(table, y)
            stamps = probe.pending.get(symbol)
            if rebuilt and stamps:
                now = time.perf_counter()
                probe.latencies.extend(now - t for t in stamps)
                stamps.clear()
            return strip

        undo_apply = _patch(QuoteBook, "apply_batch", stamped_apply)
        undo_render = _patch(QuoteTable, "render_line", watched_render_line)

        def undo() -> None:
            undo_apply()
            undo_render()

        return undo

    def set_visible(self, symbols: Sequence[str]) -> None:
        self.visible = frozenset(symbols)
        for symbol in [s for s in self.pending if s not in self.visible]:
            del self.pending[symbol]  # scrolled away before it rendered: not a screen tick


async def _track_visible(app: Any, probe: ScreenProbe) -> None:
    from apex_tui.tui.panes.quote_table import QuoteTable  # noqa: PLC0415

    while True:
        found = app.query(QuoteTable)
        if found:
            table = found.first()
            top, rows = table.scroll_offset.y, max(0, table.size.height - 1)
            probe.set_visible(table.symbols[top : top + rows])
        await asyncio.sleep(0.2)


def _use_external_simulator(port: int) -> None:
    """`sim` mode, but dial the simulator process instead of starting one in a thread."""
    from apex_tui.broker.settings import BrokerSettings  # noqa: PLC0415
    from apex_tui.core import engine as engine_module  # noqa: PLC0415
    from apex_tui.core.simulator import RunningSimulator  # noqa: PLC0415
    from apex_tui.settings_sections import SimSettings  # noqa: PLC0415

    class External(RunningSimulator):
        def __init__(self) -> None:  # no embedded simulator behind it
            self.port = port

        def stop(self) -> None:
            """The parent owns the simulator process."""

    def external(sim: SimSettings, broker: BrokerSettings) -> RunningSimulator:
        return External()

    _patch(engine_module, "start_embedded_simulator", external)


async def _feed_child(port: int, cfg: FeedConfig) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="apex-bench-app-"))
    _quiet_logging(tmp)
    _use_external_simulator(port)
    probe = ScreenProbe()
    symbols = [f"BN{i:03d}" for i in range(cfg.symbols)]
    app = _make_app(
        _settings_overrides(
            tmp,
            watchlist={"symbols": symbols},
            broker={"max_lines": cfg.symbols + 10},
        )
    )
    result: dict[str, Any] = {}
    async with app.run_test(size=SIZE):
        try:
            await _until(lambda: app.engine.connection().state == "CONNECTED", "CONNECTED", 60)
            connector = app.engine.connector
            await _until(
                lambda: len(connector.subscriptions.streaming) >= 0.95 * cfg.symbols,
                "the symbols streaming",
                240,
                0.2,
            )
            # The parent starts the clients and the UI floor now: their start-up (imports,
            # subscribing) competes with the app for the 2 cores, and lands in its warm-up
            # rather than in its measured window (it read as a 202 ms loop stall there).
            print(json.dumps(WARMING), flush=True)
            # Warm-up, with three sink flushes: the data stack's first writes cost a one-time
            # step of memory (pyarrow/polars code pages, allocator arenas, thread pools: ~90 MB
            # for 500 symbols' bars, settled by the third). Live bars flush every 10 minutes,
            # so unforced that step would land inside the measured window and read as growth.
            for _ in range(3):
                await asyncio.sleep(cfg.warmup / 3)
                await asyncio.to_thread(app.engine.sink.flush)
            # CPU, RSS and loop lag first, with no instrumentation in the app's hot paths.
            lags: list[float] = []
            sleeper = asyncio.ensure_future(_sleeper(lags))
            t0, cpu0 = time.perf_counter(), own_cpu_seconds()
            samples: list[tuple[float, float, float]] = [(0.0, cpu0, own_rss_mb())]
            while (elapsed := time.perf_counter() - t0) < cfg.seconds:
                await asyncio.sleep(min(cfg.sample_every, cfg.seconds - elapsed))
                samples.append((time.perf_counter() - t0, own_cpu_seconds(), own_rss_mb()))
            sleeper.cancel()
            # Then tick-to-screen, its wrappers installed only for this second window.
            undo = probe.install()
            tracker = asyncio.ensure_future(_track_visible(app, probe))
            await asyncio.sleep(0.5)  # the tracker has read the visible rows
            probe.armed = True
            await asyncio.sleep(cfg.probe_seconds)
            probe.armed = False
            tracker.cancel()
            undo()
            result = {
                "samples": samples,
                "lags": lags,
                "latencies": probe.latencies,
                "visible": len(probe.visible),
                "streaming": len(connector.subscriptions.streaming),
            }
        finally:
            await app.engine.stop()
    return result


# --- the orders child: keypress to placeOrder on the simulator ---------------------------
def _stamp_place_orders(wire: dict[str, float]) -> Callable[[], None]:
    """Wrap the simulator's placeOrder parse: orderRef -> perf_counter() when it arrived."""
    from apex_tui.sim import dispatch  # noqa: PLC0415
    from apex_tui.sim.incoming import PlaceOrder  # noqa: PLC0415
    from apex_tui.sim.wire import Reader  # noqa: PLC0415

    parse: Callable[[Reader, int], PlaceOrder] = getattr(dispatch, "parse_place_order")  # noqa: B009

    def stamped(r: Reader, version: int) -> PlaceOrder:
        t = time.perf_counter()
        placed = parse(r, version)
        if not placed.what_if:  # the card's margin preview is a what-if placeOrder
            wire[placed.order_ref] = t
        return placed

    return _patch(dispatch, "parse_place_order", stamped)


async def _app_orders(app: Any, pilot: Any, n: int, wire: dict[str, float]) -> list[float]:
    from apex_tui.tui.screens.approval_card import ApprovalCard  # noqa: PLC0415

    desk = app.engine.desk
    latencies: list[float] = []
    for i in range(n):
        side = "buy" if i % 2 == 0 else "sell"  # back to flat: no limit grows with n
        await pilot.press("colon", *f"{side} 1 AAPL mkt", "enter")
        await _until(lambda: isinstance(app.screen, ApprovalCard), "the approval card", 15)
        pid = app.screen.proposal.id
        await asyncio.sleep(0.3)  # let the card's what-if preview settle first
        t0 = time.perf_counter()
        await pilot.press("y")
        latencies.append(await _wire_latency(wire, pid, t0))
        await _settled(app, desk, i + 1)
    return latencies


async def _wire_latency(wire: dict[str, float], ref: str, t0: float) -> float:
    """Seconds from `t0` to the simulator parsing the placeOrder with orderRef `ref`."""
    await _until(lambda: ref in wire, f"placeOrder {ref} on the simulator", 15, 0.002)
    return wire[ref] - t0


async def _settled(app: Any, desk: Any, count: int) -> None:
    """Until `count` orders are done and the card is closed: the next run starts quiet."""
    from apex_tui.tui.screens.approval_card import ApprovalCard  # noqa: PLC0415

    def done() -> bool:
        orders = desk.manager.orders()
        return (
            len(orders) == count
            and all(o.state.terminal for o in orders)
            and not isinstance(app.screen, ApprovalCard)
        )

    await _until(done, "the order to fill", 15)


async def _bare_orders(port: int, n: int, wire: dict[str, float]) -> list[float]:
    from ib_async import IB, Contract, MarketOrder, Stock  # noqa: PLC0415

    ib = IB()
    await ib.connectAsync("127.0.0.1", port, clientId=77, timeout=20)
    try:
        [contract] = await ib.qualifyContractsAsync(Stock("AAPL", "SMART", "USD"))
        assert isinstance(contract, Contract)
        latencies: list[float] = []
        for i in range(n):
            order = MarketOrder("BUY" if i % 2 == 0 else "SELL", 1)
            ref = order.orderRef = f"bare-{i}"
            await asyncio.sleep(0.3)  # the same idle gap the app path has before `y`
            t0 = time.perf_counter()
            trade = ib.placeOrder(contract, order)
            latencies.append(await _wire_latency(wire, ref, t0))
            await _until(trade.isDone, "the bare order to fill", 15)
    finally:
        ib.disconnect()
    return latencies


async def _orders_child(n: int) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="apex-bench-orders-"))
    _quiet_logging(tmp)
    wire: dict[str, float] = {}
    restore = _stamp_place_orders(wire)
    risk = {"allow_market_orders": True, "max_orders_per_minute": 1000, "max_open_orders": 100}
    app = _make_app(_settings_overrides(tmp, risk=risk))
    try:
        async with app.run_test(size=SIZE) as pilot:
            try:
                await _until(lambda: app.engine.connection().state == "CONNECTED", "CONNECTED", 60)
                connector = app.engine.connector
                await _until(
                    lambda: (q := connector.quotes.get("AAPL")) is not None and q.time is not None,
                    "the first AAPL quote",
                    30,
                )
                via_app = await _app_orders(app, pilot, n, wire)
                bare = await _bare_orders(app.engine.simulator.port, n, wire)
            finally:
                await app.engine.stop()
    finally:
        restore()
    return {"app": via_app, "bare": bare}


# --- the parent ----------------------------------------------------------------------------
WARMING = {"app": "warming up"}  # the app child's line when its warm-up starts


def _during_app(
    app_args: list[str], timeout: float, others: dict[str, list[str]]
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Run the app child; once its warm-up starts, the `others` children side by side with it.
    The app's result and theirs, by name."""
    app = children.spawn(app_args)
    proc = app[0]
    assert proc.stdout is not None
    started: dict[str, children.Child] = {}
    try:
        marker = json.dumps(WARMING)
        while (line := proc.stdout.readline()) and line.strip() != marker:
            pass
        if line:  # else it exited before its warm-up: reap reports its stderr
            started = {name: children.spawn(args) for name, args in others.items()}
        results = {name: children.reap(child, timeout) for name, child in started.items()}
    except BaseException:  # one child failed: the rest would only run on to their timeouts
        for running, _err, _args in (app, *started.values()):
            if running.poll() is None:
                running.kill()
        raise
    return children.reap(app, timeout), results


def measure_feed(cfg: FeedConfig) -> dict[str, Any]:
    """The simulator process; the bare client, the app with the bare client, the connector and
    the UI floor measuring during its window, the bare client again."""
    names = [f"BN{i:03d}" for i in range(cfg.symbols)]
    # Lines for the app and two clients at once (the simulator's budget is global).
    with children.simulator(names, "--max-lines", str(cfg.symbols * 4)) as sim:

        def client_args(role: str, seconds: float, warmup: float) -> list[str]:
            return [bench_connector.__file__, "--role", role, "--port", str(sim.port),
                    "--symbols", str(cfg.symbols), "--seconds", str(seconds),
                    "--warmup", str(warmup)]  # fmt: skip

        # The children beside the app start with its warm-up; the clients subscribe (~30 s
        # at 500 symbols) and warm up as long as the app does, so they measure from ~30 s
        # into the app's window to ~30 s before its end; the UI floor, which subscribes to
        # nothing, waits as long before it measures.
        during = cfg.during_seconds
        lead = cfg.warmup + (cfg.seconds - during) / 2
        alone = client_args("bare", cfg.bare_seconds, cfg.warmup / 4)
        bare = [children.run_child(alone, cfg.bare_seconds + 300)]
        app, beside = _during_app(
            [__file__, "--role", "feed", "--port", str(sim.port), "--symbols",
             str(cfg.symbols), "--seconds", str(cfg.seconds), "--warmup", str(cfg.warmup),
             "--sample-every", str(cfg.sample_every)],
            cfg.seconds + 600,
            {
                "bare": client_args("bare", during, cfg.warmup),
                "connector": client_args("connector", during, cfg.warmup),
                "ui_floor": [ui_floor.__file__, "--seconds", str(during), "--warmup", str(lead)],
            },
        )  # fmt: skip
        bare.append(children.run_child(alone, cfg.bare_seconds + 300))
    return {"bare": bare, "app": app, "during": beside}


def measure_orders(n: int) -> dict[str, Any]:
    return children.run_child([__file__, "--role", "orders", "--orders", str(n)], 60 + 10 * n)


def feed_figures(cfg: FeedConfig, r: dict[str, Any], smoke: bool) -> list[Figure]:
    app, bare, during = r["app"], r["bare"], r["during"]["bare"]
    connector, ui = r["during"]["connector"], r["during"]["ui_floor"]
    samples = [tuple(s) for s in app["samples"]]
    (t0, c0, rss0), (t1, c1, rss1) = samples[0], samples[-1]
    cpu_pct = 100.0 * (c1 - c0) / (t1 - t0)
    slices = [100.0 * (b[1] - a[1]) / (b[0] - a[0]) for a, b in itertools.pairwise(samples)]
    bare_pct = [b["cpu_pct"] for b in bare]
    floor = during["cpu_pct"]
    ratio = cpu_pct / floor if floor else math.nan
    # What the app would cost with no feature but the quotes: the connector (ib_async and
    # the tick path into the QuoteBook and bars) and Textual repainting the visible rows.
    floor_ratio = (connector["cpu_pct"] + ui["cpu_pct"]) / floor if floor else math.nan
    lags = [x * 1000 for x in app["lags"]]
    lag99 = _pct(lags, 99)
    ticks = [x * 1000 for x in app["latencies"]]
    tick99 = _pct(ticks, 99)
    slope = slope_per_second([(t, rss) for t, _c, rss in samples])  # MB/s
    growth = 100.0 * slope * (t1 - t0) / rss0
    n, window = cfg.symbols, f"{t1 - t0:.0f} s"
    return [
        Figure(
            f"app CPU, {n} symbols @ 250 ms, {window}",
            cpu_pct,
            "% of one core",
            spread=f"{min(slices):.1f}..{max(slices):.1f} per {cfg.sample_every:g} s",
            baseline=f"bare ib_async client in the same window: {floor:.2f} % (alone before, "
            "after: " + ", ".join(f"{p:.1f} %" for p in bare_pct) + ")",
            ratio=ratio,
            goal="<= 1.5x",
            met=None if smoke else ratio <= 1.5,  # at smoke sizes fixed costs dominate
        ),
        Figure(
            "lowest CPU ratio the design leaves: connector alone + a bare Textual table",
            floor_ratio,
            "x",
            spread=f"connector {connector['cpu_pct']:.2f} %, table {ui['cpu_pct']:.2f} % "
            f"({ui['frames'] / cfg.during_seconds:.1f} repaints/s of {ui_floor.ROWS} rows), "
            f"bare {floor:.2f} %",
            baseline="all three in the app's window (bench/ui_floor.py: Textual and nothing else)",
            goal="reading for the ratio above",
        ),
        Figure(
            f"app loop lag p99, {n} symbols",
            lag99,
            "ms",
            spread=f"median {_pct(lags, 50):.1f}, max {max(lags, default=math.nan):.0f} ms",
            baseline=f"bare client p99 in the same window: {during['lag_p99_ms']:.1f} ms",
            goal="<= 20 ms",
            met=lag99 <= 20,
        ),
        Figure(
            f"tick-to-screen p99, {app['visible']} visible rows",
            tick99,
            "ms",
            spread=f"median {_pct(ticks, 50):.0f}, max {max(ticks, default=math.nan):.0f} ms, "
            f"{len(ticks)} ticks",
            goal="<= 150 ms",
            met=tick99 <= 150,
        ),
        Figure(
            f"app RSS change over {window} (fitted)",
            growth,
            "%",
            spread=f"slope {slope * 60:.2f} MB/min",
            baseline=f"start {rss0:.1f} MB, end {rss1:.1f} MB",
            goal="flat within 5 %",
            met=None if smoke else abs(growth) <= 5,
        ),
    ]


def order_figures(r: dict[str, Any]) -> list[Figure]:
    app = [x * 1000 for x in r["app"]]
    bare = [x * 1000 for x in r["bare"]]
    p99, bare99 = _pct(app, 99), _pct(bare, 99)
    return [
        Figure(
            f"approval `y` to placeOrder on the simulator p99, {len(app)} orders",
            p99,
            "ms",
            spread=f"median {_pct(app, 50):.1f}, {min(app):.1f}..{max(app):.1f} ms",
            baseline=f"bare ib_async placeOrder p99 {bare99:.2f} ms (median {_pct(bare, 50):.2f})",
            ratio=p99 / bare99 if bare99 else None,
            goal="<= 50 ms",
            met=p99 <= 50,
        )
    ]


def run(smoke: bool = False) -> list[Figure]:
    """For `make bench`: the whole app's CPU, lag, tick-to-screen, RSS and order latency."""
    return run_with(SMOKE_FEED if smoke else FULL_FEED, SMOKE_ORDERS if smoke else FULL_ORDERS,
                    smoke)  # fmt: skip


def run_with(cfg: FeedConfig, orders: int, smoke: bool) -> list[Figure]:
    figures = feed_figures(cfg, measure_feed(cfg), smoke)
    return figures + order_figures(measure_orders(orders))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--smoke", action="store_true", help="40 symbols, 5 s windows")
    parser.add_argument("--symbols", type=int, default=FULL_FEED.symbols)
    parser.add_argument(
        "--minutes",
        type=float,
        default=FULL_FEED.seconds / 60,
        help="the app's measured window (RSS, CPU, lag, tick-to-screen)",
    )
    parser.add_argument("--orders", type=int, default=FULL_ORDERS)
    parser.add_argument("--role", choices=["feed", "orders"], default=None)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--seconds", type=float, default=FULL_FEED.seconds)
    parser.add_argument("--warmup", type=float, default=FULL_FEED.warmup)
    parser.add_argument("--sample-every", type=float, default=FULL_FEED.sample_every)
    args = parser.parse_args()
    if args.role == "feed":
        cfg = FeedConfig(args.symbols, args.seconds, args.warmup, args.sample_every, 0)
        print(json.dumps(asyncio.run(_feed_child(args.port, cfg))))
        return 0
    if args.role == "orders":
        print(json.dumps(asyncio.run(_orders_child(args.orders))))
        return 0
    if args.smoke:
        cfg, orders = SMOKE_FEED, SMOKE_ORDERS
    else:
        seconds = args.minutes * 60
        every = min(FULL_FEED.sample_every, seconds / 20)
        cfg = FeedConfig(args.symbols, seconds, FULL_FEED.warmup, every, FULL_FEED.bare_seconds)
        orders = args.orders
    try:
        figures = run_with(cfg, orders, args.smoke)
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        print(exc, file=sys.stderr)
        return 1
    for f in figures:
        ratio = "" if f.ratio is None else f"  ratio {f.ratio:.2f}x"
        met = "" if f.met is None else ("  ok" if f.met else "  NOT MET")
        print(f"{f.name}: {f.value:.4g} {f.unit}  [{f.spread}]  {f.baseline}{ratio}"
              f"  goal {f.goal}{met}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
