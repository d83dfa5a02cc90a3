"""Small builders shared by the store tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa

from apex_tui.store.schemas import TICKS

T0 = datetime(2026, 11, 2, 14, 30, tzinfo=UTC)


@dataclass(frozen=True)
class Bar:
    time: datetime
    open: float = 10.0
    high: float = 11.0
    low: float = 9.0
    close: float = 10.5
    volume: float = 100.0
    wap: float = 10.2
    count: int = 7


def minute_bars(n: int, start: datetime = T0, close: float = 10.5) -> list[Bar]:
    return [Bar(start + timedelta(minutes=i), close=close) for i in range(n)]


def tick_table(n: int, symbols: tuple[str, ...] = ("AAPL", "MSFT"), seed: int = 0) -> pa.Table:
    rng = np.random.default_rng(seed)
    t0 = int(T0.timestamp() * 1e9)
    schema = pa.schema([f for f in TICKS.schema if f.name != "date"])
    return pa.table(
        {
            "time": pa.array(t0 + np.arange(n) * 1_000, pa.timestamp("ns", tz="UTC")),
            "symbol": pa.array(np.array(symbols)[rng.integers(0, len(symbols), n)]),
            "bid": rng.random(n),
            "ask": rng.random(n),
            "last": rng.random(n),
            "bid_size": rng.integers(1, 100, n),
            "ask_size": rng.integers(1, 100, n),
            "last_size": rng.integers(1, 100, n),
            "volume": rng.integers(1, 1_000_000, n),
        },
        schema=schema,
    )
