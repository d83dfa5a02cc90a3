"""Client -> server messages at server version 178, parsed field by field.

Each parser takes a `Reader` positioned just after the message id and mirrors the matching
`ib_async.client.Client` method, so a field the client adds shifts nothing silently: a short
or malformed message raises `FieldError`, which the server answers with an IB-style error.
"""

from __future__ import annotations

from dataclasses import dataclass

from apex_tui.sim.wire import UNSET_DOUBLE, FieldError, Reader

SERVER_VERSION = 178

# Fields each order-condition type carries after its type id (ib_async's condition dataclasses).
_CONDITION_FIELDS = {1: 6, 3: 3, 4: 3, 5: 4, 6: 5, 7: 5}


@dataclass(frozen=True, slots=True)
class ContractSpec:
    """The 12 contract fields every request carries ("C12")."""

    con_id: int
    symbol: str
    sec_type: str
    expiry: str
    strike: float
    right: str
    multiplier: str
    exchange: str
    primary_exchange: str
    currency: str
    local_symbol: str
    trading_class: str

    def describe(self) -> str:
        return f"{self.symbol or self.con_id} {self.sec_type}".strip()


def read_contract(r: Reader) -> ContractSpec:
    return ContractSpec(
        con_id=r.integer(),
        symbol=r.string(),
        sec_type=r.string(),
        expiry=r.string(),
        strike=r.number() or 0.0,
        right=r.string(),
        multiplier=r.string(),
        exchange=r.string(),
        primary_exchange=r.string(),
        currency=r.string(),
        local_symbol=r.string(),
        trading_class=r.string(),
    )


def _skip_bag_legs(r: Reader, contract: ContractSpec, per_leg: int) -> None:
    if contract.sec_type == "BAG":
        r.skip(r.integer() * per_leg)


@dataclass(frozen=True, slots=True)
class MktDataRequest:
    req_id: int
    contract: ContractSpec
    generic_ticks: str
    snapshot: bool
    regulatory_snapshot: bool


def parse_req_mkt_data(r: Reader) -> MktDataRequest:
    r.integer()  # version 11
    req_id = r.integer()
    contract = read_contract(r)
    _skip_bag_legs(r, contract, 4)
    if r.flag():  # delta-neutral contract follows
        r.skip(3)
    generic = r.string()
    snapshot = r.flag()
    regulatory = r.flag() if r.remaining() else False
    return MktDataRequest(req_id, contract, generic, snapshot, regulatory)


@dataclass(frozen=True, slots=True)
class HistoricalRequest:
    req_id: int
    contract: ContractSpec
    end: str
    bar_size: str
    duration: str
    use_rth: bool
    what_to_show: str
    format_date: int
    keep_up_to_date: bool


def parse_req_historical_data(r: Reader) -> HistoricalRequest:
    req_id = r.integer()
    contract = read_contract(r)
    r.flag()  # includeExpired
    end = r.string()
    bar_size = r.string()
    duration = r.string()
    use_rth = r.flag()
    what = r.string()
    format_date = r.integer(1)
    _skip_bag_legs(r, contract, 4)
    keep = r.flag()
    r.opt_str()  # chartOptions
    return HistoricalRequest(
        req_id, contract, end, bar_size, duration, use_rth, what, format_date, keep
    )


def parse_req_contract_details(r: Reader) -> tuple[int, ContractSpec]:
    r.integer()  # version 8
    req_id = r.integer()
    contract = read_contract(r)
    r.flag()  # includeExpired
    r.opt_str()  # secIdType
    r.opt_str()  # secId
    r.opt_str()  # issuerId
    return req_id, contract


@dataclass(frozen=True, slots=True)
class ExecFilter:
    req_id: int
    client_id: int
    account: str
    time: str
    symbol: str
    sec_type: str
    exchange: str
    side: str


def parse_req_executions(r: Reader) -> ExecFilter:
    r.integer()  # version 3
    return ExecFilter(
        req_id=r.integer(),
        client_id=r.integer(),
        account=r.string(),
        time=r.string(),
        symbol=r.string(),
        sec_type=r.string(),
        exchange=r.string(),
        side=r.string(),
    )


@dataclass(frozen=True, slots=True)
class SecDefOptParamsRequest:
    req_id: int
    symbol: str
    fut_fop_exchange: str
    sec_type: str
    con_id: int


def parse_req_sec_def_opt_params(r: Reader) -> SecDefOptParamsRequest:
    return SecDefOptParamsRequest(r.integer(), r.string(), r.string(), r.string(), r.integer())


