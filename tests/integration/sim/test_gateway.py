"""The unmodified ib_async client against the simulator: sync, data, history, contracts."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from ib_async import IB, Option, Stock

from apex_tui.sim.server import SimulatorServer

from .conftest import SERVER, WORLD, IbErrors, connect, until

pytestmark = pytest.mark.integration
AAPL = Stock("AAPL", "SMART", "USD")
PAST_END = datetime(2025, 11, 21, 21, 0, tzinfo=UTC)  # a Friday after the close


async def test_startup_sync_is_fast_and_complete(server: SimulatorServer,
                                                 ib_errors: IbErrors) -> None:  # fmt: skip
    ib = IB()
    codes: list[int] = []
    ib.errorEvent += lambda req_id, code, msg, contract: codes.append(code)
    started = time.perf_counter()
    await ib.connectAsync("127.0.0.1", server.port, clientId=3, timeout=2)
    elapsed = time.perf_counter() - started
    try:
        assert elapsed < 0.5, f"startup sync took {elapsed:.2f}s"
        assert ib.client.serverVersion() == 178
        assert ib.managedAccounts() == list(server.world.accounts)
        assert {2104, 2106, 2158} <= set(codes)
        assert ib.accountValues(), "reqAccountUpdates answered with values"
        assert await ib.reqCurrentTimeAsync() is not None
    finally:
        ib.disconnect()


async def test_streaming_ticks_arrive_and_change(ib: IB) -> None:
    [contract] = await ib.qualifyContractsAsync(AAPL)
    ticker = ib.reqMktData(contract)
    await until(lambda: ticker.bid > 0 and ticker.ask > 0 and ticker.last > 0, what="quote")
    assert ticker.bid < ticker.ask
    assert ticker.minTick == 0.01 and ticker.marketDataType == 1  # from 81 and 58
    assert ticker.volume > 0 and ticker.close > 0
    first = (ticker.bid, ticker.ask, ticker.last, ticker.bidSize, ticker.askSize)
    await until(lambda: (ticker.bid, ticker.ask, ticker.last, ticker.bidSize, ticker.askSize)
                != first, what="a changed quote")  # fmt: skip
    ib.cancelMktData(contract)


async def test_snapshot(ib: IB) -> None:
    [contract] = await ib.qualifyContractsAsync(Stock("MSFT", "SMART", "USD"))
    [ticker] = await asyncio.wait_for(ib.reqTickersAsync(contract), 2)
    assert 0 < ticker.bid < ticker.ask and ticker.last > 0 and ticker.close > 0


async def test_history_is_deterministic_and_consistent(ib: IB) -> None:
    async def fetch() -> list[tuple[object, ...]]:
        bars = await ib.reqHistoricalDataAsync(AAPL, PAST_END, "2 D", "1 hour", "TRADES", True,
                                               timeout=5)  # fmt: skip
        return [(b.date, b.open, b.high, b.low, b.close, b.volume) for b in bars]

    first = await fetch()
    assert len(first) >= 7  # two regular sessions of hourly bars
    for _date, o, h, low, c, v in first:
        assert low <= min(o, c) <= max(o, c) <= h and v >= 0
    assert first == await fetch()
    assert all(isinstance(row[0], datetime) and row[0] <= PAST_END for row in first)


async def test_daily_bars_carry_dates(ib: IB) -> None:
    bars = await ib.reqHistoricalDataAsync(AAPL, PAST_END, "1 M", "1 day", "MIDPOINT", True,
                                           timeout=5)  # fmt: skip
    assert 15 <= len(bars) <= 23
    assert all(b.date.weekday() < 5 for b in bars)  # no weekend bars


async def test_keep_up_to_date_sends_updates(ib: IB) -> None:
    bars = await ib.reqHistoricalDataAsync(AAPL, "", "2 D", "1 min", "TRADES", False,
                                           keepUpToDate=True, timeout=5)  # fmt: skip
    assert bars, "history before the live updates"
    last_history = bars[-1].date
    updates: list[bool] = []
    bars.updateEvent += lambda _bars, has_new: updates.append(has_new)
    # The simulated last trade moves about once a second, so two updates take up to ~2 s;
    # the deadline leaves room for a loaded 2-core CI machine.
    await until(lambda: len(updates) >= 2, within=8.0, what="historicalDataUpdate events")
    assert bars[-1].date >= last_history
    assert bars[-1].low <= bars[-1].close <= bars[-1].high
    ib.cancelHistoricalData(bars)


async def test_stock_contract_details(ib: IB) -> None:
    [cd] = await ib.reqContractDetailsAsync(AAPL)
    assert cd.contract.conId > 0 and cd.contract.primaryExchange in ("NASDAQ", "NYSE", "ARCA")
    assert cd.industry and cd.minTick == 0.01 and cd.longName
    [qualified] = await ib.qualifyContractsAsync(Stock("SPY", "SMART", "USD"))
    assert qualified is not None and qualified.conId > 0


async def test_option_chain_and_option_details(ib: IB) -> None:
    [stock] = await ib.qualifyContractsAsync(Stock("AAPL", "SMART", "USD"))
    chains = await ib.reqSecDefOptParamsAsync("AAPL", "", "STK", stock.conId)
    assert chains and chains[0].expirations and chains[0].strikes
    chain = chains[0]
    expiry = sorted(chain.expirations)[0]
    strike = sorted(chain.strikes)[len(chain.strikes) // 2]
    [cd] = await ib.reqContractDetailsAsync(Option("AAPL", expiry, strike, "C", "SMART"))
    c = cd.contract
    assert (c.secType, c.right, c.strike, c.multiplier) == ("OPT", "C", strike, "100")
    assert cd.underConId == stock.conId
    [ticker] = await asyncio.wait_for(ib.reqTickersAsync(c), 2)
    assert 0 < ticker.bid < ticker.ask


async def test_account_summary_positions_and_time(ib: IB) -> None:
    summary = await ib.accountSummaryAsync()
    tags = {v.tag for v in summary}
    assert {"NetLiquidation", "TotalCashValue", "BuyingPower", "AvailableFunds"} <= tags
    assert await ib.reqPositionsAsync() == []
    now = await ib.reqCurrentTimeAsync()
    assert abs((now - datetime.now(UTC)).total_seconds()) < 5


async def test_unknown_contract_is_error_200(ib: IB, ib_errors: IbErrors) -> None:
    ib_errors.allow_codes(200)
    codes: list[int] = []
    ib.errorEvent += lambda req_id, code, msg, contract: codes.append(code)
    assert await ib.qualifyContractsAsync(Stock("NOSUCHX", "SMART", "USD")) == [None]
    ticker = ib.reqMktData(Stock("NOSUCHY", "SMART", "USD", conId=987654321))
    await until(lambda: codes.count(200) >= 2, what="error 200 for reqMktData")
    assert ticker.bid != ticker.bid or ticker.bid <= 0  # nothing arrived (nan)


async def test_pacing_violation_is_error_162(ib: IB, ib_errors: IbErrors) -> None:
    ib_errors.allow_codes(162)
    first = await ib.reqHistoricalDataAsync(AAPL, PAST_END, "600 S", "5 secs", "TRADES", False,
                                            timeout=5)  # fmt: skip
    again = await ib.reqHistoricalDataAsync(AAPL, PAST_END, "600 S", "5 secs", "TRADES", False,
                                            timeout=5)  # fmt: skip
    assert len(first) > 0 and len(again) == 0  # identical request inside the (scaled) 15 s window


async def test_market_data_lines_budget_is_error_101(ib_errors: IbErrors) -> None:
    ib_errors.allow_codes(101)
    async with SimulatorServer(replace(SERVER, max_lines=2), WORLD) as srv:
        ib = await connect(srv)
        codes: list[tuple[int, int]] = []
        ib.errorEvent += lambda req_id, code, msg, contract: codes.append((req_id, code))
        contracts = await ib.qualifyContractsAsync(
            *[Stock(s, "SMART", "USD") for s in ("AAPL", "MSFT", "SPY")]
        )
        tickers = [ib.reqMktData(c) for c in contracts]
        await until(lambda: any(code == 101 for _, code in codes), what="error 101")
        await until(lambda: tickers[0].bid > 0 and tickers[1].bid > 0, what="two lines")
        assert tickers[2].bid != tickers[2].bid  # still nan: the third line was refused
        ib.disconnect()


async def test_message_flood_is_error_100_and_disconnect(ib: IB, server: SimulatorServer,
                                                         ib_errors: IbErrors) -> None:  # fmt: skip
    ib_errors.allow_codes(100)
    ib_errors.allow("Peer closed connection")
    codes: list[int] = []
    ib.errorEvent += lambda req_id, code, msg, contract: codes.append(code)
    other = await connect(server, client_id=2)
    ib.client.MaxRequests = 0  # turn off ib_async's own 45/s throttle
    for _ in range(60):
        ib.client.reqCurrentTime()
    await until(lambda: not ib.isConnected(), what="the flooding client's disconnect")
    assert 100 in codes
    assert await asyncio.wait_for(other.reqCurrentTimeAsync(), 2)  # the other client is fine
    other.disconnect()


async def test_duplicate_client_id_is_error_326(ib: IB, server: SimulatorServer,
                                                ib_errors: IbErrors) -> None:  # fmt: skip
    ib_errors.allow_codes(326)
    ib_errors.allow("Peer closed connection|API connection failed")
    dup = IB()
    codes: list[int] = []
    dup.errorEvent += lambda req_id, code, msg, contract: codes.append(code)
    with pytest.raises((TimeoutError, ConnectionError)):
        await dup.connectAsync("127.0.0.1", server.port, clientId=1, timeout=0.5)
    assert 326 in codes
    assert ib.isConnected() and await asyncio.wait_for(ib.reqCurrentTimeAsync(), 2)
