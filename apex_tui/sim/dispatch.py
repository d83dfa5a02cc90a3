"""The request handlers, one per client message id, and the table the server dispatches on.

Each handler receives the server, the calling session and a `Reader` positioned after the
message id; it parses with `apex_tui.sim.incoming` and answers through `session.send`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from apex_tui.sim import outgoing as out
from apex_tui.sim.historical import EndTimeError, LiveBars, history_message, parse_end
from apex_tui.sim.history import HistoryRequestError
from apex_tui.sim.incoming import (
    parse_place_order,
    parse_req_contract_details,
    parse_req_executions,
    parse_req_historical_data,
    parse_req_mkt_data,
    parse_req_sec_def_opt_params,
)
from apex_tui.sim.marketdata import quote_ticks
from apex_tui.sim.wire import Reader

if TYPE_CHECKING:
    from apex_tui.sim.server import SimulatorServer
    from apex_tui.sim.session import Session

log = logging.getLogger("apex_tui.sim")
Handler = Callable[["SimulatorServer", "Session", Reader], None]
HMDS = "Historical Market Data Service error message:"
# Where each message carries its request id (for errors about a message we could not parse).
_REQ_ID_AT = {1: 2, 2: 2, 3: 1, 4: 2, 7: 2, 9: 2, 20: 1, 25: 2, 62: 2, 63: 2, 76: 2, 77: 2, 78: 1}


def request_id_of(msg_id: int, fields: list[str]) -> int:
    pos = _REQ_ID_AT.get(msg_id)
    if pos is None or pos >= len(fields):
        return -1
    try:
        return int(fields[pos])
    except ValueError:
        return -1


def req_mkt_data(srv: SimulatorServer, s: Session, r: Reader) -> None:
    req = parse_req_mkt_data(r)
    insts = srv.resolve(req.contract)
    if len(insts) != 1:
        srv.no_security(s, req.req_id, req.contract.describe(), len(insts))
        return
    inst = insts[0]
    if not req.snapshot:
        if srv.market.has(s, req.req_id):
            s.send(out.error(req.req_id, 322, f"Duplicate ticker id {req.req_id}"))
            return
        if srv.market.lines_used >= srv.market.max_lines:
            s.send(out.error(req.req_id, 101, "Max number of tickers has been reached"))
            return
    now = srv.clock.now()
    q = srv.world.quote(inst, now)
    for m in srv.market.preamble(s, req.req_id, inst):
        s.send(m)
    for m in quote_ticks(req.req_id, q, None):
        s.send(m)
    if req.snapshot:
        s.send(out.tick_snapshot_end(req.req_id))
    else:
        srv.market.subscribe(s, req.req_id, inst, q)


def cancel_mkt_data(srv: SimulatorServer, s: Session, r: Reader) -> None:
    r.integer()
    srv.market.cancel(s, r.integer())


def req_historical_data(srv: SimulatorServer, s: Session, r: Reader) -> None:
    req = parse_req_historical_data(r)
    insts = srv.resolve(req.contract)
    if len(insts) != 1:
        srv.no_security(s, req.req_id, req.contract.describe(), len(insts))
        return
    inst = insts[0]
    if "hmds" in srv.faults.farms_down:
        s.send(out.error(req.req_id, 162, HMDS + "HMDS data farm connection is broken"))
        return
    now = srv.clock.now()
    try:
        end = parse_end(req.end, now)
    except EndTimeError as exc:
        s.send(out.error(req.req_id, 10314, f"End Date/Time: The date, time, or time-zone "
                                            f"entered is invalid. {exc}"))  # fmt: skip
        return
    violation = srv.pacing.check(
        request_key=(inst.con_id, req.end, req.bar_size, req.duration, req.what_to_show,
                     req.use_rth, req.keep_up_to_date),
        contract_key=(inst.con_id, inst.exchange, req.what_to_show.upper()),
        bar_size=req.bar_size,
        what_to_show=req.what_to_show,
        open_requests=len(srv.live_bars),
    )  # fmt: skip
    if violation is not None:
        log.info("pacing violation for client %s: %s", s.client_id, violation)
        s.send(out.error(req.req_id, 162, HMDS + "Historical data request pacing violation"))
        return
    try:
        bars = srv.world.bars(inst, end=end, duration=req.duration, bar_size=req.bar_size,
                              what_to_show=req.what_to_show, use_rth=req.use_rth)  # fmt: skip
    except HistoryRequestError as exc:
        text = str(exc)
        s.send(out.error(req.req_id, 162, text if text.startswith(HMDS) else HMDS + text))
        return
    s.send(history_message(req.req_id, inst, bars, end=end, bar_size=req.bar_size,
                           format_date=req.format_date))  # fmt: skip
    if req.keep_up_to_date:
        srv.live_bars[(s.id, req.req_id)] = LiveBars.after(
            s, req.req_id, inst, bar_size=req.bar_size, what=req.what_to_show,
            format_date=req.format_date, bars=bars,
        )  # fmt: skip


def cancel_historical_data(srv: SimulatorServer, s: Session, r: Reader) -> None:
    r.integer()
    srv.live_bars.pop((s.id, r.integer()), None)


def req_contract_details(srv: SimulatorServer, s: Session, r: Reader) -> None:
    req_id, spec = parse_req_contract_details(r)
    insts = srv.resolve(spec)
    if not insts:
        srv.no_security(s, req_id, spec.describe(), 0)
        return
    for inst in insts:
        s.send(out.contract_details(req_id, inst))
    s.send(out.contract_details_end(req_id))


def req_sec_def_opt_params(srv: SimulatorServer, s: Session, r: Reader) -> None:
    req = parse_req_sec_def_opt_params(r)
    for params in srv.world.option_params(req.symbol.upper(), req.con_id):
        s.send(out.sec_def_opt_param(req.req_id, params))
    s.send(out.sec_def_opt_param_end(req.req_id))


def place_order(srv: SimulatorServer, s: Session, r: Reader) -> None:
    srv.trading.place(s, parse_place_order(r, s.version))


def cancel_order(srv: SimulatorServer, s: Session, r: Reader) -> None:
    r.integer()
    srv.trading.cancel(s, r.integer())


def req_open_orders(srv: SimulatorServer, s: Session, r: Reader) -> None:
    srv.trading.open_orders(s, all_clients=False)


def req_all_open_orders(srv: SimulatorServer, s: Session, r: Reader) -> None:
    srv.trading.open_orders(s, all_clients=True)


def req_completed_orders(srv: SimulatorServer, s: Session, r: Reader) -> None:
    srv.trading.completed_orders(s)


def req_executions(srv: SimulatorServer, s: Session, r: Reader) -> None:
    srv.trading.executions(s, parse_req_executions(r))


def req_global_cancel(srv: SimulatorServer, s: Session, r: Reader) -> None:
    srv.trading.global_cancel()


def req_account_updates(srv: SimulatorServer, s: Session, r: Reader) -> None:
    r.integer()
    subscribe = r.flag()
    srv.accounts.account_updates(s, subscribe, r.string())


def req_account_updates_multi(srv: SimulatorServer, s: Session, r: Reader) -> None:
    r.integer()
    req_id = r.integer()
    srv.accounts.account_multi(s, req_id, r.string())


def cancel_account_updates_multi(srv: SimulatorServer, s: Session, r: Reader) -> None:
    r.integer()
    s.account_multi.pop(r.integer(), None)


def req_account_summary(srv: SimulatorServer, s: Session, r: Reader) -> None:
    r.integer()
    req_id = r.integer()
    r.string()  # group
    srv.accounts.summary(s, req_id, r.string())


def req_positions(srv: SimulatorServer, s: Session, r: Reader) -> None:
    srv.accounts.positions(s)


def cancel_positions(srv: SimulatorServer, s: Session, r: Reader) -> None:
    s.positions_subscribed = False


def req_ids(srv: SimulatorServer, s: Session, r: Reader) -> None:
    s.send(out.next_valid_id(srv.next_order_id))


def req_current_time(srv: SimulatorServer, s: Session, r: Reader) -> None:
    s.send(out.current_time(int(srv.clock.now().timestamp())))


def req_market_data_type(srv: SimulatorServer, s: Session, r: Reader) -> None:
    r.integer()
    data_type = r.integer()
    if data_type not in (1, 2, 3, 4):
        s.send(out.error(-1, 321, f"Error validating request.-'bW' : cause - Invalid market "
                                  f"data type {data_type}"))  # fmt: skip
        return
    s.market_data_type = data_type


def req_managed_accounts(srv: SimulatorServer, s: Session, r: Reader) -> None:
    s.send(out.managed_accounts(srv.world.accounts))


def ignore(srv: SimulatorServer, s: Session, r: Reader) -> None:
    """Accepted with no answer, as the gateway does (reqAutoOpenOrders, cancels, log level)."""


HANDLERS: dict[int, Handler] = {
    1: req_mkt_data,
    2: cancel_mkt_data,
    3: place_order,
    4: cancel_order,
    5: req_open_orders,
    6: req_account_updates,
    7: req_executions,
    8: req_ids,
    9: req_contract_details,
    14: ignore,  # setServerLogLevel
    15: ignore,  # reqAutoOpenOrders
    16: req_all_open_orders,
    17: req_managed_accounts,
    20: req_historical_data,
    25: cancel_historical_data,
    49: req_current_time,
    58: req_global_cancel,
    59: req_market_data_type,
    61: req_positions,
    62: req_account_summary,
    63: ignore,  # cancelAccountSummary
    64: cancel_positions,
    76: req_account_updates_multi,
    77: cancel_account_updates_multi,
    78: req_sec_def_opt_params,
    99: req_completed_orders,
}
