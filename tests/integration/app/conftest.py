"""Run the whole app against the embedded simulator (a real socket and the real ib_async)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from apex_tui.domain.clock import SystemClock
from apex_tui.tui.app import ApexApp
from tests.tui.conftest import SIZE, make_app


def overrides_for(tmp_path: Path, **sections: dict[str, Any]) -> dict[str, dict[str, Any]]:
    base: dict[str, dict[str, Any]] = {
        "data": {"dir": str(tmp_path / "data")},
        "orders": {"journal_path": str(tmp_path / "journal.jsonl")},
        "watchlist": {"file": str(tmp_path / "watchlist.json"), "symbols": ["AAPL", "MSFT"]},
        "logging": {"file": str(tmp_path / "apex.jsonl")},
        # Without it every app test would resume the checkout's own data/_jobs.
        "jobs": {"state_dir": str(tmp_path / "jobs")},
    }
    for name, values in sections.items():
        base.setdefault(name, {}).update(values)
    return base


async def wait_for(
    pilot: Pilot[Any], cond: Callable[[], object], what: str, within: float = 15.0
) -> None:
    """Poll `cond` while letting the app run; fail naming `what` after `within` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not cond():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {within:g} s waiting for {what}")
        await pilot.pause(0.05)


@asynccontextmanager
async def live_app(
    tmp_path: Path, size: tuple[int, int] = SIZE, **sections: dict[str, Any]
) -> AsyncIterator[tuple[ApexApp, Pilot[Any]]]:
    """The app with its engine started against the embedded simulator, quotes flowing."""
    app = make_app(overrides_for(tmp_path, **sections), clock=SystemClock(), autostart=True)
    async with app.run_test(size=size) as pilot:
        try:
            await wait_for(pilot, lambda: app.engine.connection().state == "CONNECTED", "CONNECTED")
            connector = app.engine.connector
            assert connector is not None
            await wait_for(
                pilot,
                lambda: all(
                    (q := connector.quotes.get(s)) is not None and q.time is not None
                    for s in ("AAPL", "MSFT")
                ),
                "first quotes",
            )
            yield app, pilot
        finally:
            await app.engine.stop()
