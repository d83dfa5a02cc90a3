"""HistoricalSource over ib_async: every request through the pacer and the message-rate guard."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Any

from ib_async import IB, Contract

from apex_tui.broker.requests import RateGuard, bounded
from apex_tui.broker.states import ConnectionBoard
from apex_tui.broker.subscriptions import Subscriptions
from apex_tui.domain.errors import NoData, RequestTimeout
from apex_tui.jobs.pacer import Pacer, PacingKey
from apex_tui.jobs.source import BarRequest, BarRow

_FORMAT_EPOCH = 2  # bar times as epoch seconds: timezone-free, parsed to UTC by ib_async


def _bar_time(value: datetime | date) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def _row(bar: Any) -> BarRow:
    return BarRow(
        time=_bar_time(bar.date),
        open=float(bar.open),
        high=float(bar.high),
        low=float(bar.low),
        close=float(bar.close),
        volume=float(bar.volume),
        wap=float(bar.average),
        count=int(bar.barCount),
    )


class IbHistoricalSource:
    """Implements apex_tui.jobs.source.HistoricalSource against the IB session."""

    def __init__(
        self,
        ib: IB,
        subscriptions: Subscriptions,
        board: ConnectionBoard,
        *,
        pacer: Pacer,
        guard: RateGuard,
        timeout: float,
    ) -> None:
        self._ib = ib
        self._subs = subscriptions
        self._board = board
        self.pacer = pacer
        self._guard = guard
        self._timeout = timeout

    async def wait_connected(self) -> None:
        """Return once the session is up (CONNECTED or DEGRADED)."""
        await self._board.wait_live()

    async def fetch_bars(self, req: BarRequest) -> list[BarRow]:
        """Bars of `req`, oldest first; NoData when IB has none."""
        contract = await self._contract(req)
        # The rate slot first, the pacing slot last: the request then leaves right after its
        # pacing grant, so the gateway sees the spacing the pacer planned.
        await self._guard.acquire()
        lease = await self.pacer.acquire(PacingKey.for_request(req))
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            # ib_async's own timeout cancels the request at IB (cancelHistoricalData); ours
            # is only the safety net around it.
            bars = await bounded(
                self._ib.reqHistoricalDataAsync(
                    contract,
                    endDateTime=req.end,
                    durationStr=req.duration,
                    barSizeSetting=req.bar_size,
                    whatToShow=req.what_to_show,
                    useRTH=req.use_rth,
                    formatDate=_FORMAT_EPOCH,
                    timeout=self._timeout,
                ),
                seconds=self._timeout + 5.0,
                what=f"historical {req.bar_size} {req.what_to_show} bars for {req.series}",
            )
        finally:
            self.pacer.release(lease)
        if not bars:
            if loop.time() - started >= self._timeout:
                raise RequestTimeout(
                    f"historical bars for {req.series}: no answer within {self._timeout:g} s"
                )
            raise NoData(f"no {req.bar_size} {req.what_to_show} bars for {req.series}")
        return [_row(b) for b in bars]

    async def _contract(self, req: BarRequest) -> Contract:
        """The contract `req` asks about (a stock here; IbOptionSource adds options)."""
        return await self._subs.qualify(req.symbol)