@dataclass(frozen=True, slots=True)
class PlaceOrder:
    """The order fields the simulator acts on; the rest are read and checked, then dropped."""

    order_id: int
    contract: ContractSpec
    action: str
    total_qty: float
    order_type: str
    lmt_price: float | None
    aux_price: float | None
    tif: str
    account: str
    order_ref: str
    transmit: bool
    parent_id: int
    outside_rth: bool
    what_if: bool


def parse_place_order(r: Reader, version: int = SERVER_VERSION) -> PlaceOrder:
    """Mirror of `Client.placeOrder`: every branch that changes the field count is followed."""
    order_id = r.integer()
    contract = read_contract(r)
    r.skip(2)  # secIdType, secId
    action = r.string()
    total_qty = r.number() or 0.0
    order_type = r.string()
    lmt_price = r.number()
    aux_price = r.number()
    tif = r.string()
    r.string()  # ocaGroup
    account = r.string()
    r.string()  # openClose
    r.integer()  # origin
    order_ref = r.string()
    transmit = r.flag()
    parent_id = r.integer()
    r.skip(4)  # blockOrder, sweepToFill, displaySize, triggerMethod
    outside_rth = r.flag()
    r.flag()  # hidden
    if contract.sec_type == "BAG":
        r.skip(r.integer() * 8)  # combo legs
        r.skip(r.integer())  # order combo leg prices
        r.skip(r.integer() * 2)  # smart combo routing params
    r.skip(7)  # "", discretionaryAmt, goodAfterTime, goodTillDate, faGroup, faMethod, faPct
    if version < 177:
        r.skip(1)  # faProfile
    r.skip(22)  # modelCode .. volatilityType
    if r.string():  # deltaNeutralOrderType
        r.skip(9)
    else:
        r.skip(1)
    r.skip(6)  # continuousUpdate .. scaleSubsLevelSize
    increment = r.number()
    if increment is not None and 0 < increment < UNSET_DOUBLE:
        r.skip(7)
    r.skip(3)  # scaleTable, activeStartTime, activeStopTime
    if r.string():  # hedgeType
        r.skip(1)
    r.skip(4)  # optOutSmartRouting, clearingAccount, clearingIntent, notHeld
    if r.flag():  # delta-neutral contract
        r.skip(3)
    if r.string():  # algoStrategy
        r.skip(r.integer() * 2)
    r.string()  # algoId
    what_if = r.flag()
    r.skip(4)  # orderMiscOptions, solicited, randomizeSize, randomizePrice
    if order_type in {"PEG BENCH", "PEGBENCH"}:
        r.skip(5)
    n_conditions = r.integer()
    if n_conditions:
        for _ in range(n_conditions):
            cond_type = r.integer()
            if cond_type not in _CONDITION_FIELDS:
                raise FieldError(f"unknown order condition type {cond_type}")
            r.skip(_CONDITION_FIELDS[cond_type])
        r.skip(2)  # conditionsIgnoreRth, conditionsCancelOrder
    r.skip(19)  # adjustedOrderType .. usePriceMgmtAlgo
    if version >= 158:
        r.skip(1)  # duration
    if version >= 160:
        r.skip(1)  # postToAts
    if version >= 162:
        r.skip(1)  # autoCancelParent
    if version >= 166:
        r.skip(1)  # advancedErrorOverride
    if version >= 169:
        r.skip(1)  # manualOrderTime
    if version >= 170:
        if contract.exchange == "IBKRATS":
            r.skip(1)
        if order_type in {"PEG BEST", "PEGBEST"}:
            r.skip(1)
            if r.number() == float("inf"):
                r.skip(2)
        elif order_type in {"PEG MID", "PEGMID"}:
            r.skip(2)
    if r.remaining():
        raise FieldError(f"placeOrder has {r.remaining()} unexpected trailing fields")
    return PlaceOrder(
        order_id=order_id,
        contract=contract,
        action=action,
        total_qty=total_qty,
        order_type=order_type,
        lmt_price=lmt_price,
        aux_price=aux_price,
        tif=tif,
        account=account,
        order_ref=order_ref,
        transmit=transmit,
        parent_id=parent_id,
        outside_rth=outside_rth,
        what_if=what_if,
    )


def parse_handshake_versions(text: str) -> tuple[int, int]:
    """The client's 'v157..178' (optionally followed by connect options) as (min, max)."""
    spec = text.split(" ", 1)[0]
    if not spec.startswith("v"):
        raise FieldError(f"bad version range {text!r}")
    lo, sep, hi = spec[1:].partition("..")
    try:
        low = int(lo)
        high = int(hi) if sep else low
    except ValueError:
        raise FieldError(f"bad version range {text!r}") from None
    return low, high
