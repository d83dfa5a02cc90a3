"""Option chains and option bars against the real simulator (strict pacing, windows x0.02):
the chain lands in option_chains, 2 expiries x 3 strikes x C/P of bars complete without 162
or duplicates, a second run asks nothing, `dataset ls` lists both option kinds, and the
headless command does the same on its own embedded simulator."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from apex_tui.broker.connector import Connector
from apex_tui.core.backfill import BackfillService
from apex_tui.jobs.calendar import session_bounds, sessions
from apex_tui.jobs.option_spec import OptionBackfillSpec, OptionChainSpec
from apex_tui.jobs.options import snapshot_chain, write_chain
from apex_tui.jobs.pacer import Pacer
from apex_tui.jobs.settings import JobsSettings
from apex_tui.store.coverage import coverage
from apex_tui.store.lake import Lake
from tests.integration.jobs.conftest import PACING
from tests.integration.jobs.test_backfill_cli import ROOT, config

pytestmark = pytest.mark.integration


def recent_sessions(n: int) -> list[date]:
    """The last `n` sessions that closed before now (the simulator's history is the past)."""
    now = datetime.now(UTC)
    today = now.date()
    days = [
        d for d in sessions(today - timedelta(days=20), today) if session_bounds(d, True)[1] < now
    ]
    return days[-n:]


def hour_bars(days: list[date]) -> int:
    """1-hour RTH bars of these sessions as IB (and the simulator) cut them: 09:30-10:00, then
    whole hours up to the close (an early close at 13:00 makes four)."""
    total = 0
    for day in days:
        lo, hi = session_bounds(day, True)
        total += 1 + math.ceil((hi - lo - timedelta(minutes=30)) / timedelta(hours=1))
    return total


def option_service(connector: Connector, lake: Lake, state_dir: Path) -> BackfillService:
    settings = JobsSettings(state_dir=str(state_dir), backoff_s=0.05, backoff_max_s=0.5)
    pacer = Pacer(PACING)
    return BackfillService(
        settings,
        lake.bars,
        connector.option_source(pacer),
        pacer,
        connected=lambda: connector.board.is_live,
    )


async def test_chain_snapshot_lands_in_option_chains_and_reads_back(
    connector: Connector, lake: Lake
) -> None:
    source = connector.option_source(Pacer(PACING))
    spec = OptionChainSpec.create("AAPL", "next:2", "atm:4")
    now = datetime.now(UTC)
    snap = await snapshot_chain(source, spec, lake.bars, now=now)
    assert len(snap.expiries) == 2 and snap.expiries == tuple(sorted(snap.expiries))
    assert snap.price is not None and len(snap.contracts) == 2 * 4 * 2
    # The strikes chosen are the four nearest the reference close.
    strikes = sorted({c.strike for c in snap.contracts if c.expiry == snap.expiries[0]})
    listed = sorted(snap.params.strikes)
    nearest = sorted(sorted(listed, key=lambda k: (abs(k - snap.price), k))[:4])  # type: ignore[operator]
    assert strikes == nearest
    assert write_chain(lake.option_chains, snap).rows_written == 16
    assert write_chain(lake.option_chains, snap).rows_written == 0  # same day: no duplicate

    chain = lake.option_chains.read_chain("AAPL")
    assert chain.height == 16
    assert set(chain["expiry"].to_list()) == set(snap.expiries)
    assert set(chain["right"].to_list()) == {"C", "P"}
    assert chain["con_id"].null_count() == 0 and chain["con_id"].n_unique() == 16
    assert all(s.startswith("AAPL") for s in chain["local_symbol"].to_list())
    # The reference close came from IB once and is in the dataset for the next snapshot.
    assert lake.bars.read_bars("AAPL", "1 day").height == 1


async def test_option_bars_complete_without_162_and_a_second_run_asks_nothing(
    connector: Connector, lake: Lake, tmp_path: Path, pacing_log: Callable[[], list[str]]
) -> None:
    days = recent_sessions(3)
    service = option_service(connector, lake, tmp_path / "jobs")
    await service.start()
    chain = OptionChainSpec.create("AAPL", "next:2", "atm:3", "C,P")
    spec = OptionBackfillSpec.create(chain, "1 hour", days[0], days[-1])
    job = await service.create(spec)
    # 12 contracts, the 3 sessions of each in one "3 D" request (1-hour bars allow 30 days).
    assert len(job.requests) == 12
    assert {r.planned.request.duration for r in job.requests} == {"3 D"}
    done = await service.wait_finished(job.id)
    assert done.status == "complete", done.errors
    assert (done.pacing_violations, done.retries, done.count("gap")) == (0, 0, 0)
    assert pacing_log() == []

    expiries = sorted({r.planned.request.option.expiry for r in job.requests})  # type: ignore[union-attr]
    total = 0
    for expiry in expiries:
        df = lake.option_bars.read_option_bars("AAPL", "1 hour", expiry)
        keys = df.select(["strike", "right", "time"])
        assert keys.n_unique() == df.height, "duplicate option bars"
        per = df.group_by(["strike", "right"]).len()
        assert per.height == 6 and set(per["len"].to_list()) == {hour_bars(days)}
        total += df.height
    assert total == done.bars_written == 12 * hour_bars(days)
    # One flush: one file per expiry partition, not one per contract.
    assert len(lake.option_bars.files({"underlying": "AAPL"})) == 2

    budget = service.budget()
    assert budget is not None
    granted = budget.granted
    again = await service.create(spec)
    assert again.requests == []
    assert (await service.wait_finished(again.id)).status == "complete"
    after = service.budget()
    assert after is not None and after.granted == granted  # not one historical request
    views = service.jobs()
    assert views[1].description.startswith("AAPL options expiries next:2 strikes atm:3")
    await service.stop()

    listing = {(c.kind, c.series.split(" expiry=")[0]) for c in coverage(lake.root)}
    assert ("option_bars", "bar_size=1hour what_to_show=TRADES underlying=AAPL") in listing
    assert ("option_chains", "underlying=AAPL") in listing


def apex(cfg: Path, *args: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "apex_tui", *args[:1], "--config", str(cfg), *args[1:]]
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, cwd=ROOT, check=False)


def test_headless_option_backfill_and_chain_snapshot(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    days = recent_sessions(2)
    argv = [
        *("backfill", "--options", "AAPL", "--expiries", "next:2", "--strikes", "atm:2"),
        *("--bar-size", "1 hour", "--start", str(days[0]), "--end", str(days[-1]), "--json"),
    ]
    first = apex(cfg, *argv)
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)  # stdout carries only the summary
    assert (summary["status"], summary["requests"], summary["gaps"]) == ("complete", 8, 0)
    assert summary["bars_written"] == 8 * hour_bars(days) and summary["pacing_violations"] == 0
    assert summary["chain"]["contracts"] == 8 and "8/8" in first.stderr
    again = apex(cfg, *argv)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["requests"] == 0

    chains = apex(cfg, "backfill", "--chains", "AAPL", "--expiries", "next:1", "--json")
    assert chains.returncode == 0, chains.stderr
    snap = json.loads(chains.stdout)
    assert snap["reference_price"] is None and snap["contracts"] > 8
    bad = apex(cfg, "backfill", "--options", "AAPL", "--bar-size", "1 hour")
    assert bad.returncode == 2 and "--options needs --start, --end" in bad.stderr
    listing = apex(cfg, "dataset", "ls", "--json")
    assert listing.returncode == 0, listing.stderr
    kinds = {row["kind"] for row in json.loads(listing.stdout)}
    assert {"option_bars", "option_chains"} <= kinds
