"""The watchlist's market data lines: qualification, the line budget, restore after a gap.

The desired set is the watchlist (ordered). The first `max_lines` qualified symbols stream;
the rest are listed in `not_streaming` with the reason, as are symbols IB refused. Restoring
after a reconnect or a 1101 re-requests exactly that set, one line per symbol.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import structlog
from ib_async import IB, Contract, Stock

from apex_tui.broker.errors import MAX_TICKERS
from apex_tui.broker.requests import RateGuard, bounded
from apex_tui.domain.clock import Clock, SystemClock
from apex_tui.domain.errors import ValidationError
from apex_tui.domain.symbols import validate_symbol

log = structlog.get_logger(__name__)

WAITING = "waiting for the gateway connection"


class Subscriptions:
    """Owns every reqMktData line; keyed by symbol so a symbol never streams twice."""

    def __init__(
        self,
        ib: IB,
        *,
        max_lines: int,
        qualify_timeout: float,
        guard: RateGuard,
        clock: Clock | None = None,
    ) -> None:
        self._ib = ib
        self._max_lines = max_lines
        self._qualify_timeout = qualify_timeout
        self._guard = guard
        self._clock = clock or SystemClock()
        self.watchlist: list[str] = []
        self._contracts: dict[str, Contract] = {}
        self._tickers: dict[str, Any] = {}  # symbol -> ib_async Ticker
        self._req_ids: dict[int, str] = {}  # reqMktData id -> symbol
        self.subscribed_at: dict[str, datetime] = {}
        self.not_streaming: dict[str, str] = {}  # symbol -> why it is not streaming
        self.industries: dict[str, str] = {}  # symbol -> IB industry from contract details
        self.requests_sent = 0  # reqMktData messages, for tests and the health pane
        self._fill_lock = asyncio.Lock()
        self.version = 0

    # -- queries ---------------------------------------------------------------------------

    @property
    def streaming(self) -> list[str]:
        """Symbols with a live market data line, in watchlist order."""
        return [s for s in self.watchlist if s in self._tickers]

    def symbol_for_req(self, req_id: int) -> str | None:
        return self._req_ids.get(req_id)

    def contract(self, symbol: str) -> Contract | None:
        """The qualified contract of a watchlist symbol (broker-internal)."""
        return self._contracts.get(symbol)

    # -- watchlist -------------------------------------------------------------------------

    async def qualify(self, symbol: str) -> Contract:
        """Look `symbol` up via contract details; ValidationError carries IB's reason."""
        if symbol in self._contracts:
            return self._contracts[symbol]
        await self._guard.acquire()
        details = await bounded(
            self._ib.reqContractDetailsAsync(Stock(symbol, "SMART", "USD")),
            seconds=self._qualify_timeout,
            what=f"contract details for {symbol}",
        )
        matches = [d.contract for d in details if d.contract is not None]
        if details and details[0].industry:
            # IB's industry is the sector the risk engine's sector cap groups by.
            self.industries[symbol] = str(details[0].industry)
        if not matches:
            raise ValidationError(f"{symbol}: IB has no stock by that symbol")
        contract = matches[0]
        # Route through SMART whatever the listing exchange, as the request did.
        contract.exchange = "SMART"
        self._contracts[symbol] = contract
        return contract

    async def add(self, raw: str, *, connected: bool) -> str:
        """Add a symbol; when connected it is qualified first (an unknown one is refused)."""
        symbol = validate_symbol(raw)
        if symbol in self.watchlist:
            return symbol
        if connected:
            await self.qualify(symbol)
        self.watchlist.append(symbol)
        self.version += 1
        if connected:
            await self._fill_budget()
        else:
            self.not_streaming[symbol] = WAITING
        return symbol

    def remove(self, symbol: str) -> bool:
        """Drop a symbol and its line; the freed line goes to the next waiting symbol."""
        if symbol not in self.watchlist:
            return False
        self.watchlist.remove(symbol)
        self.not_streaming.pop(symbol, None)
        self._cancel(symbol)
        self.version += 1
        return True

    # -- lines -----------------------------------------------------------------------------

    def _cancel(self, symbol: str) -> None:
        ticker = self._tickers.pop(symbol, None)
        self.subscribed_at.pop(symbol, None)
        for req_id, sym in list(self._req_ids.items()):
            if sym == symbol:
                del self._req_ids[req_id]
        if ticker is not None and self._ib.isConnected():
            self._ib.cancelMktData(ticker.contract)

    async def _subscribe(self, symbol: str) -> None:
        contract = self._contracts[symbol]
        if symbol in self._tickers or symbol not in self.watchlist:
            return
        await self._guard.acquire()
        if symbol in self._tickers or symbol not in self.watchlist:
            return  # raced with a remove or a concurrent restore
        if len(self._tickers) >= self._max_lines:  # a concurrent add took the last line
            self.not_streaming[symbol] = self._over_budget()
            self.version += 1
            return
        ticker = self._ib.reqMktData(contract)
        self.requests_sent += 1
        req_id = self._ib.wrapper.ticker2ReqId["mktData"].get(ticker)
        if req_id is not None:
            self._req_ids[int(req_id)] = symbol
        self._tickers[symbol] = ticker
        self.subscribed_at[symbol] = self._clock.now()
        self.not_streaming.pop(symbol, None)
        self.version += 1

    def _over_budget(self) -> str:
        return f"over the market data line budget (max_lines={self._max_lines})"

    async def _fill_budget(self) -> None:
        """Qualify unqualified symbols, then stream the first `max_lines` in watchlist order."""
        # One filler at a time: concurrent adds would otherwise each walk the watchlist and
        # spend message-rate slots on the same symbols.
        async with self._fill_lock:
            await self._fill_budget_locked()

    async def _fill_budget_locked(self) -> None:
        lines = len(self._tickers)
        for symbol in list(self.watchlist):
            if symbol in self._tickers:
                continue
            reason = self.not_streaming.get(symbol, "")
            if reason and reason not in (WAITING,) and not reason.startswith("over the"):
                continue  # IB refused it; only a fresh add retries
            if symbol not in self._contracts:
                try:
                    await self.qualify(symbol)
                except ValidationError as exc:
                    self.not_streaming[symbol] = f"unknown to IB: {exc.message}"
                    self.version += 1
                    continue
            if lines >= self._max_lines:
                self.not_streaming[symbol] = self._over_budget()
                self.version += 1
                continue
            await self._subscribe(symbol)
            lines = len(self._tickers)

    async def restore(self) -> None:
        """After a new session: ib_async forgot every ticker, so request the same set again."""
        self._tickers.clear()
        self._req_ids.clear()
        self.subscribed_at.clear()
        await self._fill_budget()

    async def resubscribe(self, symbols: list[str] | None = None) -> None:
        """Cancel and re-request lines on the same session (after 1101, or stalled ticks)."""
        for symbol in symbols if symbols is not None else self.streaming:
            self._cancel(symbol)
        await self._fill_budget()

    def on_error(self, req_id: int, code: int, message: str) -> bool:
        """Record IB refusing a line; returns True when `req_id` was one of ours."""
        symbol = self._req_ids.pop(req_id, None)
        if symbol is None:
            return False
        ticker = self._tickers.pop(symbol, None)
        self.subscribed_at.pop(symbol, None)
        if ticker is not None:
            # IB holds no line for it: forget the request locally, send no cancel.
            self._ib.wrapper.endTicker(ticker, "mktData")
        what = "IB's market data line limit" if code == MAX_TICKERS else "IB refused the line"
        self.not_streaming[symbol] = f"{what} ({code}): {message}"
        self.version += 1
        log.warning("market_data_refused", symbol=symbol, code=code, message=message)
        return True
