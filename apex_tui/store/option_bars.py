"""Option bars: one row per (underlying, bar size, whatToShow, expiry, strike, right, time)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import ClassVar

import polars as pl
import pyarrow as pa

from apex_tui.domain.errors import ValidationError
from apex_tui.domain.symbols import validate_symbol
from apex_tui.store.bar_sizes import bar_size, validate_what_to_show
from apex_tui.store.bars import BarLike, int_or_none
from apex_tui.store.paths import partition_value
from apex_tui.store.repository import Repository
from apex_tui.store.schemas import OPTION_BARS, KindSpec


def option_bars_table(
    underlying: str,
    size: str,
    what: str,
    *,
    expiry: str,
    strike: float,
    right: str,
    con_id: int,
    rows: Sequence[BarLike],
) -> pa.Table:
    """Bars of one option contract as a table of the `option_bars` schema (values checked)."""
    und = validate_symbol(underlying)
    exp = partition_value("expiry", expiry)
    if right not in ("C", "P"):
        raise ValidationError(f"option right {right!r}: must be C or P")
    n = len(rows)
    cols = {
        "underlying": [und] * n,
        "bar_size": [bar_size(size).slug] * n,
        "what_to_show": [validate_what_to_show(what)] * n,
        "expiry": [exp] * n,
        "strike": [float(strike)] * n,
        "right": [right] * n,
        "con_id": [con_id or None] * n,
        "time": [r.time for r in rows],
        "open": [r.open for r in rows],
        "high": [r.high for r in rows],
        "low": [r.low for r in rows],
        "close": [r.close for r in rows],
        "volume": [int_or_none(r.volume) for r in rows],
        "wap": [r.wap for r in rows],
        "count": [int(r.count) for r in rows],
    }
    return pa.Table.from_pydict(cols, schema=OPTION_BARS.schema)


class OptionBarRepository(Repository):
    """Option bars, partitioned bar_size / what_to_show / underlying / expiry."""

    spec: ClassVar[KindSpec] = OPTION_BARS

    def read_option_bars(
        self,
        underlying: str,
        size: str,
        expiry: str,
        *,
        what: str = "TRADES",
        start: datetime | date | None = None,
        end: datetime | date | None = None,
    ) -> pl.DataFrame:
        where = {"bar_size": size, "what_to_show": what, "underlying": underlying, "expiry": expiry}
        return self.scan(where, start, end).sort(["strike", "right", "time"]).collect()
