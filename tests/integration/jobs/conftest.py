"""Fixtures for backfill jobs against the real simulator (strict pacing, shrunken windows)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from datetime import date
from pathlib import Path

import pytest

from apex_tui.broker.connector import Connector
from apex_tui.broker.states import ConnectionState as S
from apex_tui.core.backfill import BackfillService
from apex_tui.jobs.calendar import sessions
from apex_tui.jobs.pacer import Pacer
from apex_tui.jobs.settings import JobsSettings, PacingSettings
from apex_tui.jobs.source import BarRequest, BarRow, HistoricalSource
from apex_tui.sim.server import SimulatorServer
from apex_tui.sim.server_settings import ServerSettings
from apex_tui.sim.settings import WorldSettings
from apex_tui.store.lake import Lake
from apex_tui.store.settings import DataSettings
from tests.integration.broker.conftest import fast_settings, make_connector, until

__all__ = ["fast_settings", "make_connector", "until"]

pytestmark = pytest.mark.integration

SCALE = 0.02  # every pacing window 50x shorter, on both sides
# Loopback latency from grant to the simulator's check does not shrink with the scale: keep
# ~20 ms of margin (the pacer scales margin_s by `scale`).
PACING = PacingSettings(scale=SCALE, margin_s=1.0)


@pytest.fixture
async def strict_sim() -> AsyncIterator[SimulatorServer]:
    async with SimulatorServer(
        ServerSettings(pacing="strict", pacing_scale=SCALE), WorldSettings(seed=7)
    ) as srv:
        yield srv


@pytest.fixture
async def connector(
    strict_sim: SimulatorServer, make_connector: Callable[..., Connector]
) -> Connector:
    c = make_connector(fast_settings(strict_sim.port))
    await c.start()
    await c.wait_for_state(S.CONNECTED, within=10)
    return c


@pytest.fixture
def lake(tmp_path: Path) -> Lake:
    return Lake.open(DataSettings(dir=str(tmp_path / "lake")))


@pytest.fixture
def pacing_log(caplog: pytest.LogCaptureFixture) -> Callable[[], list[str]]:
    """The simulator's own record of every request it refused with 162 for pacing."""
    caplog.set_level(logging.INFO, logger="apex_tui.sim")

    def violations() -> list[str]:
        return [r.getMessage() for r in caplog.records if "pacing violation" in r.getMessage()]

    return violations


class StallAt:
    """The connector's source, stalling the simulator as call number `n` goes out: that
    request is then in flight, unanswered, for as long as the test wants."""

    def __init__(self, inner: HistoricalSource, srv: SimulatorServer, n: int) -> None:
        self.inner, self.srv, self.n, self.calls = inner, srv, n, 0

    async def wait_connected(self) -> None:
        await self.inner.wait_connected()

    async def fetch_bars(self, req: BarRequest) -> list[BarRow]:
        self.calls += 1
        if self.calls == self.n:
            self.srv.faults.stall(30)
        return await self.inner.fetch_bars(req)


def make_service(
    connector: Connector,
    lake: Lake,
    state_dir: Path,
    *,
    wrap: Callable[[HistoricalSource], HistoricalSource] | None = None,
    **kw: object,
) -> BackfillService:
    settings = JobsSettings(state_dir=str(state_dir), backoff_s=0.05, backoff_max_s=0.5, **kw)
    pacer = Pacer(PACING)
    source: HistoricalSource = connector.option_source(pacer)
    return BackfillService(
        settings,
        lake.bars,
        wrap(source) if wrap is not None else source,
        pacer,
        connected=lambda: connector.board.is_live,
    )


def assert_complete_series(lake: Lake, symbols: tuple[str, ...], start: date, end: date) -> None:
    """Every RTH session holds its 390 one-minute bars, each exactly once."""
    days = sessions(start, end)
    for symbol in symbols:
        df = lake.bars.read_bars(symbol, "1 min")
        assert df["time"].n_unique() == df.height, f"{symbol}: duplicate bars"
        per_day = df.group_by(df["time"].dt.date()).len()
        counts = dict(zip(per_day["time"].to_list(), per_day["len"].to_list(), strict=True))
        assert counts == dict.fromkeys(days, 390), f"{symbol}: gaps {counts}"
