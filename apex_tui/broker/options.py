"""OptionSource over ib_async: chain parameters, option contract details and option bars.

Option bars are reqHistoricalData on the option contract (by conId from the chain snapshot),
through the same pacer and message-rate guard as stock bars: IB's pacing windows count every
historical request of the client, whatever the contract.
"""

from __future__ import annotations

from typing import Any

from ib_async import IB, Contract, Option

from apex_tui.broker.history import IbHistoricalSource
from apex_tui.broker.requests import RateGuard, bounded
from apex_tui.broker.states import ConnectionBoard
from apex_tui.broker.subscriptions import Subscriptions
from apex_tui.jobs.pacer import Pacer
from apex_tui.jobs.source import BarRequest, ChainParams, OptionContract

_RIGHTS = {"C": "C", "CALL": "C", "P": "P", "PUT": "P"}


def _contract_row(underlying: str, exchange: str, c: Any) -> OptionContract | None:
    """An OptionContract from IB's contract, or None for what is not a plain option."""
    right = _RIGHTS.get(str(c.right or "").upper())
    expiry = str(c.lastTradeDateOrContractMonth or "")[:8]
    if right is None or len(expiry) != 8 or not c.strike:
        return None
    return OptionContract(
        underlying=underlying,
        expiry=expiry,
        strike=float(c.strike),
        right=right,
        con_id=int(c.conId or 0),
        exchange=exchange,
        trading_class=str(c.tradingClass or ""),
        multiplier=str(c.multiplier or ""),
        local_symbol=str(c.localSymbol or ""),
    )


class IbOptionSource(IbHistoricalSource):
    """Implements apex_tui.jobs.source.OptionSource (and HistoricalSource) on the IB session."""

    def __init__(
        self,
        ib: IB,
        subscriptions: Subscriptions,
        board: ConnectionBoard,
        *,
        pacer: Pacer,
        guard: RateGuard,
        timeout: float,
        details_timeout: float,
    ) -> None:
        super().__init__(ib, subscriptions, board, pacer=pacer, guard=guard, timeout=timeout)
        self._details_timeout = details_timeout

    async def option_params(self, underlying: str) -> list[ChainParams]:
        """reqSecDefOptParams for the stock (qualified first: IB wants its conId)."""
        stock = await self._subs.qualify(underlying)
        await self._guard.acquire()
        rows = await bounded(
            self._ib.reqSecDefOptParamsAsync(stock.symbol, "", stock.secType, stock.conId),
            seconds=self._details_timeout,
            what=f"option chain parameters for {underlying}",
        )
        return [
            ChainParams(
                exchange=str(r.exchange),
                trading_class=str(r.tradingClass),
                multiplier=str(r.multiplier),
                expirations=tuple(sorted(str(e) for e in r.expirations)),
                strikes=tuple(sorted(float(k) for k in r.strikes)),
            )
            for r in rows
        ]

    async def option_contracts(
        self, underlying: str, expiry: str, *, exchange: str = "SMART", trading_class: str = ""
    ) -> list[OptionContract]:
        """Every strike and right of one expiry in one reqContractDetails (strike left open)."""
        await self._guard.acquire()
        query = Option(
            underlying, expiry, exchange=exchange, currency="USD", tradingClass=trading_class
        )
        details = await bounded(
            self._ib.reqContractDetailsAsync(query),
            seconds=self._details_timeout,
            what=f"option contracts of {underlying} {expiry}",
        )
        rows = [_contract_row(underlying, exchange, d.contract) for d in details if d.contract]
        return sorted((r for r in rows if r is not None), key=lambda r: (r.strike, r.right))

    async def _contract(self, req: BarRequest) -> Contract:
        o = req.option
        if o is None:
            return await super()._contract(req)
        return Option(
            o.underlying,
            o.expiry,
            o.strike,
            o.right,
            exchange=o.exchange,
            currency="USD",
            multiplier=o.multiplier,
            tradingClass=o.trading_class,
            conId=o.con_id,
        )
