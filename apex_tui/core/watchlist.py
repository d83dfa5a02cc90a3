"""The watchlist file: symbols the trader added or removed, kept between runs."""

from __future__ import annotations

import json
import os
from pathlib import Path

from apex_tui.domain.errors import ValidationError
from apex_tui.domain.symbols import validate_symbol
from apex_tui.logging import get_logger

log = get_logger(__name__)


class WatchlistFile:
    """Loads the saved list (or the config's defaults) and saves edits atomically."""

    def __init__(self, path: Path, defaults: list[str]) -> None:
        self.path = path
        self.defaults = list(defaults)

    def load(self) -> list[str]:
        """Saved symbols if the file exists and reads, else the defaults; bad entries skipped."""
        raw: list[object] = list(self.defaults)
        if self.path.exists():
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                if not isinstance(data, list):
                    raise ValueError("not a JSON list")
                raw = data
            except (OSError, ValueError) as exc:
                log.error("watchlist_unreadable", path=str(self.path), error=str(exc))
        symbols: list[str] = []
        for item in raw:
            try:
                symbol = validate_symbol(str(item))
            except ValidationError as exc:
                log.warning("watchlist_symbol_skipped", symbol=str(item), reason=str(exc))
                continue
            if symbol not in symbols:
                symbols.append(symbol)
        return symbols

    def save(self, symbols: list[str]) -> None:
        """Write via a temp file and rename, so a crash never leaves half a list."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        with tmp.open("w", encoding="utf-8") as f:
            json.dump(symbols, f)
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(self.path)
