"""Explicit pyarrow schemas of the dataset's kinds, their Hive partition keys and dedupe keys.

Every kind has a *logical* schema (what callers write and read, partition columns included) and
a *file* schema (what a Parquet file holds: the logical schema minus the partition columns,
which live only in the `key=value` folder names). Timestamps are ns UTC, prices float64, sizes
int64.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

TIMESTAMP = pa.timestamp("ns", tz="UTC")
SCHEMA_VERSION = 1

# Derived partition values are computed from the time column at write time.
Deriver = Callable[[pa.Array | pa.ChunkedArray], pa.Array | pa.ChunkedArray]


def _year(times: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    return pc.cast(pc.year(times), pa.int32())


_NS_PER_DAY = 86_400 * 1_000_000_000


def _date(times: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    # Format only the few distinct days, not every row: strftime per row costs ~60 ms / 100k.
    if isinstance(times, pa.ChunkedArray):
        times = times.combine_chunks()
    days = pc.cast(pc.divide(times.cast(pa.int64()), _NS_PER_DAY), pa.int32())
    encoded = pc.dictionary_encode(days)
    labels = pc.cast(pc.cast(encoded.dictionary, pa.date32()), pa.string())
    return pc.take(labels, encoded.indices)


@dataclass(frozen=True)
class KindSpec:
    """What differs between kinds: schema, partition keys, dedupe key, sort order."""

    name: str
    schema: pa.Schema  # logical, partition columns included
    partitions: tuple[str, ...]  # folder order, outermost first
    derived: dict[str, Deriver] = field(default_factory=dict)  # partition computed from time
    key: tuple[str, ...] | None = None  # None: append-only (no dedupe)
    sort: tuple[str, ...] = ("time",)
    time_column: str = "time"
    symbol_column: str = "symbol"  # validated with validate_symbol before any path is built

    @property
    def file_schema(self) -> pa.Schema:
        keep = [f for f in self.schema if f.name not in self.partitions]
        return pa.schema(keep, metadata={b"apex.kind": self.name.encode(), b"apex.v": b"1"})

    @property
    def stored_partitions(self) -> tuple[str, ...]:
        """Partition columns that are part of the logical schema (not derived from time)."""
        return tuple(p for p in self.partitions if p not in self.derived)

    def partition_type(self, name: str) -> pa.DataType:
        if name == "year":
            return pa.int32()
        return pa.string()


_OHLCV = [
    pa.field("time", TIMESTAMP, nullable=False),
    pa.field("open", pa.float64()),
    pa.field("high", pa.float64()),
    pa.field("low", pa.float64()),
    pa.field("close", pa.float64()),
    pa.field("volume", pa.int64()),
    pa.field("wap", pa.float64()),
    pa.field("count", pa.int64()),
]

BARS = KindSpec(
    name="bars",
    schema=pa.schema(
        [
            pa.field("symbol", pa.string(), nullable=False),
            pa.field("bar_size", pa.string(), nullable=False),  # slug: "1min", "1day"
            pa.field("what_to_show", pa.string(), nullable=False),
            *_OHLCV,
        ]
    ),
    # bar size first: a reader of "all 1-minute bars" never lists daily folders; a year per
    # symbol keeps 1-minute files near 100k-250k rows, so a month is one or two row groups.
    partitions=("bar_size", "what_to_show", "symbol", "year"),
    derived={"year": _year},
    key=("symbol", "bar_size", "what_to_show", "time"),
)

TICKS = KindSpec(
    name="ticks",
    schema=pa.schema(
        [
            pa.field("time", TIMESTAMP, nullable=False),
            pa.field("symbol", pa.string(), nullable=False),
            pa.field("bid", pa.float64()),
            pa.field("ask", pa.float64()),
            pa.field("last", pa.float64()),
            pa.field("bid_size", pa.int64()),
            pa.field("ask_size", pa.int64()),
            pa.field("last_size", pa.int64()),
            pa.field("volume", pa.int64()),
        ]
    ),
    # Date only: one file per flush whatever the number of symbols. Files are sorted by
    # (symbol, time), so row-group statistics still skip other symbols on read.
    partitions=("date",),
    derived={"date": _date},
    key=None,  # two identical ticks in one nanosecond are both real
    sort=("symbol", "time"),
)

OPTION_BARS = KindSpec(
    name="option_bars",
    schema=pa.schema(
        [
            pa.field("underlying", pa.string(), nullable=False),
            pa.field("bar_size", pa.string(), nullable=False),
            pa.field("what_to_show", pa.string(), nullable=False),
            pa.field("expiry", pa.string(), nullable=False),  # YYYYMMDD
            pa.field("strike", pa.float64(), nullable=False),
            pa.field("right", pa.string(), nullable=False),  # "C" or "P"
            pa.field("con_id", pa.int64()),
            *_OHLCV,
        ]
    ),
    # An option lives until its expiry: one folder per expiry keeps a chain's history together
    # and lets expired months be archived or dropped as a unit.
    partitions=("bar_size", "what_to_show", "underlying", "expiry"),
    key=("underlying", "bar_size", "what_to_show", "expiry", "strike", "right", "time"),
    sort=("strike", "right", "time"),
    symbol_column="underlying",
)

OPTION_CHAINS = KindSpec(
    name="option_chains",
    schema=pa.schema(
        [
            pa.field("time", TIMESTAMP, nullable=False),  # snapshot time
            pa.field("underlying", pa.string(), nullable=False),
            pa.field("exchange", pa.string(), nullable=False),
            pa.field("trading_class", pa.string(), nullable=False),
            pa.field("multiplier", pa.string()),
            pa.field("expiry", pa.string(), nullable=False),
            pa.field("strike", pa.float64(), nullable=False),
            pa.field("right", pa.string(), nullable=False),
            pa.field("con_id", pa.int64()),
            pa.field("local_symbol", pa.string()),
        ]
    ),
    partitions=("underlying", "date"),
    derived={"date": _date},
    # One row per contract per snapshot day: re-running a chain snapshot the same day replaces
    # nothing and adds nothing.
    key=("underlying", "date", "exchange", "trading_class", "expiry", "strike", "right"),
    sort=("expiry", "strike", "right"),
    symbol_column="underlying",
)

KINDS: dict[str, KindSpec] = {k.name: k for k in (BARS, TICKS, OPTION_BARS, OPTION_CHAINS)}
