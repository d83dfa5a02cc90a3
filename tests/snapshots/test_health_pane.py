"""Pin the Health pane's look with fixed results: every status, sparklines, the selection,
and the details screen of a degraded check."""

from __future__ import annotations

from typing import Any

from tests.tui.health_fixtures import HealthApp, filled_board

SIZE = (80, 14)


def test_health_pane(snap_compare: Any) -> None:
    assert snap_compare(HealthApp(filled_board()), terminal_size=SIZE, press=["down"])


def test_health_details(snap_compare: Any) -> None:
    assert snap_compare(HealthApp(filled_board()), terminal_size=(100, 24), press=["down", "enter"])
