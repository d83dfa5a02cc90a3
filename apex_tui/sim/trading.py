"""Orders, executions and account messages: placeOrder / cancel / whatIf through the World's
matching engine, and the pushes (openOrder, orderStatus, execDetails, commissionReport,
position, updatePortfolio, updateAccountValue) that follow each engine event.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from apex_tui.sim import outgoing as out
from apex_tui.sim.historical import EndTimeError, parse_end
from apex_tui.sim.incoming import ExecFilter, PlaceOrder
from apex_tui.sim.model import (
    EngineEvents,
    Execution,
    Instrument,
    OrderRequest,
    OrderState,
    OrderStatus,
)

if TYPE_CHECKING:
    from apex_tui.sim.server import SimulatorServer
    from apex_tui.sim.session import Session

log = logging.getLogger("apex_tui.sim")
ORDER_TYPES = frozenset({"MKT", "LMT", "STP", "STP LMT"})
_DONE = frozenset({OrderStatus.FILLED, OrderStatus.CANCELLED, OrderStatus.INACTIVE})
_SIDES = {"BUY": "BOT", "SELL": "SLD", "BOT": "BOT", "SLD": "SLD"}


def to_request(p: PlaceOrder, client_id: int, inst: Instrument, account: str) -> OrderRequest:
    return OrderRequest(
        order_id=p.order_id,
        client_id=client_id,
        instrument=inst,
        action=p.action.upper(),
        total_qty=p.total_qty,
        order_type=p.order_type.upper(),
        lmt_price=p.lmt_price,
        aux_price=p.aux_price,
        tif=p.tif or "DAY",
        account=p.account or account,
        order_ref=p.order_ref,
        what_if=p.what_if,
        outside_rth=p.outside_rth,
    )


def what_if_state(req: OrderRequest) -> OrderState:
    return OrderState(req, 0, OrderStatus.PRE_SUBMITTED, 0.0, req.total_qty, 0.0, 0.0)


class Trading:
    """Turns engine events into messages for the clients that own or watch them."""

    def __init__(self, server: SimulatorServer) -> None:
        self.server = server
        self._announced: set[tuple[int, int]] = set()  # (clientId, orderId) with openOrder sent

    # --- engine events ---------------------------------------------------------------------

    def emit(self, events: EngineEvents, *, quiet_cancel: bool = False) -> None:
        pending: dict[int, list[Execution]] = {}
        for e in events.executions:
            pending.setdefault(e.perm_id, []).append(e)
        # Fills go with the last state of their order in the batch: openOrder/Submitted first,
        # then execDetails, the status that reports the fill, and its commission report.
        last = {state.perm_id: i for i, state in enumerate(events.orders)}
        for i, state in enumerate(events.orders):
            session = self.server.session_for(state.request.client_id)
            execs = pending.pop(state.perm_id, []) if last[state.perm_id] == i else []
            if session is None:
                continue
            self._send_order(session, state, execs, quiet_cancel=quiet_cancel)
        for execs in pending.values():  # fills whose order state the engine did not repeat
            for e in execs:
                session = self.server.session_for(e.client_id)
                if session is not None:
                    session.send(out.exec_details(-1, e))
                    session.send(out.commission_report(e))
        if events.accounts_changed:
            self.server.accounts.push(events.accounts_changed)

    def _send_order(self, session: Session, state: OrderState, execs: list[Execution],
                    *, quiet_cancel: bool) -> None:  # fmt: skip
        req = state.request
        key = (req.client_id, req.order_id)
        for e in execs:
            session.send(out.exec_details(-1, e))
        if key not in self._announced or state.status in _DONE:
            self._announced.add(key)
            session.send(out.open_order(state))
        session.send(out.order_status(state))
        for e in execs:
            session.send(out.commission_report(e))
        if state.status == OrderStatus.CANCELLED and not quiet_cancel:
            session.send(out.error(req.order_id, 202, "Order Canceled - reason:"))
        if state.status in _DONE:
            self._announced.discard(key)

    # --- requests --------------------------------------------------------------------------

    def place(self, session: Session, p: PlaceOrder) -> None:
        srv = self.server
        assert session.client_id is not None
        srv.note_order_id(p.order_id)
        insts = srv.resolve(p.contract)
        if len(insts) != 1:
            srv.no_security(session, p.order_id, p.contract.describe(), len(insts))
            return
        if p.order_type.upper() not in ORDER_TYPES:
            session.send(out.error(p.order_id, 387, "Unsupported order type for this exchange "
                                                    "and security type."))  # fmt: skip
            return
        req = to_request(p, session.client_id, insts[0], srv.world.accounts[0])
        now = srv.clock.now()
        if p.what_if:
            try:
                impact = srv.world.what_if(req, now)
            except ValueError as exc:
                session.send(out.error(p.order_id, 201, f"Order rejected - reason:{exc}"))
                return
            session.send(out.open_order(what_if_state(req), impact))
            return
        if srv.faults.take_rejection():
            log.warning("fault: rejecting order %d of client %d", p.order_id, session.client_id)
            session.send(out.error(p.order_id, 201, "Order rejected - reason:Simulated "
                                                    "rejection (fault injection)"))  # fmt: skip
            return
        open_ids = {s.request.order_id for s in srv.world.open_orders(session.client_id)}
        if p.order_id in open_ids:
            # A modification: the engine has no amend, so replace the resting order quietly.
            self.emit(srv.world.cancel(p.order_id, session.client_id, now), quiet_cancel=True)
        try:
            events = srv.world.place(req, now)
        except ValueError as exc:  # OrderRejected (and bad input the engine refuses)
            session.send(out.error(p.order_id, 201, f"Order rejected - reason:{exc}"))
            return
        self.emit(events)

    def cancel(self, session: Session, order_id: int) -> None:
        assert session.client_id is not None
        try:
            events = self.server.world.cancel(order_id, session.client_id, self.server.clock.now())
        except KeyError:
            session.send(out.error(order_id, 10147, f"OrderId {order_id} that needs to be "
                                                    "cancelled is not found."))  # fmt: skip
            return
        self.emit(events)

    def global_cancel(self) -> None:
        self.emit(self.server.world.cancel_all(self.server.clock.now()))

    def open_orders(self, session: Session, *, all_clients: bool) -> None:
        world = self.server.world
        for state in world.open_orders(None if all_clients else session.client_id):
            self._announced.add((state.request.client_id, state.request.order_id))
            session.send(out.open_order(state))
            session.send(out.order_status(state))
        session.send(out.open_order_end())

    def completed_orders(self, session: Session) -> None:
        stamp = out.ib_time(self.server.clock.now())
        for state in self.server.world.completed_orders():
            session.send(out.completed_order(state, stamp))
        session.send(out.completed_orders_end())

    def executions(self, session: Session, f: ExecFilter) -> None:
        since = parse_exec_time(f.time)
        side = _SIDES.get(f.side.upper(), "")
        for e in self.server.world.executions(
            client_id=f.client_id, account=f.account, since=since, symbol=f.symbol,
            sec_type=f.sec_type,
        ):  # fmt: skip
            if side and e.side != side:
                continue
            session.send(out.exec_details(f.req_id, e))
            session.send(out.commission_report(e))
        session.send(out.exec_details_end(f.req_id))


def parse_exec_time(text: str) -> datetime | None:
    """ExecutionFilter.time: 'yyyymmdd hh:mm:ss' (optionally with a zone, or '-' for UTC)."""
    if not text.strip():
        return None
    try:
        return parse_end(text, datetime.now(UTC))
    except EndTimeError:
        return None
