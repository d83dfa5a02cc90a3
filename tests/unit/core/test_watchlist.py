"""The watchlist file: defaults, saved edits, and bad content refused without losing the rest."""

from __future__ import annotations

import json
from pathlib import Path

from apex_tui.core.watchlist import WatchlistFile


def test_defaults_until_something_is_saved(tmp_path: Path) -> None:
    wl = WatchlistFile(tmp_path / "state" / "watchlist.json", ["aapl", "MSFT", "AAPL"])
    assert wl.load() == ["AAPL", "MSFT"]
    wl.save(["NVDA", "SPY"])
    assert WatchlistFile(wl.path, ["AAPL"]).load() == ["NVDA", "SPY"]
    assert not list(wl.path.parent.glob(".*.tmp"))


def test_bad_symbols_in_the_file_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    path.write_text(json.dumps(["AAPL", "../../etc", "MS FT X", "SPY"]))
    assert WatchlistFile(path, []).load() == ["AAPL", "SPY"]


def test_unreadable_file_falls_back_to_defaults(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    path.write_text("{not json")
    assert WatchlistFile(path, ["QQQ"]).load() == ["QQQ"]
    path.write_text('{"a": 1}')
    assert WatchlistFile(path, ["QQQ"]).load() == ["QQQ"]
