"""Live ticks: append-only rows partitioned by UTC date, sorted by (symbol, time) per file."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, datetime
from typing import ClassVar

import polars as pl
import pyarrow as pa

from apex_tui.domain.quotes import Tick
from apex_tui.domain.symbols import validate_symbol
from apex_tui.store.repository import Repository
from apex_tui.store.schemas import TICKS, KindSpec


def _size(x: float) -> int | None:
    return None if math.isnan(x) else int(x)


def ticks_table(ticks: Sequence[Tick]) -> pa.Table:
    """Domain ticks as a table of the `ticks` input schema (NaN sizes become nulls)."""
    schema = pa.schema([f for f in TICKS.schema if f.name != "date"])
    cols = {
        "time": [t.time for t in ticks],
        "symbol": [validate_symbol(t.symbol) for t in ticks],
        "bid": [t.bid for t in ticks],
        "ask": [t.ask for t in ticks],
        "last": [t.last for t in ticks],
        "bid_size": [_size(t.bid_size) for t in ticks],
        "ask_size": [_size(t.ask_size) for t in ticks],
        "last_size": [_size(t.last_size) for t in ticks],
        "volume": [_size(t.volume) for t in ticks],
    }
    return pa.Table.from_pydict(cols, schema=schema)


class TickRepository(Repository):
    """Ticks: no dedupe (two identical ticks are both real), one file per sink flush."""

    spec: ClassVar[KindSpec] = TICKS

    def read_ticks(
        self, symbol: str, start: datetime | date | None = None, end: datetime | date | None = None
    ) -> pl.DataFrame:
        return self.scan({"symbol": validate_symbol(symbol)}, start, end).sort("time").collect()
