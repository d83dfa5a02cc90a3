"""Option chain snapshots (reqSecDefOptParams plus contract details), one row per contract/day."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

import polars as pl

from apex_tui.store.repository import Repository
from apex_tui.store.schemas import OPTION_CHAINS, KindSpec


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
