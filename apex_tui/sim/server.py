"""The simulated gateway: an asyncio TCP server speaking the TWS API at server version 178.

`SimulatorServer` owns the World, the client sessions (at most 32, one per clientId), the
request dispatcher and a single timer task that, every tick, runs the matching engine and
sends each market-data and keepUpToDate subscription what changed. Use it directly on a
running loop (`async with SimulatorServer(...) as srv: srv.port`) or through
`EmbeddedSimulator` in its own thread.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from datetime import datetime
from types import TracebackType

from apex_tui.domain.clock import Clock, SystemClock
from apex_tui.sim import outgoing as out
from apex_tui.sim.accounts import Accounts
from apex_tui.sim.dispatch import HANDLERS, request_id_of
from apex_tui.sim.faults import FARMS, NOTICES, Faults, parse_faults
from apex_tui.sim.historical import LiveBars
from apex_tui.sim.incoming import ContractSpec
from apex_tui.sim.marketdata import MarketData
from apex_tui.sim.model import Instrument, Quote, SecType
from apex_tui.sim.pacing import HistoricalPacing
from apex_tui.sim.server_settings import ServerSettings
from apex_tui.sim.session import Session
from apex_tui.sim.settings import WorldSettings
from apex_tui.sim.trading import Trading
from apex_tui.sim.wire import FieldError, Reader
from apex_tui.sim.world import World

log = logging.getLogger("apex_tui.sim")


class SimulatorServer:
    """One simulated gateway. Start with `await start()` (or `async with`), stop with `stop()`."""

    def __init__(
        self,
        settings: ServerSettings | None = None,
        world_settings: WorldSettings | None = None,
        *,
        world: World | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.settings = settings or ServerSettings()
        self.world_settings = world_settings or WorldSettings()
        self.clock: Clock = clock or SystemClock()
        self.world = world or World(self.world_settings, clock=self.clock)
        self.faults = Faults(self)
        self.pacing = HistoricalPacing(
            self.settings.pacing, self.settings.pacing_scale, self.clock.monotonic
        )
        self.market = MarketData(self.settings.max_lines)
        self.trading = Trading(self)
        self.accounts = Accounts(self)
        self.live_bars: dict[tuple[int, int], LiveBars] = {}
        self.sessions: set[Session] = set()
        self.by_client: dict[int, Session] = {}
        self.next_order_id = self.settings.first_order_id
        self.tick_interval = max(self.world_settings.tick_ms, 1) / 1000.0
        self.ticks = 0
        self._server: asyncio.Server | None = None
        self._timer: asyncio.Task[None] | None = None
        self.port = 0

    # --- lifecycle -------------------------------------------------------------------------

    async def start(self) -> int:
        loop = asyncio.get_running_loop()
        s = self.settings
        self._server = await loop.create_server(lambda: Session(self), s.host, s.port)
        self.port = self._server.sockets[0].getsockname()[1]
        self._timer = asyncio.create_task(self._tick_loop(), name="sim-ticks")
        if s.faults:
            self.faults.schedule(parse_faults(s.faults))
        log.info("simulator listening on %s:%d (server version %d)", s.host, self.port,
                 s.server_version)  # fmt: skip
        return self.port

    async def stop(self) -> None:
        self.faults.cancel()
        if self._timer is not None:
            self._timer.cancel()
            await asyncio.gather(self._timer, return_exceptions=True)
            self._timer = None
        if self._server is not None:
            self._server.close()
            for session in list(self.sessions):
                session.abort()
            await self._server.wait_closed()
            self._server = None
        log.info("simulator stopped")

    async def __aenter__(self) -> SimulatorServer:
        await self.start()
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    # --- sessions --------------------------------------------------------------------------

    def register(self, session: Session, client_id: int) -> None:
        if client_id in self.by_client:
            log.warning("clientId %d already connected: error 326 to %s", client_id, session.peer)
            session.send(out.error(-1, 326, "Unable to connect as the client id is already "
                                            "in use. Retry with a unique client id."))  # fmt: skip
            session.close()
            return
        if len(self.by_client) >= self.settings.max_clients:
            session.send(out.error(-1, 502, f"Maximum number of API clients "
                                            f"({self.settings.max_clients}) reached"))  # fmt: skip
            session.close()
            return
        session.client_id = client_id
        session.stage = "ready"
        self.by_client[client_id] = session
        log.info("session %d is clientId %d", session.id, client_id)
        session.send(out.managed_accounts(self.world.accounts))
        session.send(out.next_valid_id(self.next_order_id))
        # Like a real gateway, a new session hears each farm's current state, broken ones too.
        for farm, (down, up) in FARMS.items():
            code = down if farm in self.faults.farms_down else up
            session.send(out.error(-1, code, NOTICES[code]))

    def unregister(self, session: Session) -> None:
        self.sessions.discard(session)
        if session.client_id is not None and self.by_client.get(session.client_id) is session:
            del self.by_client[session.client_id]
        self.market.drop_session(session)
        for key in [k for k in self.live_bars if k[0] == session.id]:
            del self.live_bars[key]

    def session_for(self, client_id: int) -> Session | None:
        return self.by_client.get(client_id)

    def ready_sessions(self) -> Iterator[Session]:
        return iter(list(self.by_client.values()))

    def flush_all(self) -> None:
        for session in self.by_client.values():
            session.flush()

    # --- FaultHost -------------------------------------------------------------------------

    def broadcast_error(self, code: int, message: str) -> None:
        for session in self.ready_sessions():
            session.send(out.error(-1, code, message))
            session.flush()

    def close_all_sessions(self) -> None:
        for session in list(self.sessions):
            session.abort()

    def drop_all_market_data(self) -> None:
        n = self.market.drop_all()
        self.live_bars.clear()
        log.warning("dropped %d market data subscriptions (data lost)", n)

    def resume_sessions(self) -> None:
        for session in list(self.sessions):
            session.process()

    # --- requests --------------------------------------------------------------------------

    def dispatch(self, session: Session, fields: list[str]) -> None:
        try:
            msg_id = int(fields[0])
        except (ValueError, IndexError):
            log.warning("session %d: frame without a message id: %r", session.id, fields[:3])
            session.send(out.error(-1, 320, "Error reading request: missing message id"))
            return
        handler = HANDLERS.get(msg_id)
        if handler is None:
            log.warning("session %d: unsupported message id %d", session.id, msg_id)
            session.send(out.error(-1, 321, f"Error validating request.-'{msg_id}' : cause - "
                                            f"Unsupported message id {msg_id}"))  # fmt: skip
            return
        try:
            handler(self, session, Reader(fields, 1))
        except FieldError as exc:
            req_id = request_id_of(msg_id, fields)
            log.warning("session %d: bad message %d: %s", session.id, msg_id, exc)
            session.send(out.error(req_id, 320, f"Error reading request. {exc}"))
        except Exception as exc:  # a bug must not take the gateway down for every client
            req_id = request_id_of(msg_id, fields)
            log.exception("session %d: message %d failed", session.id, msg_id)
            session.send(out.error(req_id, 321, f"Error validating request.-'{msg_id}' : "
                                                f"cause - {exc}"))  # fmt: skip

    def resolve(self, spec: ContractSpec) -> list[Instrument]:
        if spec.con_id:
            inst = self.world.by_con_id(spec.con_id)
            return [inst] if inst is not None else []
        sec_type = spec.sec_type.upper() or "STK"
        if sec_type not in (SecType.STK.value, SecType.OPT.value) or not spec.symbol:
            return []
        return self.world.find(
            spec.symbol.upper(), sec_type, expiry=spec.expiry, strike=spec.strike,
            right=spec.right.upper()[:1], exchange=spec.exchange, currency=spec.currency,
        )  # fmt: skip

    def no_security(self, session: Session, req_id: int, what: str, matches: int) -> None:
        if matches > 1:
            msg = f"The contract description specified for {what} is ambiguous."
        else:
            msg = "No security definition has been found for the request"
        session.send(out.error(req_id, 200, msg))

    def note_order_id(self, order_id: int) -> None:
        self.next_order_id = max(self.next_order_id, order_id + 1)

    # --- the timer -------------------------------------------------------------------------

    async def _tick_loop(self) -> None:
        loop = asyncio.get_running_loop()
        interval = self.tick_interval
        deadline = loop.time()
        while True:
            deadline += interval
            delay = deadline - loop.time()
            if delay < 0:  # fell behind: skip missed ticks rather than burst
                deadline = loop.time()
                delay = 0
            await asyncio.sleep(delay)
            try:
                self.tick()
            except Exception:
                log.exception("tick failed")

    def tick(self) -> None:
        """One aggregation period: match orders, then send what changed."""
        if self.faults.stalled:
            return
        self.ticks += 1
        now = self.clock.now()
        events = self.world.match(now)
        if events.orders or events.executions or events.accounts_changed:
            self.trading.emit(events)
        if not self.faults.market_data_paused:
            quotes = self._quotes(now)
            self.market.tick(quotes)
            for live in list(self.live_bars.values()):
                q = quotes.get(live.instrument.con_id)
                if q is None:
                    q = self._quote(live.instrument, now)
                if q is not None:
                    msg = live.update(q, now)
                    if msg is not None:
                        live.session.send(msg)
        self.flush_all()

    def _quotes(self, now: datetime) -> dict[int, Quote]:
        quotes: dict[int, Quote] = {}
        for inst in self.market.instruments():
            q = self._quote(inst, now)
            if q is not None:
                quotes[inst.con_id] = q
        return quotes

    def _quote(self, inst: Instrument, now: datetime) -> Quote | None:
        if not self.world.market_open(inst, now):
            return None
        return self.world.quote(inst, now)
