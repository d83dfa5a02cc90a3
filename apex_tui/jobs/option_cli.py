"""`apex-tui backfill --options AAPL ...` and `--chains AAPL`: option jobs, headless.

Both connect first (the chain decides which contracts exist). `--chains` stores the chosen
contracts of today's chain in `option_chains` and exits 0; `--options` also runs the bars job
of those contracts (persisted and resumable like a stock job) and exits 0 only when complete.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from rich.console import Console

from apex_tui.domain.clock import SystemClock
from apex_tui.domain.errors import ApexError, ValidationError
from apex_tui.jobs import cli as backfill_cli
from apex_tui.jobs.cli import (
    ProgressView,
    make_runner,
    open_source,
    report,
    require_range,
    use_source,
)
from apex_tui.jobs.option_spec import OptionBackfillSpec, OptionChainSpec
from apex_tui.jobs.options import (
    ChainSnapshot,
    as_option_source,
    create_option_job,
    snapshot_chain,
    write_chain,
)
from apex_tui.jobs.state import JobState
from apex_tui.store.cli import data_settings
from apex_tui.store.lake import Lake


def parse_specs(args: argparse.Namespace) -> OptionChainSpec | OptionBackfillSpec:
    """The chain spec (`--chains`) or the option-bars spec (`--options`); ValidationError."""
    if args.chains:
        for flag in ("bar_size", "start", "end"):
            if getattr(args, flag, None) is not None:
                name = "--" + flag.replace("_", "-")
                raise ValidationError(f"--chains takes no {name} (it fetches no bars)")
        return OptionChainSpec.create(
            args.chains, args.expiries or "all", args.strikes or "all", args.rights
        )
    require_range(args, "--options")
    chain = OptionChainSpec.create(
        args.options, args.expiries or "next:1", args.strikes or "atm:5", args.rights
    )
    return OptionBackfillSpec.create(
        chain, args.bar_size, args.start, args.end, what_to_show=args.what, rth=args.rth
    )


def _connect(args: argparse.Namespace) -> object:
    # Looked up on the module at call time: tests replace `cli.make_source` with a fake.
    return backfill_cli.make_source(
        getattr(args, "settings", None), getattr(args, "client_id", None)
    )


def chain_summary(snap: ChainSnapshot, rows_written: int) -> dict[str, Any]:
    return {
        "underlying": snap.underlying,
        "snapshot_time": snap.time.isoformat(),
        "exchange": snap.params.exchange,
        "trading_class": snap.params.trading_class,
        "expiries": list(snap.expiries),
        "reference_price": snap.price,
        "reference_day": snap.price_day.isoformat() if snap.price_day else None,
        "contracts": len(snap.contracts),
        "chain_rows_written": rows_written,
        "broker_calls": snap.broker_calls,
    }


def run(args: argparse.Namespace, console: Console) -> int:
    try:
        spec = parse_specs(args)
    except ValidationError as exc:
        console.print(f"[red]backfill:[/] {exc}")
        return 2
    backfill_cli.log_to_file(getattr(args, "settings", None))
    try:
        if isinstance(spec, OptionChainSpec):
            summary = asyncio.run(_chains(args, spec, console))
            _print(summary, args.json, console)
            return 0
        job, chain = asyncio.run(_options(args, spec, console))
    except ValidationError as exc:  # the chain lacks what was asked: a usage error
        console.print(f"[red]backfill:[/] {exc}")
        return 2
    except ApexError as exc:
        console.print(f"[red]backfill failed:[/] {exc}")
        return 1
    return report(job, args.json, console, chain=chain)


def _print(summary: dict[str, Any], as_json: bool, console: Console) -> None:
    if as_json:
        sys.stdout.write(json.dumps(summary, indent=2) + "\n")
    else:
        console.print(
            f"{summary['underlying']}: {summary['contracts']} contracts of "
            f"{len(summary['expiries'])} expiries, {summary['chain_rows_written']} new rows"
        )


async def _chains(
    args: argparse.Namespace, spec: OptionChainSpec, console: Console
) -> dict[str, Any]:
    lake = Lake.open(data_settings(args))
    console.print(f"[bold]chain snapshot[/] {spec.describe()}")
    made = _connect(args)
    async with open_source(made) as connected:
        source = as_option_source(connected)
        snap = await snapshot_chain(source, spec, lake.bars, now=SystemClock().now())
    result = await asyncio.to_thread(write_chain, lake.option_chains, snap)
    return chain_summary(snap, result.rows_written)


async def _options(
    args: argparse.Namespace, spec: OptionBackfillSpec, console: Console
) -> tuple[JobState, dict[str, Any]]:
    lake = Lake.open(data_settings(args))
    console.print(f"[bold]backfill[/] {spec.describe()}")
    view = ProgressView(console)
    runner = make_runner(args, lake, view)
    with view.progress:
        view.info("connecting")
        made = _connect(args)
        async with open_source(made) as connected:
            source = as_option_source(connected)
            use_source(runner, source)
            view.info("chain snapshot")
            start = await create_option_job(runner, source, lake.option_chains, spec)
            view.show(start.job)
            done = await runner.run(start.job.id)
    return done, chain_summary(start.snapshot, start.chain_rows_written)
