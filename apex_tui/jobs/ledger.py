"""The coverage ledger: which sessions a backfill already fetched ("complete") or found empty
("gap"), per series, so a second run of a job asks IB for nothing.

Stored in the dataset under `_meta/coverage/` (hidden from Parquet discovery), one small JSON
file per series (a stock's bars, or one option contract's), rewritten atomically. An
all-hours entry also covers the RTH part of a session.
"""

from __future__ import annotations

import json
import threading
from datetime import date
from typing import Literal

from apex_tui.domain.errors import ValidationError
from apex_tui.jobs.source import OptionContract
from apex_tui.store.atomic import write_bytes_atomic
from apex_tui.store.bar_sizes import bar_size
from apex_tui.store.paths import META_DIR, DatasetRoot, partition_value

SessionStatus = Literal["complete", "gap"]


class CoverageLedger:
    """Per-series session status, cached in memory and persisted atomically."""

    def __init__(self, root: DatasetRoot) -> None:
        self.root = root
        self._cache: dict[str, dict[str, dict[str, str]]] = {}
        self._lock = threading.Lock()

    def _path(self, symbol: str, size: str, what: str, option: OptionContract | None) -> str:
        sym = partition_value("symbol", symbol)
        wts = partition_value("what_to_show", what)
        slug = bar_size(size).slug
        if option is None:
            return self.root.join(META_DIR, "coverage", "bars", slug, wts, f"{sym}.json")
        if option.right not in ("C", "P") or not 0 < option.strike < 1e6:
            raise ValidationError(f"option {option.label}: bad right or strike")
        expiry = partition_value("expiry", option.expiry)
        name = f"{option.strike:g}{option.right}.json"
        return self.root.join(META_DIR, "coverage", "option_bars", slug, wts, sym, expiry, name)

    def _load(self, path: str) -> dict[str, dict[str, str]]:
        if path not in self._cache:
            try:
                with self.root.fs.open_input_stream(path) as fh:
                    data = json.loads(fh.read().decode())
                self._cache[path] = {"rth": dict(data["rth"]), "all": dict(data["all"])}
            except (FileNotFoundError, OSError, ValueError, KeyError):
                self._cache[path] = {"rth": {}, "all": {}}
        return self._cache[path]

    def covered(
        self,
        symbol: str,
        size: str,
        what: str,
        rth: bool,
        *,
        option: OptionContract | None = None,
    ) -> dict[date, SessionStatus]:
        """Sessions already settled for a request of this RTH flag (of `option` when given)."""
        with self._lock:
            data = self._load(self._path(symbol, size, what, option))
            merged = dict(data["all"])
            if rth:
                merged.update(data["rth"])
        return {date.fromisoformat(d): s for d, s in merged.items() if s in ("complete", "gap")}  # type: ignore[misc]

    def mark(
        self,
        symbol: str,
        size: str,
        what: str,
        rth: bool,
        sessions: dict[date, SessionStatus],
        *,
        option: OptionContract | None = None,
    ) -> None:
        if not sessions:
            return
        path = self._path(symbol, size, what, option)
        with self._lock:
            data = self._load(path)
            part = data["rth" if rth else "all"]
            for day, status in sessions.items():
                # A gap never overwrites data: "complete" wins if both were ever recorded.
                if part.get(day.isoformat()) != "complete":
                    part[day.isoformat()] = status
            body = json.dumps(data, sort_keys=True).encode()
            write_bytes_atomic(self.root, path, body)
