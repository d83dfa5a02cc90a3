"""Option bars: one row per (underlying, bar size, whatToShow, expiry, strike, right, time)."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

import polars as pl

from apex_tui.store.repository import Repository
from apex_tui.store.schemas import OPTION_BARS, KindSpec


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
