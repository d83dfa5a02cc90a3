"""Option chain snapshots (reqSecDefOptParams plus contract details), one row per contract/day."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import ClassVar, Protocol

import polars as pl
import pyarrow as pa

from apex_tui.store.repository import Repository
from apex_tui.store.schemas import OPTION_CHAINS, KindSpec


class ChainRowLike(Protocol):
    """One listed contract (the jobs' OptionContract)."""

    @property
    def underlying(self) -> str: ...
    @property
    def exchange(self) -> str: ...
    @property
    def trading_class(self) -> str: ...
    @property
    def multiplier(self) -> str: ...
    @property
    def expiry(self) -> str: ...
    @property
    def strike(self) -> float: ...
    @property
    def right(self) -> str: ...
    @property
    def con_id(self) -> int: ...
    @property
    def local_symbol(self) -> str: ...


def chain_table(time: datetime, rows: Sequence[ChainRowLike]) -> pa.Table:
    """A chain snapshot taken at `time` as a table of the `option_chains` input schema."""
    n = len(rows)
    cols = {
        "time": [time] * n,
        "underlying": [r.underlying for r in rows],
        "exchange": [r.exchange for r in rows],
        "trading_class": [r.trading_class for r in rows],
        "multiplier": [r.multiplier or None for r in rows],
        "expiry": [r.expiry for r in rows],
        "strike": [float(r.strike) for r in rows],
        "right": [r.right for r in rows],
        "con_id": [r.con_id or None for r in rows],
        "local_symbol": [r.local_symbol or None for r in rows],
    }
    schema = pa.schema([f for f in OPTION_CHAINS.schema if f.name != "date"])
    return pa.Table.from_pydict(cols, schema=schema)


class OptionChainRepository(Repository):
    """Chain snapshots, partitioned underlying / date."""

    spec: ClassVar[KindSpec] = OPTION_CHAINS

    def read_chain(
        self,
        underlying: str,
        start: datetime | date | None = None,
        end: datetime | date | None = None,
    ) -> pl.DataFrame:
        where = {"underlying": underlying}
        return self.scan(where, start, end).sort(["expiry", "strike", "right"]).collect()
