"""Option chains and option-bar jobs: snapshot a chain, choose contracts, plan their bars.

A chain snapshot is reqSecDefOptParams (expiries, strikes) plus one reqContractDetails per
chosen expiry (every listed strike and right with its conId); the chosen contracts become rows
of the `option_chains` kind. "N around the money" uses the underlying's daily close of the last
finished session of the range (or of today for a bare snapshot), read from the `bars` kind when
stored, else fetched through the pacer and stored, so asking again costs no request.

Option bars are then planned per contract with the equity planner's rules (IB's duration
limits, whole sessions as "k D", the coverage ledger and the stored-bar counts), each
contract's sessions ending at its expiry and at the last finished session; the runner writes
them to `option_bars` and settles them in the ledger per contract.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from apex_tui.domain.errors import NoData, ValidationError
from apex_tui.jobs.calendar import session_bounds, sessions
from apex_tui.jobs.ledger import CoverageLedger
from apex_tui.jobs.option_spec import OptionBackfillSpec, OptionChainSpec
from apex_tui.jobs.planner import (
    PlannedRequest,
    count_per_session,
    expected_bars,
    interleave,
    plan_series,
    read_range,
)
from apex_tui.jobs.runner import BackfillRunner
from apex_tui.jobs.source import BarRequest, ChainParams, OptionContract, OptionSource
from apex_tui.jobs.state import JobState
from apex_tui.store.bar_sizes import bar_size
from apex_tui.store.bars import BarRepository
from apex_tui.store.option_bars import OptionBarRepository
from apex_tui.store.option_chains import OptionChainRepository, chain_table
from apex_tui.store.repository import WriteResult

_LOOKBACK = timedelta(days=14)  # finds the last finished session across any holiday run


@dataclass(frozen=True, slots=True)
class ChainSnapshot:
    """What one chain snapshot found and chose."""

    underlying: str
    time: datetime
    params: ChainParams
    expiries: tuple[str, ...]  # chosen
    price: float | None  # the underlying's reference close (atm selection only)
    price_day: date | None
    contracts: tuple[OptionContract, ...]  # chosen, by expiry, strike, right
    broker_calls: int  # params + contract details + reference price fetches


@dataclass(frozen=True, slots=True)
class OptionJobStart:
    """A created option job, the chain snapshot it came from, chain rows newly stored."""

    job: JobState
    snapshot: ChainSnapshot
    chain_rows_written: int


def last_finished_session(on_or_before: date, now: datetime) -> date:
    """The last session on or before `on_or_before` whose regular hours closed by `now`."""
    for day in reversed(sessions(on_or_before - _LOOKBACK, on_or_before)):
        if session_bounds(day, True)[1] <= now:
            return day
    raise ValidationError(f"no finished trading session on or before {on_or_before}")


def pick_params(found: list[ChainParams], underlying: str) -> ChainParams:
    """SMART first, and the trading class named like the underlying (SPX over SPXW)."""
    if not found:
        raise ValidationError(f"{underlying}: IB lists no options for this symbol")

    def rank(p: ChainParams) -> tuple[int, int, int]:
        return (p.exchange != "SMART", p.trading_class != underlying, -len(p.expirations))

    return sorted(found, key=rank)[0]


async def reference_price(
    source: OptionSource, bars: BarRepository, underlying: str, day: date
) -> float:
    """The underlying's regular-hours daily close on `day` (a finished session)."""
    lo = datetime(day.year, day.month, day.day, tzinfo=UTC)
    stored = await asyncio.to_thread(
        bars.read_bars, underlying, "1 day", "TRADES", lo, lo + timedelta(days=1)
    )
    if stored.height:
        return float(stored["close"][-1])
    req = BarRequest(underlying, "1 day", "TRADES", session_bounds(day, True)[1], "1 D", True)
    rows = [r for r in await source.fetch_bars(req) if r.time == lo]
    if not rows:
        raise NoData(f"{underlying}: no daily bar for {day} to find the money")
    # The session is over, so the bar is final: store it for the next snapshot.
    await asyncio.to_thread(bars.write_bars, underlying, "1 day", "TRADES", rows[-1:])
    return rows[-1].close


async def snapshot_chain(
    source: OptionSource,
    spec: OptionChainSpec,
    bars: BarRepository,
    *,
    now: datetime,
    as_of: date | None = None,
) -> ChainSnapshot:
    """Ask IB for the chain of `spec.underlying` and choose its contracts.

    `as_of`: the day whose close defines the money (default: today)."""
    und = spec.underlying
    params = pick_params(await source.option_params(und), und)
    calls = 1
    expiries = spec.expiries.select(list(params.expirations))
    price: float | None = None
    price_day: date | None = None
    if spec.strikes.needs_price:
        price_day = last_finished_session(as_of or now.date(), now)
        price = await reference_price(source, bars, und, price_day)
        calls += 1
    chosen: list[OptionContract] = []
    for expiry in expiries:
        listed = await source.option_contracts(
            und, expiry, exchange=params.exchange, trading_class=params.trading_class
        )
        calls += 1
        listed = [c for c in listed if c.right in spec.rights]
        if not listed:
            continue  # IB listed the expiry but no contract of these rights: nothing to take
        strikes = spec.strikes.select([c.strike for c in listed], price, expiry)
        keep = [c for c in listed if c.strike in strikes]
        chosen.extend(sorted(keep, key=lambda c: (c.strike, c.right)))
    if not chosen:
        raise ValidationError(f"{spec.describe()}: the chain has no such contracts")
    return ChainSnapshot(und, now, params, tuple(expiries), price, price_day, tuple(chosen), calls)


