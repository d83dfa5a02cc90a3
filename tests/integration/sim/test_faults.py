"""Each fault the simulator can inject, observed through ib_async."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from ib_async import IB, LimitOrder, MarketOrder, Stock

from apex_tui.sim.server import SimulatorServer

from .conftest import SERVER, WORLD, IbErrors, connect, until

pytestmark = pytest.mark.integration
AAPL = Stock("AAPL", "SMART", "USD")


def _codes(ib: IB) -> list[int]:
    codes: list[int] = []
    ib.errorEvent += lambda req_id, code, msg, contract: codes.append(code)
    return codes


async def test_disconnect_all_then_reconnect(ib: IB, server: SimulatorServer,
                                             ib_errors: IbErrors) -> None:  # fmt: skip
    ib_errors.allow("Peer closed connection")
    lost: list[bool] = []
    ib.disconnectedEvent += lambda: lost.append(True)
    server.faults.disconnect_all()
    await until(lambda: lost and not ib.isConnected(), what="the dropped connection")
    again = await connect(server)  # the server keeps listening, the clientId is free again
    assert again.isConnected()
    again.disconnect()


async def test_connectivity_notices_pause_and_resume_data(ib: IB, server: SimulatorServer) -> None:
    codes = _codes(ib)
    [contract] = await ib.qualifyContractsAsync(AAPL)
    ticker = ib.reqMktData(contract)
    await until(lambda: ticker.bid > 0, what="ticks")
    server.faults.notice(1100)
    await until(lambda: 1100 in codes, what="1100")
    await asyncio.sleep(0.1)  # let ticks already in flight land
    frozen = (ticker.bid, ticker.ask, ticker.last, ticker.bidSize, ticker.askSize, ticker.volume)
    await asyncio.sleep(0.3)  # six tick periods with connectivity lost
    assert (ticker.bid, ticker.ask, ticker.last, ticker.bidSize, ticker.askSize,
            ticker.volume) == frozen  # fmt: skip
    server.faults.notice(1102)  # ib_async answers 1102 with reqAccountSummary: must not hang
    await until(lambda: 1102 in codes, what="1102")
    await until(lambda: (ticker.bid, ticker.ask, ticker.last, ticker.bidSize, ticker.askSize,
                         ticker.volume) != frozen, what="ticks after 1102")  # fmt: skip


async def test_1101_drops_subscriptions(ib: IB, server: SimulatorServer) -> None:
    codes = _codes(ib)
    [contract] = await ib.qualifyContractsAsync(AAPL)
    ticker = ib.reqMktData(contract)
    await until(lambda: ticker.bid > 0, what="ticks")
    server.faults.notice(1101)
    await until(lambda: 1101 in codes, what="1101")
    assert server.market.lines_used == 0  # data lost: the client must resubscribe


async def test_farm_down_and_up(ib: IB, server: SimulatorServer) -> None:
    codes = _codes(ib)
    server.faults.farm_down("market", 0.2)
    await until(lambda: 2104 in codes, what="2104 after the outage")
    assert codes.index(2103) < codes.index(2104)
    server.faults.farm_down("hmds", 0.1)
    await until(lambda: codes[-2:] == [2105, 2106], what="2105 then 2106")


async def test_stall_is_half_open(ib: IB, server: SimulatorServer) -> None:
    server.faults.stall(0.5)
    request = asyncio.ensure_future(ib.reqCurrentTimeAsync())
    await asyncio.sleep(0.3)
    assert not request.done() and ib.isConnected()  # nothing answered, socket still open
    assert await asyncio.wait_for(request, 2)  # answered once the stall ends


async def test_reject_next_order(ib: IB, server: SimulatorServer, ib_errors: IbErrors) -> None:
    ib_errors.allow_codes(201)
    codes = _codes(ib)
    [contract] = await ib.qualifyContractsAsync(AAPL)
    server.faults.reject_next_order()
    rejected = ib.placeOrder(contract, MarketOrder("BUY", 1))
    await until(lambda: 201 in codes, what="error 201")
    await until(lambda: rejected.orderStatus.status == "Cancelled", what="rejected order done")
    accepted = ib.placeOrder(contract, LimitOrder("BUY", 1, 1.0))
    await until(lambda: accepted.orderStatus.status == "Submitted", what="the next order")


async def test_scripted_faults_from_settings(ib_errors: IbErrors) -> None:
    async with SimulatorServer(replace(SERVER, faults="notice:1100@0.1s,notice:1102@0.2s"),
                               WORLD) as srv:  # fmt: skip
        ib = await connect(srv)
        codes = _codes(ib)
        await until(lambda: codes[-2:] == [1100, 1102], what="the scripted notices")
        ib.disconnect()
