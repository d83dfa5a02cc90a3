"""Price alerts (`:alert AAPL > 200`): each fires once per crossing, then re-arms when the
price is back on the other side."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from apex_tui.domain.quotes import Quote

_OPS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    "<": operator.lt,
    ">=": operator.ge,
    "<=": operator.le,
}


Severity = Literal["information", "warning", "error"]


@dataclass(frozen=True, slots=True)
class Notice:
    """Something the trader must hear about: price alerts, breaker trips, disconnects."""

    title: str
    message: str
    severity: Severity = "warning"


@dataclass
class PriceAlert:
    id: int
    symbol: str
    op: str
    price: float
    armed: bool = True
    fired: int = 0

    def describe(self) -> str:
        return f"{self.symbol} {self.op} {self.price:g}"


@dataclass(frozen=True, slots=True)
class AlertFired:
    alert: PriceAlert
    last: float
    time: datetime


@dataclass
class AlertBook:
    """The trader's price alerts; `check` returns the ones that crossed since the last check."""

    alerts: dict[int, PriceAlert] = field(default_factory=dict)
    _next: int = 1
    version: int = 0

    def add(self, symbol: str, op: str, price: float) -> PriceAlert:
        if op not in _OPS:
            raise ValueError(f"alert operator must be one of {', '.join(_OPS)}, got {op!r}")
        alert = PriceAlert(self._next, symbol, op, price)
        self.alerts[alert.id] = alert
        self._next += 1
        self.version += 1
        return alert

    def remove(self, alert_id: int) -> bool:
        self.version += 1
        return self.alerts.pop(alert_id, None) is not None

    def check(self, quotes: Iterable[Quote], now: datetime) -> list[AlertFired]:
        last = {q.symbol: q.last for q in quotes}
        fired: list[AlertFired] = []
        for alert in self.alerts.values():
            price = last.get(alert.symbol, math.nan)
            if math.isnan(price):
                continue
            hit = _OPS[alert.op](price, alert.price)
            if hit and alert.armed:
                alert.armed = False
                alert.fired += 1
                fired.append(AlertFired(alert, price, now))
                self.version += 1
            elif not hit and not alert.armed:
                alert.armed = True  # back across: the next crossing fires again
        return fired
