"""The Recorder hands live ticks and 1-minute bars to the sink, honouring the flags."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from apex_tui.core.recording import Recorder
from apex_tui.domain.quotes import BarRecord, Tick
from apex_tui.store.lake import Lake
from apex_tui.store.settings import DataSettings
from apex_tui.store.sink import Sink

T0 = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)


def bar(symbol: str, minute: int) -> BarRecord:
    return BarRecord(symbol, T0 + timedelta(minutes=minute), 10, 11, 9, 10.5, 100, 10.2, 3)


def test_bars_of_many_symbols_land_per_symbol_and_flags_gate_each_kind(tmp_path: Path) -> None:
    settings = DataSettings(dir=str(tmp_path))
    lake = Lake.open(settings)
    sink = Sink(lake.repositories(), settings)
    sink.start()
    ticks_on = [False]
    recorder = Recorder(sink, ticks_enabled=lambda: ticks_on[0], bars_enabled=lambda: True)
    for minute in range(3):
        for symbol in ("AAPL", "MSFT", "NVDA"):
            recorder.on_bar(60, bar(symbol, minute))
    recorder.on_bar(1, bar("AAPL", 9))  # 1-second bars are not recorded
    recorder.on_ticks([Tick(T0, "AAPL", 1, 2, 1.5, 1, 1, 1, 10)])  # ticks flag off: dropped
    ticks_on[0] = True
    recorder.on_ticks([Tick(T0, "AAPL", 1, 2, 1.5, 1, 1, 1, 10)])
    recorder.hand_off()
    stats = sink.close()
    assert stats.last_error is None
    assert recorder.handed == 10
    for symbol in ("AAPL", "MSFT", "NVDA"):
        assert lake.bars.read_bars(symbol, "1 min").height == 3
    assert (
        lake.ticks.read_ticks("AAPL", T0 - timedelta(hours=1), T0 + timedelta(hours=1)).height == 1
    )
