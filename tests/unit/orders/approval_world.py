"""A small world for approval tests: quotes, a book, trading status, manager, queue."""

from __future__ import annotations

from datetime import timedelta

from apex_tui.domain.clock import FixedClock
from apex_tui.domain.orders import OrderType, Side
from apex_tui.domain.quotes import Quote
from apex_tui.orders.approvals import CONNECTED, ApprovalLocks, ApprovalQueue
from apex_tui.orders.manager import OrderManager
from apex_tui.orders.proposal import Proposal, ProposalFactory, Provenance
from apex_tui.orders.settings import OrdersSettings
from apex_tui.orders.shadow import ShadowBook
from apex_tui.risk.breaker import CircuitBreaker
from apex_tui.risk.engine import MarketView, PortfolioView, PositionView, RiskEngine, RiskSnapshot
from apex_tui.risk.settings import BreakerSettings, RiskSettings
from apex_tui.risk.states import TradingStatus
from tests.unit.orders.order_fakes import T0, FakeGateway, ListJournal

RISK = RiskSettings(
    max_order_qty=1_000,
    max_order_notional=50_000,
    max_position_notional=100_000,
    max_gross_exposure=500_000,
    price_band_pct=1.0,
    price_band_ticks=100,
    max_quote_age_s=5.0,
    fixed_notional=10_000,
    breaker=BreakerSettings(max_rejections=3, window_minutes=5),
)
ORDERS = OrdersSettings(proposal_expiry_s=60, limit_offset_bps=5)


class World:
    def __init__(self, place_timeout: float = 0.05) -> None:
        self.clock = FixedClock(T0)
        self.gateway = FakeGateway()
        self.journal = ListJournal()
        self.status = TradingStatus(self.clock)
        self.breaker = CircuitBreaker(RISK, self.status, self.clock)
        self.shadow = ShadowBook()
        self.manager = OrderManager(
            self.gateway, self.clock, journal=self.journal, place_timeout_s=place_timeout
        )
        self.quotes: dict[str, Quote] = {}
        self.positions: dict[str, float] = {}
        self.locks = ApprovalLocks(max_quote_age_s=RISK.max_quote_age_s, connection=CONNECTED)
        self.queue = ApprovalQueue(
            RiskEngine(RISK),
            self.manager,
            self.snapshot,
            self.locks,
            self.clock,
            journal=self.journal,
            breaker=self.breaker,
            shadow=self.shadow,
        )
        n = iter(range(1, 10_000))
        self.factory = ProposalFactory(RISK, ORDERS, self.clock, new_id=lambda: f"P{next(n)}")
        self.set_quote("AAPL", 100.0)

    def set_quote(
        self, symbol: str, price: float, age_s: float = 0.0, stale: bool = False
    ) -> Quote:
        q = Quote(
            symbol=symbol,
            bid=price - 0.01,
            ask=price + 0.01,
            last=price,
            time=self.clock.now() - timedelta(seconds=age_s),
            stale=stale,
        )
        self.quotes[symbol] = q
        return q

    def snapshot(self, symbol: str) -> RiskSnapshot:
        q = self.quotes.get(symbol)
        positions = {
            s: PositionView(s, qty, self.quotes[s].last) for s, qty in self.positions.items()
        }
        return RiskSnapshot(
            portfolio=PortfolioView(
                positions=positions,
                open_orders=len(self.manager.open_orders()),
                working_qty=self.manager.working_qty(),
                orders_last_minute=self.manager.orders_last_minute(),
            ),
            market=MarketView(quote=q, now=self.clock.now(), tick_size=0.01),
            state=self.status.state,
        )

    def propose(
        self,
        side: Side = Side.BUY,
        symbol: str = "AAPL",
        qty: float | None = None,
        order_type: OrderType | None = None,
        generator: str = "sma",
    ) -> Proposal:
        p = self.factory.propose(
            symbol, side, self.quotes[symbol], Provenance(generator), qty=qty, order_type=order_type
        )
        self.queue.add(p)
        return p
