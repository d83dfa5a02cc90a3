"""The base repository: layout, schema check, atomic write, dedupe on key, polars reads.

Subclasses (bars.py, ticks.py, option_bars.py, option_chains.py) only name their KindSpec and
add typed helpers; everything the kinds share lives here.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import ClassVar

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from apex_tui.domain.errors import StorageError, ValidationError
from apex_tui.domain.symbols import validate_symbol
from apex_tui.store.atomic import write_table_atomic
from apex_tui.store.paths import DataFile, DatasetRoot, new_file_name, partition_value
from apex_tui.store.schemas import TIMESTAMP, KindSpec
from apex_tui.store.settings import DataSettings

# One writer per partition folder at a time: the dedupe anti-join and the file it writes must
# not interleave with another writer's (the sink and a backfill can both write bars).
_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def _folder_lock(folder: str) -> threading.Lock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(folder, threading.Lock())


@dataclass(frozen=True, slots=True)
class WriteResult:
    """What one `write` did: rows offered, rows stored, duplicates dropped, files created."""

    rows_in: int = 0
    rows_written: int = 0
    duplicates: int = 0
    files: tuple[str, ...] = field(default_factory=tuple)
    bytes_written: int = 0

    def __add__(self, other: WriteResult) -> WriteResult:
        return WriteResult(
            self.rows_in + other.rows_in,
            self.rows_written + other.rows_written,
            self.duplicates + other.duplicates,
            self.files + other.files,
            self.bytes_written + other.bytes_written,
        )


def _utc(value: datetime | date) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValidationError(f"timestamp {value} has no timezone; use UTC")
        return value.astimezone(UTC)
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


class Repository:
    """Reads and writes one kind of the dataset."""

    spec: ClassVar[KindSpec]

    def __init__(self, root: DatasetRoot, settings: DataSettings | None = None) -> None:
        self.root = root
        self.settings = settings or DataSettings()

    # -- schema -------------------------------------------------------------------------
    def input_schema(self) -> pa.Schema:
        """What callers pass to `write`: the logical schema without derived partitions."""
        return pa.schema([f for f in self.spec.schema if f.name not in self.spec.derived])

    def conform(self, data: pa.Table | pa.RecordBatch) -> pa.Table:
        """Check columns against the schema and cast safely; refuse missing or extra columns."""
        table = pa.Table.from_batches([data]) if isinstance(data, pa.RecordBatch) else data
        schema = self.input_schema()
        missing = [n for n in schema.names if n not in table.column_names]
        extra = [n for n in table.column_names if n not in schema.names]
        if missing or extra:
            raise StorageError(
                f"{self.spec.name}: schema mismatch (missing {missing}, unexpected {extra})",
                retryable=False,
            )
        table = table.select(schema.names)
        if table.schema.equals(schema, check_metadata=False):
            return table
        try:
            return table.cast(schema, safe=True)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise StorageError(f"{self.spec.name}: cannot cast to schema: {exc}") from exc

    def _check_symbols(self, table: pa.Table) -> None:
        col = self.spec.symbol_column
        for raw in pc.unique(table[col]).to_pylist():
            if raw is None or validate_symbol(raw) != raw:
                raise ValidationError(f"{self.spec.name}: symbol {raw!r} is not canonical")

    # -- write ----------------------------------------------------------------------------
    def write(self, data: pa.Table | pa.RecordBatch) -> WriteResult:
        """Store rows: validate, split by partition, dedupe on key, write each file atomically.

        Rows whose key is already stored are dropped (the stored row wins, so a rewrite of the
        same history is a no-op); within one call the last row per key wins.
        """
        table = self.conform(data)
        if table.num_rows == 0:
            return WriteResult()
        self._check_symbols(table)
        times = table[self.spec.time_column]
        if times.null_count:
            raise StorageError(f"{self.spec.name}: null timestamps", retryable=False)
        for name, derive in self.spec.derived.items():
            table = table.append_column(name, derive(times))
        result = WriteResult()
        for values, part in self._split(table):
            result += self._write_partition(values, part)
        return result

    def _split(self, table: pa.Table) -> list[tuple[dict[str, object], pa.Table]]:
        keys = list(self.spec.partitions)
        groups = table.select(keys).group_by(keys).aggregate([]).to_pylist()
        if len(groups) == 1:
            return [(groups[0], table)]
        out = []
        for values in groups:
            mask = None
            for k in keys:
                eq = pc.equal(table[k], pa.scalar(values[k], table.schema.field(k).type))
                mask = eq if mask is None else pc.and_(mask, eq)
            out.append((values, table.filter(mask)))
        return out

    def _write_partition(self, values: dict[str, object], part: pa.Table) -> WriteResult:
        folder = self.root.partition_dir(self.spec, values)
        rows_in = part.num_rows
        part = part.drop_columns(list(self.spec.partitions))
        with _folder_lock(folder):
            if self.spec.key is not None:
                part = self._dedupe(folder, values, part)
            dups = rows_in - part.num_rows
            if part.num_rows == 0:
                return WriteResult(rows_in=rows_in, duplicates=dups)
            part = part.sort_by([(c, "ascending") for c in self.spec.sort])
            part = part.cast(self.spec.file_schema)
            path = f"{folder}/{new_file_name()}"
            size = write_table_atomic(
                self.root,
                path,
                part,
                compression=self.settings.compression,
                row_group_rows=self.settings.row_group_rows,
            )
        return WriteResult(rows_in, part.num_rows, dups, (path,), size)

    def _file_key(self) -> list[str]:
        assert self.spec.key is not None
        return [k for k in self.spec.key if k not in self.spec.partitions]

    def _dedupe(self, folder: str, values: dict[str, object], part: pa.Table) -> pa.Table:
        key = self._file_key()
        frame = pl.from_arrow(part)
        assert isinstance(frame, pl.DataFrame)
        frame = frame.unique(subset=key, keep="last", maintain_order=True)
        where = {k: v for k, v in values.items()}
        files = self.root.list_files(self.spec, where)
        if files:
            tcol = self.spec.time_column
            scan = pl.scan_parquet([f.path for f in files])
            if tcol in key:
                # Only rows in the batch's time range can match; a key without time (chain
                # snapshots: one row per contract per day) must see the whole partition.
                lo, hi = frame[tcol].min(), frame[tcol].max()
                scan = scan.filter(pl.col(tcol).is_between(lo, hi))
            stored = scan.select(key).collect()
            if stored.height:
                frame = frame.join(stored, on=key, how="anti", nulls_equal=True)
        return frame.to_arrow()

    # -- read -----------------------------------------------------------------------------
    def files(
        self,
        where: Mapping[str, object] | None = None,
        start: datetime | date | None = None,
        end: datetime | date | None = None,
    ) -> list[DataFile]:
        """Visible files, pruned by partition values and by derived year/date partitions."""
        prune = {k: v for k, v in (where or {}).items() if k in self.spec.partitions}
        files = self.root.list_files(self.spec, prune)
        lo = _utc(start) if start is not None else None
        hi = _utc(end) if end is not None else None
        if "year" in self.spec.derived:
            files = [f for f in files if _year_in(f.partition.get("year", ""), lo, hi)]
        if "date" in self.spec.derived:
            files = [f for f in files if _date_in(f.partition.get("date", ""), lo, hi)]
        return files

    def scan(
        self,
        where: Mapping[str, object] | None = None,
        start: datetime | date | None = None,
        end: datetime | date | None = None,
    ) -> pl.LazyFrame:
        """Lazy rows in [start, end) matching `where` (hive partitions plus pushed predicates)."""
        where = dict(where or {})
        for name in list(where):
            if name in self.spec.partitions:
                where[name] = partition_value(name, where[name])
        files = self.files(where, start, end)
        hive = {p: _pl_type(self.spec.partition_type(p)) for p in self.spec.partitions}
        if not files:
            empty = pl.from_arrow(self.spec.schema.empty_table())
            assert isinstance(empty, pl.DataFrame)
            lf = empty.lazy()
        else:
            lf = pl.scan_parquet([f.path for f in files], hive_partitioning=True, hive_schema=hive)
        tcol = pl.col(self.spec.time_column)
        if start is not None:
            lf = lf.filter(tcol >= _utc(start))
        if end is not None:
            lf = lf.filter(tcol < _utc(end))
        for name, value in where.items():
            if name not in self.spec.partitions:
                lf = lf.filter(pl.col(name) == value)
        return lf

    def read(
        self,
        where: Mapping[str, object] | None = None,
        start: datetime | date | None = None,
        end: datetime | date | None = None,
    ) -> pl.DataFrame:
        return self.scan(where, start, end).collect()


def _pl_type(t: pa.DataType) -> type[pl.DataType]:
    return pl.Int32 if t == pa.int32() else pl.String


def _year_in(text: str, lo: datetime | None, hi: datetime | None) -> bool:
    if not text.isdigit():
        return False
    year = int(text)
    return (lo is None or year >= lo.year) and (hi is None or year <= hi.year)


def _date_in(text: str, lo: datetime | None, hi: datetime | None) -> bool:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return False
    return (lo is None or day >= lo.date()) and (hi is None or day <= hi.date())


def empty_table(schema: pa.Schema) -> pa.Table:
    return schema.empty_table()


def timestamps(values: list[datetime]) -> pa.Array:
    return pa.array(values, type=TIMESTAMP)
