"""Streaming and snapshot market data: subscriptions, the market-data-lines budget, and the
per-tick diff that sends only what changed (price -> tickPrice with size, size only ->
tickSize, volume -> tickSize 8), as IB's aggregated feed does.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from apex_tui.sim import outgoing as out
from apex_tui.sim.model import Instrument, Quote

if TYPE_CHECKING:
    from apex_tui.sim.session import Session

log = logging.getLogger("apex_tui.sim")
BBO_EXCHANGE = "9c0001"
SNAPSHOT_PERMISSIONS = 3
# (tick type, quote field) for the prices that carry no size of their own.
_PLAIN_PRICES = ((6, "high"), (7, "low"), (9, "close"), (14, "open"))


@dataclass(slots=True)
class Subscription:
    session: Session
    req_id: int
    instrument: Instrument
    last: Quote | None = None


def quote_ticks(req_id: int, q: Quote, prev: Quote | None) -> list[bytes]:
    """The messages that move a client's view from `prev` (None: nothing yet) to `q`."""
    msgs: list[bytes] = []
    if prev is None or q.bid != prev.bid:
        msgs.append(out.tick_price(req_id, 1, q.bid, q.bid_size))
    elif q.bid_size != prev.bid_size:
        msgs.append(out.tick_size(req_id, 0, q.bid_size))
    if prev is None or q.ask != prev.ask:
        msgs.append(out.tick_price(req_id, 2, q.ask, q.ask_size))
    elif q.ask_size != prev.ask_size:
        msgs.append(out.tick_size(req_id, 3, q.ask_size))
    if prev is None or q.last != prev.last:
        msgs.append(out.tick_price(req_id, 4, q.last, q.last_size))
    elif q.last_size != prev.last_size:
        msgs.append(out.tick_size(req_id, 5, q.last_size))
    if prev is None or q.volume != prev.volume:
        msgs.append(out.tick_size(req_id, 8, q.volume))
    for tick_type, name in _PLAIN_PRICES:
        value = getattr(q, name)
        if prev is None or value != getattr(prev, name):
            msgs.append(out.tick_price(req_id, tick_type, value, 0))
    return msgs


class MarketData:
    """Every client's streaming subscriptions, grouped by instrument so each quote is
    computed once per tick however many clients watch it."""

    def __init__(self, max_lines: int) -> None:
        self.max_lines = max_lines
        self._subs: dict[tuple[int, int], Subscription] = {}
        self._by_con: dict[int, list[Subscription]] = {}
        self.ticks_sent = 0

    @property
    def lines_used(self) -> int:
        return len(self._subs)

    def has(self, session: Session, req_id: int) -> bool:
        return (session.id, req_id) in self._subs

    def preamble(self, session: Session, req_id: int, inst: Instrument) -> list[bytes]:
        return [
            out.tick_req_params(req_id, inst.min_tick, BBO_EXCHANGE, SNAPSHOT_PERMISSIONS),
            out.market_data_type(req_id, session.market_data_type),
        ]

    def subscribe(self, session: Session, req_id: int, inst: Instrument, q: Quote) -> None:
        sub = Subscription(session, req_id, inst, last=q)
        self._subs[(session.id, req_id)] = sub
        self._by_con.setdefault(inst.con_id, []).append(sub)

    def cancel(self, session: Session, req_id: int) -> bool:
        sub = self._subs.pop((session.id, req_id), None)
        if sub is None:
            return False
        subs = self._by_con[sub.instrument.con_id]
        subs.remove(sub)
        if not subs:
            del self._by_con[sub.instrument.con_id]
        return True

    def drop_session(self, session: Session) -> None:
        for sid, req_id in [k for k in self._subs if k[0] == session.id]:
            self.cancel(self._subs[(sid, req_id)].session, req_id)

    def drop_all(self) -> int:
        n = len(self._subs)
        self._subs.clear()
        self._by_con.clear()
        return n

    def instruments(self) -> list[Instrument]:
        return [subs[0].instrument for subs in self._by_con.values()]

    def tick(self, quotes: dict[int, Quote]) -> None:
        """Send each subscription what changed since its last tick; `quotes` by conId."""
        sent = 0
        for con_id, subs in self._by_con.items():
            q = quotes.get(con_id)
            if q is None:
                continue
            for sub in subs:
                if sub.last is q or sub.last == q:
                    continue
                msgs = quote_ticks(sub.req_id, q, sub.last)
                sub.last = q
                sent += len(msgs)
                session = sub.session
                for m in msgs:
                    session.send(m)
        self.ticks_sent += sent
