"""`dataset ls`: coverage per kind and series from Parquet footers (no data pages read)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pyarrow.parquet as pq

from apex_tui.store.paths import DatasetRoot
from apex_tui.store.schemas import KINDS


@dataclass(frozen=True, slots=True)
class SeriesCoverage:
    """One series of one kind: its partition values (minus year/date), range, rows, files."""

    kind: str
    series: str  # e.g. "bar_size=1min what_to_show=TRADES symbol=AAPL"
    first: datetime | None
    last: datetime | None
    rows: int
    files: int
    bytes: int


def _time_range(meta: pq.FileMetaData, column: str) -> tuple[datetime | None, datetime | None]:
    idx = meta.schema.to_arrow_schema().get_field_index(column)
    lo: datetime | None = None
    hi: datetime | None = None
    for g in range(meta.num_row_groups):
        stats = meta.row_group(g).column(idx).statistics
        if stats is None or not stats.has_min_max:
            continue
        mn, mx = _as_utc(stats.min), _as_utc(stats.max)
        lo = mn if lo is None or mn < lo else lo
        hi = mx if hi is None or mx > hi else hi
    return lo, hi


def _as_utc(value: object) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromtimestamp(int(str(value)) / 1e9, UTC)


@dataclass
class _Acc:
    first: datetime | None = None
    last: datetime | None = None
    rows: int = 0
    files: int = 0
    bytes: int = 0


def coverage(root: DatasetRoot) -> list[SeriesCoverage]:
    """Every series in the dataset, sorted by kind and series."""
    acc: dict[tuple[str, str], _Acc] = {}
    for spec in KINDS.values():
        for f in root.list_files(spec):
            series = " ".join(f"{k}={v}" for k, v in f.partition.items() if k not in spec.derived)
            try:
                with root.fs.open_input_file(f.path) as fh:
                    meta = pq.read_metadata(fh)
            except (OSError, ValueError):
                continue  # `dataset verify` reports it
            lo, hi = _time_range(meta, spec.time_column)
            entry = acc.setdefault((spec.name, series), _Acc())
            if lo is not None and (entry.first is None or lo < entry.first):
                entry.first = lo
            if hi is not None and (entry.last is None or hi > entry.last):
                entry.last = hi
            entry.rows += int(meta.num_rows)
            entry.files += 1
            entry.bytes += f.size
    return [
        SeriesCoverage(kind, series, a.first, a.last, a.rows, a.files, a.bytes)
        for (kind, series), a in sorted(acc.items())
    ]