def write_chain(repo: OptionChainRepository, snap: ChainSnapshot) -> WriteResult:
    """Store the chosen contracts (one row per contract per day; a same-day rerun adds none)."""
    return repo.write(chain_table(snap.time, snap.contracts))


def contract_sessions(spec: OptionBackfillSpec, c: OptionContract, now: datetime) -> list[date]:
    """Sessions of the range the contract traded in: up to its expiry, and finished by now."""
    expiry = date(int(c.expiry[:4]), int(c.expiry[4:6]), int(c.expiry[6:]))
    last = min(spec.end, expiry)
    if last < spec.start:
        return []
    days = sessions(spec.start, last)
    return [d for d in days if session_bounds(d, spec.rth)[1] <= now]


def plan_options(
    spec: OptionBackfillSpec,
    contracts: tuple[OptionContract, ...] | list[OptionContract],
    *,
    now: datetime,
    ledger: CoverageLedger | None = None,
    repo: OptionBarRepository | None = None,
) -> list[PlannedRequest]:
    """Requests still needed for the contracts' bars, contracts interleaved."""
    bs = bar_size(spec.bar_size)
    per_contract: list[list[PlannedRequest]] = []
    stored = _stored_times(spec, contracts, repo, now)
    for c in contracts:
        days = contract_sessions(spec, c, now)
        covered: set[date] = set()
        if ledger is not None:
            covered |= set(
                ledger.covered(c.underlying, bs.name, spec.what_to_show, spec.rth, option=c)
            )
        todo = [d for d in days if d not in covered]
        if todo and stored:
            times = stored.get((c.expiry, c.strike, c.right), [])
            have = count_per_session(times, todo, bs, spec.rth)
            covered |= {d for d, n in have.items() if n >= expected_bars(bs, d, spec.rth)}

        def make(end: datetime, duration: str, c: OptionContract = c) -> BarRequest:
            return BarRequest(
                c.underlying, bs.name, spec.what_to_show, end, duration, spec.rth, option=c
            )

        per_contract.append(plan_series(make, bs, spec.rth, covered, days))
    return interleave(per_contract)


def _stored_times(
    spec: OptionBackfillSpec,
    contracts: tuple[OptionContract, ...] | list[OptionContract],
    repo: OptionBarRepository | None,
    now: datetime,
) -> dict[tuple[str, float, str], list[datetime]]:
    """Stored bar times per (expiry, strike, right) of the contracts, one read per expiry."""
    if repo is None:
        return {}
    bs = bar_size(spec.bar_size)
    out: dict[tuple[str, float, str], list[datetime]] = {}
    for expiry in sorted({c.expiry for c in contracts}):
        days = [d for c in contracts if c.expiry == expiry for d in contract_sessions(spec, c, now)]
        if not days:
            continue
        lo, hi = read_range(sorted(set(days)), bs, spec.rth)
        frame = repo.read_option_bars(
            spec.chain.underlying, bs.name, expiry, what=spec.what_to_show, start=lo, end=hi
        )
        for (strike, right), part in frame.group_by(["strike", "right"]):
            out[(expiry, float(str(strike)), str(right))] = part["time"].sort().to_list()
    return out


def as_option_source(source: object) -> OptionSource:
    """`source` when it serves option chains; ValidationError otherwise."""
    if not all(hasattr(source, m) for m in ("option_params", "option_contracts", "fetch_bars")):
        raise ValidationError("this historical source serves no option chains")
    return source  # type: ignore[return-value]


async def create_option_job(
    runner: BackfillRunner,
    source: OptionSource,
    chains: OptionChainRepository,
    spec: OptionBackfillSpec,
) -> OptionJobStart:
    """Snapshot the chain (stored in `option_chains`), plan the chosen contracts' bars against
    the dataset and persist the job (it does not start: `runner.run(job.id)`)."""
    now = runner.clock.now()
    snap = await snapshot_chain(source, spec.chain, runner.bars, now=now, as_of=spec.end)
    written = await asyncio.to_thread(write_chain, chains, snap)
    planned = await asyncio.to_thread(
        plan_options,
        spec,
        snap.contracts,
        now=now,
        ledger=runner.ledger,
        repo=runner.option_bars,
    )
    job = await asyncio.to_thread(runner.create, spec, planned)
    return OptionJobStart(job, snap, written.rows_written)
