"""Records what the app sees into the dataset: raw ticks and closed 1-minute bars.

The connector calls `on_ticks` / `on_bar` inside ib_async's event handlers, so they only append
to a list. A task hands the batch to the Sink every `interval` seconds; the Sink's own thread
does the writing. Flags `sink_ticks` and `sink_bars` switch each kind at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from apex_tui.domain.errors import StorageError
from apex_tui.domain.quotes import BarRecord, Tick
from apex_tui.health.checks import SinkView
from apex_tui.logging import get_logger
from apex_tui.periodic import Periodic
from apex_tui.store.bars import bars_table_of
from apex_tui.store.compact import compact
from apex_tui.store.repository import Repository
from apex_tui.store.sink import Sink

log = get_logger(__name__)

LIVE_BAR_SIZE = "1 min"


@dataclass
class Recorder:
    """Buffers ticks and bars between hand-offs to the Sink."""

    sink: Sink
    ticks_enabled: Callable[[], bool]
    bars_enabled: Callable[[], bool]
    interval: float = 0.25
    _ticks: list[Tick] = field(default_factory=list)
    _bars: list[BarRecord] = field(default_factory=list)
    _timer: Periodic | None = None
    handed: int = 0

    def on_ticks(self, ticks: Sequence[Tick]) -> None:
        """One socket read's ticks (the connector hands them over a batch at a time)."""
        if self.ticks_enabled():
            self._ticks.extend(ticks)

    def on_bar(self, timeframe: int, bar: BarRecord) -> None:
        if timeframe == 60 and self.bars_enabled():
            self._bars.append(bar)

    def hand_off(self) -> None:
        """Move buffered rows to the sink's queue (cheap: pyarrow builds, the thread writes)."""
        ticks, self._ticks = self._ticks, []
        bars, self._bars = self._bars, []
        try:
            if ticks:
                self.sink.put_ticks(ticks)
            if bars:
                # One compact table per hand-off: a one-row table per symbol per minute, held
                # until the bars' (long) flush interval, cost ~10 KB each in pyarrow overhead.
                self.sink.put("bars", bars_table_of(LIVE_BAR_SIZE, "TRADES", bars))
        except StorageError as exc:
            log.error("sink_refused_rows", error=str(exc), ticks=len(ticks), bars=len(bars))
            return
        self.handed += len(ticks) + len(bars)

    def start(self) -> None:
        if self._timer is None:
            self._timer = Periodic(self.hand_off, self.interval, name="recorder")
        self._timer.start()

    async def stop(self) -> None:
        if self._timer is not None:
            await self._timer.stop()
        self.hand_off()


def sink_view(sink: Sink | None, capacity: int) -> SinkView | None:
    """The sink's stats as the health check reads them; an error counts while a write of it
    is still being retried."""
    if sink is None:
        return None
    s = sink.stats()
    failing = any(k.retrying for k in s.kinds.values())
    return SinkView(
        queue_depth=s.queue_rows,
        queue_capacity=capacity,
        flush_lag=s.last_flush_lag_s or 0.0,
        dropped=s.dropped_rows,
        last_error=s.last_error if failing else None,
    )


class Compactor:
    """Merges the small files live recording leaves (one per symbol per flush) so the file
    count stays bounded: every `interval` seconds, off the event loop."""

    def __init__(self, repos: list[Repository], interval: float = 1800.0) -> None:
        self._repos = repos
        self._timer = Periodic(self.run, interval, name="compactor")
        self.files_merged = 0

    async def run(self) -> None:
        for repo in self._repos:
            report = await asyncio.to_thread(compact, repo)
            if report.partitions:
                self.files_merged += report.files_before - report.files_after
                log.info(
                    "dataset_compacted",
                    kind=repo.spec.name,
                    partitions=report.partitions,
                    files_before=report.files_before,
                    files_after=report.files_after,
                )

    def start(self) -> None:
        self._timer.start()

    async def stop(self) -> None:
        await self._timer.stop()
