"""SignalService: live bars and history into the SignalEngine, and `auto_propose` out of it.

The connector's BarAggregator calls `on_bar` inside ib_async's event handler, so `on_bar` only
buffers; the buffered bars are fed on the next loop iteration, all symbols of one batch in one
vectorised step. Nothing raised while computing signals or proposing reaches the event handler:
it is logged and counted (`errors`, `propose_errors`).

A symbol is warmed up from the dataset's bars (the same timeframe, TRADES) before its live bars
count; live bars that close while its history is read are held back and replayed afterwards,
skipping any the history already covered, so the engine always sees bars oldest first.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Protocol

import polars as pl

from apex_tui.core.trading import TradingDesk
from apex_tui.domain.clock import Clock, SystemClock
from apex_tui.domain.orders import Side
from apex_tui.domain.quotes import BarRecord
from apex_tui.flags import FlagBoard
from apex_tui.logging import get_logger
from apex_tui.market.bars import TIMEFRAMES, BarAggregator
from apex_tui.orders.proposal import Proposal, Provenance
from apex_tui.orders.shadow import ShadowPnl
from apex_tui.signals import jit
from apex_tui.signals.book import SignalBook
from apex_tui.signals.engine import SignalEngine
from apex_tui.signals.generators import compiled
from apex_tui.signals.settings import SignalSettings
from apex_tui.signals.signal import Direction, Signal
from apex_tui.store.bar_sizes import BAR_SIZES
from apex_tui.store.bars import BarRepository

log = get_logger(__name__)

Proposer = Callable[[Signal], object]
WARMUP_WHAT = "TRADES"  # what the Recorder writes and backfills fetch by default
# History is read from `now - span * warmup_bars * timeframe`: markets are shut about 3/4 of
# the week, so 6x the bare span still finds the bars after a weekend; at least a week.
_SPAN_FACTOR = 6
_MIN_LOOKBACK = timedelta(days=7)


class HasBars(Protocol):
    """The connector, as far as the service needs it."""

    @property
    def bars(self) -> BarAggregator: ...


def aggregator_timeframes(settings: SignalSettings) -> tuple[int, ...]:
    """The BarAggregator's timeframes plus the one the signals run on (5 s for a demo)."""
    return tuple(sorted({*TIMEFRAMES, settings.timeframe_seconds}))


def history_bar_size(settings: SignalSettings) -> str:
    """The dataset's bar size ("1 min") matching the signals timeframe."""
    seconds = settings.timeframe_seconds
    return next(b.name for b in BAR_SIZES if b.seconds == seconds)


def desk_proposer(desk: TradingDesk) -> Callable[[Signal], Proposal]:
    """`propose(signal)` through the order path: sized by risk, queued for approval."""

    def propose(signal: Signal) -> Proposal:
        side = Side.BUY if signal.direction is Direction.LONG else Side.SELL
        provenance = Provenance(
            signal.generator, f"{signal.symbol}@{signal.bar_time:%H:%M:%S}", signal.reason
        )
        return desk.propose(signal.symbol, side, provenance=provenance)

    return propose


def shadow_feed(desk: TradingDesk) -> Callable[[], dict[str, ShadowPnl]]:
    """Shadow P&L per generator, marked at each symbol's last price (mid when no trade yet)."""

    def pnl() -> dict[str, ShadowPnl]:
        marks: dict[str, float] = {}
        for entry in desk.shadow.entries():
            if entry.symbol not in marks:
                quote = desk.current_quote(entry.symbol)
                if quote is None:
                    marks[entry.symbol] = math.nan  # counted as unmarked
                else:
                    marks[entry.symbol] = quote.last if math.isfinite(quote.last) else quote.mid
        return desk.shadow.pnl_by_generator(marks)

    return pnl


