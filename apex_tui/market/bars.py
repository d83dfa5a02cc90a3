"""Bar aggregation from ticks (1-second and 1-minute bars) and the raw-tick hand-off to the sink.

Bars are built from the last trade price; the bar volume is the increase of the session's
cumulative volume within the bar. A bar closes when the first tick of a later bucket arrives
or when `flush(now)` finds its bucket over.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime

import structlog

from apex_tui.domain.quotes import BarRecord, Tick

log = structlog.get_logger(__name__)

TickSink = Callable[[Tick], None]
BarListener = Callable[[int, BarRecord], None]

TIMEFRAMES = (1, 60)  # seconds


class _Building:
    """The bar under construction for one symbol and timeframe."""

    __slots__ = ("bucket", "close", "count", "high", "low", "open", "volume")

    def __init__(self, bucket: int, price: float) -> None:
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
        timeframes: tuple[int, ...] = TIMEFRAMES,
    ) -> None:
        self._sink = sink
        self._keep = keep
        self._timeframes = timeframes
        self._building: dict[tuple[str, int], _Building] = {}
        self._closed: dict[tuple[str, int], deque[BarRecord]] = {}
        self._last_volume: dict[str, float] = {}
        self._listeners: list[BarListener] = []
        self.sink_errors = 0
        self.version = 0

    def on_bar(self, listener: BarListener) -> None:
        """Call `listener(timeframe_seconds, bar)` for every bar that closes."""
        self._listeners.append(listener)

    def add(self, tick: Tick) -> None:
        """Hand `tick` to the sink, then fold it into the symbol's bars."""
        if self._sink is not None:
            try:
                self._sink(tick)
            except Exception:  # a broken sink must not stop the quotes stream
                self.sink_errors += 1
                if self.sink_errors == 1 or self.sink_errors % 1000 == 0:
                    log.exception("tick_sink_failed", errors=self.sink_errors)
        volume_delta = 0.0
        if not math.isnan(tick.volume):
            previous = self._last_volume.get(tick.symbol)
            if previous is not None and tick.volume > previous:
                volume_delta = tick.volume - previous
            self._last_volume[tick.symbol] = tick.volume
        price = tick.last
        if math.isnan(price):
            return
        epoch = int(tick.time.timestamp())
        for tf in self._timeframes:
            key = (tick.symbol, tf)
            bucket = epoch - epoch % tf
            bar = self._building.get(key)
            if bar is not None and bucket > bar.bucket:
                self._close(key, bar)
                bar = None
            if bar is None:
                bar = self._building[key] = _Building(bucket, price)
            elif bucket < bar.bucket:
                continue  # a late tick for a bar already closed: ignored
            bar.high = max(bar.high, price)
            bar.low = min(bar.low, price)
            bar.close = price
            bar.volume += volume_delta
            bar.count += 1

    def _close(self, key: tuple[str, int], bar: _Building) -> None:
        symbol, tf = key
        record = BarRecord(
            symbol=symbol,
            time=datetime.fromtimestamp(bar.bucket, UTC),
            open=bar.open,
            high=bar.high,
            low=bar.low,
            close=bar.close,
            volume=bar.volume,
            count=bar.count,
        )
        ring = self._closed.get(key)
        if ring is None:
            ring = self._closed[key] = deque(maxlen=self._keep)
        ring.append(record)
        self.version += 1
        for listener in self._listeners:
            listener(tf, record)

    def flush(self, now: datetime) -> None:
        """Close every bar whose bucket ended before `now`."""
        epoch = int(now.timestamp())
        for key, bar in list(self._building.items()):
            if epoch >= bar.bucket + key[1]:
                del self._building[key]
                self._close(key, bar)

    def bars(self, symbol: str, timeframe: int = 60) -> list[BarRecord]:
        """Closed bars for `symbol`, oldest first."""
        return list(self._closed.get((symbol, timeframe), ()))

    def closes(self, symbol: str, timeframe: int = 60, n: int = 30) -> list[float]:
        """The last `n` closes, oldest first (for sparklines)."""
        ring = self._closed.get((symbol, timeframe), ())
        return [b.close for b in list(ring)[-n:]]

    def forget(self, symbol: str) -> None:
        """Drop every bar of a symbol removed from the watchlist."""
        self._last_volume.pop(symbol, None)
        for tf in self._timeframes:
            self._building.pop((symbol, tf), None)
            self._closed.pop((symbol, tf), None)
