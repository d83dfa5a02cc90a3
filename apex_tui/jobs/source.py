"""The contract between backfill jobs and whatever serves historical bars (the connector).

The connector implements `HistoricalSource` (and `OptionSource` for option chains and option
bars); tests use a deterministic fake. Errors follow
apex_tui.domain.errors: NoData is a gap; PacingViolation, RequestTimeout and ConnectionFailed
are retried; any other BrokerError fails the request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class OptionContract:
    """One listed option, as the chain snapshot found it (con_id 0: not resolved yet)."""

    underlying: str
    expiry: str  # YYYYMMDD
    strike: float
    right: str  # "C" or "P"
    con_id: int = 0
    exchange: str = "SMART"
    trading_class: str = ""
    multiplier: str = "100"
    local_symbol: str = ""

    @property
    def label(self) -> str:
        """ "AAPL 20261127 200C": how progress, gaps and errors name the contract."""
        return f"{self.underlying} {self.expiry} {self.strike:g}{self.right}"

    def to_json(self) -> dict[str, Any]:
        return {
            "underlying": self.underlying,
            "expiry": self.expiry,
            "strike": self.strike,
            "right": self.right,
            "con_id": self.con_id,
            "exchange": self.exchange,
            "trading_class": self.trading_class,
            "multiplier": self.multiplier,
            "local_symbol": self.local_symbol,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> OptionContract:
        return cls(
            str(d["underlying"]),
            str(d["expiry"]),
            float(d["strike"]),
            str(d["right"]),
            int(d.get("con_id", 0)),
            str(d.get("exchange", "SMART")),
            str(d.get("trading_class", "")),
            str(d.get("multiplier", "100")),
            str(d.get("local_symbol", "")),
        )


@dataclass(frozen=True, slots=True)
class ChainParams:
    """One answer row of reqSecDefOptParams: an exchange/trading class and its grid."""

    exchange: str
    trading_class: str
    multiplier: str
    expirations: tuple[str, ...]  # YYYYMMDD, sorted
    strikes: tuple[float, ...]  # sorted


@dataclass(frozen=True, slots=True)
class BarRequest:
    """One reqHistoricalData call, in IB's own terms.

    `end` is UTC; `duration` is IB's "N S/D/W/M/Y". For whole sessions the planner asks for
    "k D" ending at the last session's close (k trading sessions); for parts of a session
    "N S".
    """

    symbol: str
    bar_size: str  # IB's name: "1 min", "1 day"
    what_to_show: str
    end: datetime
    duration: str
    use_rth: bool
    # Set for option bars: `symbol` is then the underlying and this the contract asked for.
    option: OptionContract | None = None

    @property
    def series(self) -> str:
        """The series' name in progress, gaps and errors: the symbol or the option's label."""
        return self.symbol if self.option is None else self.option.label

    @property
    def contract_key(self) -> str:
        """What IB's per-contract pacing compares: the symbol, or the option's identity."""
        if self.option is None:
            return self.symbol
        return str(self.option.con_id) if self.option.con_id else self.option.label


@dataclass(frozen=True, slots=True)
class BarRow:
    """One bar as received. `time` is the bar's start in UTC (daily bars: the session date
    at 00:00 UTC)."""

    time: datetime
    open: float
    high: float
    low: float
    close: float
    volume: float
    wap: float
    count: int


class HistoricalSource(Protocol):
    """Serves historical bars; every call goes through the connector's pacer."""

    async def fetch_bars(self, req: BarRequest) -> list[BarRow]:
        """Bars of `req`, oldest first; raise NoData when IB has none."""
        ...

    async def wait_connected(self) -> None:
        """Return once the session to the gateway is up (at once when it already is)."""
        ...


class OptionSource(HistoricalSource, Protocol):
    """Option chains and option bars. `fetch_bars` serves a request whose `option` is set
    with that option's bars (through the same pacer as the stock bars)."""

    async def option_params(self, underlying: str) -> list[ChainParams]:
        """reqSecDefOptParams for a stock: one entry per exchange/trading class."""
        ...

    async def option_contracts(
        self, underlying: str, expiry: str, *, exchange: str = "SMART", trading_class: str = ""
    ) -> list[OptionContract]:
        """Contract details of every listed strike/right of one expiry (con_ids resolved)."""
        ...
