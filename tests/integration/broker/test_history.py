"""Historical bars through the pacer: the strict simulator never answers 162."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest

from apex_tui.broker.connector import Connector
from apex_tui.broker.states import ConnectionState as S
from apex_tui.domain.errors import NoData, ValidationError
from apex_tui.jobs.pacer import Pacer
from apex_tui.jobs.settings import PacingSettings
from apex_tui.jobs.source import BarRequest
from apex_tui.sim.server import SimulatorServer
from apex_tui.sim.server_settings import ServerSettings
from apex_tui.sim.settings import WorldSettings
from tests.integration.broker.conftest import fast_settings

pytestmark = pytest.mark.integration

SCALE = 0.02  # every pacing window 50x shorter, on both sides
# The pacer scales its safety margin with the windows, but the delay from grant to the
# simulator's check does not shrink: up to one throttle interval of the send queue (0.1 s)
# plus loopback latency. Keep 0.12 s of margin at this scale.
PACING = PacingSettings(scale=SCALE, margin_s=6.0)
# A weekday close in the simulator's past (history follows the exchange calendar).
END = datetime(2026, 11, 18, 21, 0, tzinfo=UTC)


@pytest.fixture
async def strict_sim() -> AsyncIterator[SimulatorServer]:
    async with SimulatorServer(
        ServerSettings(pacing="strict", pacing_scale=SCALE), WorldSettings(seed=7)
    ) as srv:
        yield srv


def _req(symbol: str, minutes_back: int, duration: str = "1800 S") -> BarRequest:
    return BarRequest(
        symbol=symbol,
        bar_size="1 min",
        what_to_show="TRADES",
        end=END - timedelta(minutes=minutes_back),
        duration=duration,
        use_rth=True,
    )


async def test_a_burst_of_requests_is_paced_and_never_violates(
    strict_sim: SimulatorServer, make_connector: Callable[..., Connector]
) -> None:
    c = make_connector(fast_settings(strict_sim.port))
    await c.start()
    await c.wait_for_state(S.CONNECTED, within=10)
    source = c.option_source(Pacer(PACING))
    await source.wait_connected()
    # 8 requests for one contract at once: IB allows 5 per 2 s (burst) -> the pacer waits.
    requests = [_req("AAPL", 30 * i) for i in range(8)] + [_req("AAPL", 0)]  # + an identical
    results = await asyncio.gather(*(source.fetch_bars(r) for r in requests))
    for req, bars in zip(requests, results, strict=True):
        assert len(bars) == 30, req
        assert bars[0].time < bars[-1].time <= req.end
        assert all(b.low <= b.open <= b.high and b.low <= b.close <= b.high for b in bars)
    budget = source.pacer.budget()
    assert budget.granted == len(requests) and budget.open == 0


async def test_unknown_symbol_and_empty_ranges(
    strict_sim: SimulatorServer, make_connector: Callable[..., Connector]
) -> None:
    c = make_connector(fast_settings(strict_sim.port))
    await c.start()
    await c.wait_for_state(S.CONNECTED, within=10)
    source = c.option_source(Pacer(PACING))
    with pytest.raises(ValidationError):
        await source.fetch_bars(_req("ZZZZQ", 0))
    weekend = BarRequest("AAPL", "1 min", "TRADES", datetime(2026, 11, 22, 12, tzinfo=UTC),
                         "1800 S", True)  # fmt: skip
    with pytest.raises(NoData):
        await source.fetch_bars(weekend)