class SignalService:
    """Owns the SignalEngine and its SignalBook; fed by the connector's bar aggregator."""

    def __init__(
        self,
        settings: SignalSettings,
        flags: FlagBoard,
        *,
        history: BarRepository | None = None,
        propose: Proposer | None = None,
        clock: Clock | None = None,
        book: SignalBook | None = None,
    ) -> None:
        self.settings = settings
        self.flags = flags
        self.engine = SignalEngine(settings, flags, book if book is not None else SignalBook())
        self.book = self.engine.book
        self.propose = propose
        self.timeframe = settings.timeframe_seconds
        self._history = history
        self._clock: Clock = clock or SystemClock()
        self._pending: list[BarRecord] = []
        self._scheduled = False
        self._warming: dict[str, list[BarRecord]] = {}
        self._tasks: set[asyncio.Task[int]] = set()
        # Last direction seen per (symbol, generator): the engine re-emits after a flag
        # change, and a re-emitted direction is not a new signal to propose on.
        self._seen: dict[tuple[str, str], Direction] = {}
        self.bars_fed = 0
        self.warmup_bars_fed = 0
        self.errors = 0
        self.proposed = 0
        self.propose_errors = 0

    def reconfigure(self, settings: SignalSettings, symbols: Sequence[str]) -> bool:
        """New generator parameters, live: a fresh engine on the same (cleared) book, warmed
        up again from history. False when the timeframe changed: the bar aggregator's
        timeframes are fixed at start, so that needs a restart."""
        if settings.timeframe_seconds != self.timeframe:
            return False
        self.engine.close()
        self.book.remove()
        self.settings = settings
        self.engine = SignalEngine(settings, self.flags, self.book)
        self._seen.clear()
        self._warming.clear()
        self.start_warm_up(symbols)
        return True

    # -- hookup ------------------------------------------------------------------------------

    def attach(self, connector: HasBars) -> None:
        """Listen to the connector's closed bars."""
        connector.bars.on_bar(self.on_bar, self.timeframe)

    def on_bar(self, timeframe: int, bar: BarRecord) -> None:
        """BarAggregator listener (runs inside ib_async's handler): buffer, never raise."""
        if timeframe != self.timeframe:
            return
        try:
            held = self._warming.get(bar.symbol)
            if held is not None:
                held.append(bar)
                return
            self._pending.append(bar)
            self._schedule()
        except Exception:  # the quotes stream must survive any bug here
            self._failed("signal_bar_failed", symbol=bar.symbol)

    def _schedule(self) -> None:
        if self._scheduled:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (a headless caller): feed at once
            self.drain()
            return
        self._scheduled = True
        loop.call_soon(self.drain)

    def drain(self) -> list[Signal]:
        """Feed every buffered bar now; returns the signals emitted."""
        self._scheduled = False
        pending, self._pending = self._pending, []
        emitted: list[Signal] = []
        for batch in _batches(pending):
            try:
                signals = self.engine.on_bars(batch)
            except Exception:  # a generator bug costs this batch, not the feed
                self._failed("signal_generators_failed", bars=len(batch))
                continue
            self.bars_fed += len(batch)
            emitted += signals
            self._auto_propose(signals)
        return emitted

    def _failed(self, event: str, **fields: object) -> None:
        self.errors += 1
        if self.errors <= 10 or self.errors % 1000 == 0:  # a stuck bug must not flood the log
            log.exception(event, errors=self.errors, **fields)

    # -- auto_propose ------------------------------------------------------------------------

    def _auto_propose(self, signals: Sequence[Signal]) -> None:
        on = self.propose is not None and self.flags.is_on("auto_propose")
        for sig in signals:
            previous = self._seen.get(sig.key)
            self._seen[sig.key] = sig.direction
            if not on or sig.direction is Direction.FLAT or sig.direction == previous:
                continue
            if sig.strength < self.settings.min_strength:
                continue
            self._propose(sig)

    def _propose(self, signal: Signal) -> None:
        assert self.propose is not None
        try:
            self.propose(signal)
        except Exception as exc:  # a refused proposal (risk, no quote) must not stop signals
            self.propose_errors += 1
            log.warning(
                "auto_propose_failed",
                symbol=signal.symbol,
                generator=signal.generator,
                error=str(exc),
                error_type=type(exc).__name__,
            )
            return
        self.proposed += 1
        log.info(
            "auto_proposed",
            symbol=signal.symbol,
            generator=signal.generator,
            direction=signal.direction.name,
            strength=round(signal.strength, 3),
        )

    # -- symbols -----------------------------------------------------------------------------

    def add_symbol(self, symbol: str) -> asyncio.Task[int]:
        """Warm `symbol` up in the background (its live bars wait meanwhile)."""
        return self.start_warm_up([symbol])

    def start_warm_up(self, symbols: Iterable[str]) -> asyncio.Task[int]:
        """`add_symbols` as a task the service keeps (failures are logged, never raised)."""
        # Held from now on, not from when the task first runs: bars may close in between.
        task = asyncio.ensure_future(self._warm(self._hold(symbols)))
        self._tasks.add(task)
        task.add_done_callback(self._warm_done)
        return task

    def _warm_done(self, task: asyncio.Task[int]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.error("signal_warm_up_failed", error=str(exc), error_type=type(exc).__name__)

    async def wait_warm(self) -> None:
        """Until every warm-up started so far has finished."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def add_symbols(self, symbols: Sequence[str]) -> int:
        """Warm new symbols from history (read off the loop), then replay their held bars.

        Returns the number of history bars fed. Symbols already known are left alone.
        """
        return await self._warm(self._hold(symbols))

    def _hold(self, symbols: Iterable[str]) -> list[str]:
        """Start holding the live bars of symbols that are neither known nor warming."""
        known = set(self.engine.symbols)
        new = [s for s in dict.fromkeys(symbols) if s not in self._warming and s not in known]
        for symbol in new:
            self._warming[symbol] = []
        return new

    async def _warm(self, new: list[str]) -> int:
        if not new:
            return 0
        try:
            histories = await asyncio.to_thread(self._read_histories, new, self._clock.now())
            # A symbol removed while its history was read is no longer wanted.
            histories = {s: f for s, f in histories.items() if s in self._warming}
            fed = self.engine.warm_up(histories)
        except Exception:
            # Without history the symbol still gets live signals, just later.
            self._failed("signal_warm_up_failed", symbols=len(new))
            histories, fed = {}, 0
        self.warmup_bars_fed += fed
        for symbol in new:
            held = self._warming.pop(symbol, None)
            if held is None:
                continue  # removed meanwhile
            self.engine.add_symbol(symbol)
            for sig in self.book.snapshot():
                if sig.symbol == symbol:
                    self._seen[sig.key] = sig.direction
            last = _last_time(histories.get(symbol))
            self._pending += [b for b in held if last is None or b.time > last]
        if self._pending:
            self.drain()
        return fed

    def _read_histories(self, symbols: Sequence[str], now: datetime) -> dict[str, pl.DataFrame]:
        """The last bars of each symbol from the dataset (runs in a worker thread)."""
        if self._history is None:
            return {}
        size = history_bar_size(self.settings)
        span = timedelta(seconds=_SPAN_FACTOR * self.settings.warmup_bars * self.timeframe)
        start = now - max(span, _MIN_LOOKBACK)
        out: dict[str, pl.DataFrame] = {}
        for symbol in symbols:
            frame = self._history.read_bars(symbol, size, WARMUP_WHAT, start, now)
            out[symbol] = frame.select(
                "time", "high", "low", "close", pl.col("volume").cast(pl.Float64)
            )
        return out

    def remove_symbol(self, symbol: str) -> None:
        self._warming.pop(symbol, None)
        self._pending = [b for b in self._pending if b.symbol != symbol]
        self.engine.remove_symbol(symbol)
        self._seen = {k: v for k, v in self._seen.items() if k[0] != symbol}

    async def stop(self) -> None:
        """Cancel warm-ups still reading history."""
        for task in list(self._tasks):
            task.cancel()
        await self.wait_warm()


def _batches(bars: Sequence[BarRecord]) -> list[list[BarRecord]]:
    """Split into consecutive batches with one bar per symbol (the engine's contract)."""
    out: list[list[BarRecord]] = []
    current: list[BarRecord] = []
    seen: set[str] = set()
    for bar in bars:
        if bar.symbol in seen:
            out.append(current)
            current, seen = [], set()
        current.append(bar)
        seen.add(bar.symbol)
    if current:
        out.append(current)
    return out


def _last_time(frame: pl.DataFrame | None) -> datetime | None:
    if frame is None or frame.is_empty():
        return None
    last = frame["time"].max()
    return last if isinstance(last, datetime) else None


def warm_kernels() -> None:
    """Compile (or load from numba's cache) the signal kernels: called in a worker thread at
    start so the first bars and the first warm-up never wait for the compiler."""
    jit.warm_up()
    compiled.warm_up()
