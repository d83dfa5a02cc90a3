"""Bar aggregation from ticks (1-second and 1-minute bars) and the raw-tick hand-off to the sink.

Bars are built from the last trade price; the bar volume is the increase of the session's
cumulative volume within the bar. A bar closes when the first tick of a later bucket arrives
or when `flush(now)` finds its bucket over.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from math import isnan

import structlog

from apex_tui.domain.quotes import BarRecord, Tick
from apex_tui.market.bar_ring import BarRing, ClosedBar

log = structlog.get_logger(__name__)

TickSink = Callable[[Sequence[Tick]], None]  # one call per batch of ticks
BarListener = Callable[[int, BarRecord], None]

TIMEFRAMES = (1, 60)  # seconds


class _Building(ClosedBar):
    """The bar under construction for one symbol and timeframe."""

    __slots__ = ()

    def __init__(self, bucket: int, price: float) -> None:
        self.start(bucket, price)

    def start(self, bucket: int, price: float) -> None:
        """Begin the bar of `bucket` at `price` (a builder is reused bar after bar)."""
        self.bucket = bucket
        self.open = self.high = self.low = self.close = price
        self.volume = 0.0
        self.count = 0


class BarAggregator:
    """Aggregates ticks per symbol into closed bars kept in short ring buffers."""

    def __init__(
        self,
        *,
        sink: TickSink | None = None,
        keep: int = 120,
        keep_seconds: int = 60,
        timeframes: tuple[int, ...] = TIMEFRAMES,
    ) -> None:
        self._sink = sink
        self._keep = keep
        # 1 s bars serve short-horizon signals only: a minute of them bounds the memory
        # (500 symbols x 60) instead of letting them grow as long as the minute bars.
        self._keep_seconds = keep_seconds
        self._timeframes = timeframes
        self._building: dict[str, list[_Building | None]] = {}  # per timeframe, in order
        self._closed: dict[tuple[str, int], BarRing] = {}
        self._last_volume: dict[str, float] = {}
        # timeframe -> listeners of its bars: a record is built only for a timeframe someone
        # listens to (500 one-second bars close every second; nobody listens to those today)
        self._listeners: dict[int, list[BarListener]] = {}
        self.sink_errors = 0
        self.version = 0

    def on_bar(self, listener: BarListener, timeframe: int | None = None) -> None:
        """Call `listener(timeframe_seconds, bar)` for every bar of `timeframe` that closes
        (of every timeframe when None)."""
        for tf in self._timeframes if timeframe is None else (timeframe,):
            self._listeners.setdefault(tf, []).append(listener)

    def add(self, tick: Tick) -> None:
        """Hand `tick` to the sink, then fold it into the symbol's bars."""
        self.add_batch((tick,))

    def add_batch(self, ticks: Sequence[Tick]) -> None:
        """Hand `ticks` to the sink in one call, then fold each into its symbol's bars.

        One call per socket read: this runs for every tick of every symbol (2,000 a second
        at 500 symbols), so the loop keeps its lookups in locals and uses plain comparisons
        instead of min()/max().
        """
        if self._sink is not None and ticks:
            try:
                self._sink(ticks)
            except Exception:  # a broken sink must not stop the quotes stream
                self.sink_errors += 1
                if self.sink_errors == 1 or self.sink_errors % 1000 == 0:
                    log.exception("tick_sink_failed", errors=self.sink_errors)
        last_volume, builders, timeframes = self._last_volume, self._building, self._timeframes
        stamp: datetime | None = None
        epoch = 0
        for tick in ticks:
            symbol = tick.symbol
            volume_delta = 0.0
            volume = tick.volume
            if not isnan(volume):
                previous = last_volume.get(symbol)
                if previous is not None and volume > previous:
                    volume_delta = volume - previous
                last_volume[symbol] = volume
            price = tick.last
            if isnan(price):  # no trade price yet
                continue
            if tick.time is not stamp:  # ib_async stamps one read's tickers with one time
                stamp = tick.time
                epoch = int(stamp.timestamp())
            building = builders.get(symbol)
            if building is None:
                building = builders[symbol] = [None] * len(timeframes)
            for i, tf in enumerate(timeframes):
                bucket = epoch - epoch % tf
                bar = building[i]
                if bar is None:
                    bar = building[i] = _Building(bucket, price)
                elif bucket > bar.bucket:
                    self._close(symbol, tf, bar)
                    bar.start(bucket, price)  # the ring copied the closed bar's numbers
                elif bucket < bar.bucket:
                    continue  # a late tick for a bar already closed: ignored
                if price > bar.high:
                    bar.high = price
                elif price < bar.low:
                    bar.low = price
                bar.close = price
                bar.volume += volume_delta
                bar.count += 1

    @staticmethod
    def _record(symbol: str, bar: ClosedBar) -> BarRecord:
        return BarRecord(
            symbol=symbol,
            time=datetime.fromtimestamp(bar.bucket, UTC),
            open=bar.open,
            high=bar.high,
            low=bar.low,
            close=bar.close,
            volume=bar.volume,
            count=bar.count,
        )

    def _close(self, symbol: str, tf: int, bar: _Building) -> None:
        # The ring copies the bar's numbers; BarRecords are made only when read (hundreds of
        # 1 s bars close every second).
        key = (symbol, tf)
        ring = self._closed.get(key)
        if ring is None:
            ring = self._closed[key] = BarRing(self._keep_seconds if tf == 1 else self._keep)
        ring.append(bar)
        self.version += 1
        listeners = self._listeners.get(tf)
        if listeners:
            record = self._record(symbol, bar)
            for listener in listeners:
                listener(tf, record)

    def flush(self, now: datetime) -> None:
        """Close every bar whose bucket ended before `now`."""
        epoch = int(now.timestamp())
        for symbol, building in self._building.items():
            for i, tf in enumerate(self._timeframes):
                bar = building[i]
                if bar is not None and epoch >= bar.bucket + tf:
                    building[i] = None
                    self._close(symbol, tf, bar)

    def bars(self, symbol: str, timeframe: int = 60) -> list[BarRecord]:
        """Closed bars for `symbol`, oldest first."""
        return [self._record(symbol, b) for b in self._closed.get((symbol, timeframe), ())]

    def closes(self, symbol: str, timeframe: int = 60, n: int = 30) -> list[float]:
        """The last `n` closes, oldest first (for sparklines)."""
        ring = self._closed.get((symbol, timeframe))
        return [] if ring is None else ring.closes(n)

    def forget(self, symbol: str) -> None:
        """Drop every bar of a symbol removed from the watchlist."""
        self._last_volume.pop(symbol, None)
        self._building.pop(symbol, None)
        for tf in self._timeframes:
            self._closed.pop((symbol, tf), None)
