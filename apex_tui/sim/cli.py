"""`apex-tui sim`: run the gateway simulator standalone until Ctrl-C.

    apex-tui sim [--host 127.0.0.1] [--port 7497] [--seed N] [--symbols A,B] [--tick-ms N]
                 [--max-lines N] [--pacing ib|strict|off] [--pacing-scale F] [--faults ...]

The lead's apex_tui/cli.py calls `add_arguments(subparser)` and `run(args)`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys

from apex_tui.sim import faults as faults_module
from apex_tui.sim.faults import FaultScriptError, parse_faults
from apex_tui.sim.pacing import PACING_MODES, PacingMode
from apex_tui.sim.server import SimulatorServer
from apex_tui.sim.server_settings import ServerSettings
from apex_tui.sim.settings import WorldSettings

log = logging.getLogger("apex_tui.sim")
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = "Run the TWS API gateway simulator (server version 178)."
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = "Fault scripts:\n" + (faults_module.__doc__ or "").split("\n", 2)[2]
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (loopback)")
    parser.add_argument("--port", type=int, default=7497, help="TCP port (0 = any free port)")
    parser.add_argument("--seed", type=int, default=7, help="world seed (same seed, same world)")
    parser.add_argument("--symbols", default="", help="comma-separated universe, e.g. AAPL,MSFT")
    parser.add_argument("--tick-ms", type=int, default=250, help="market data aggregation period")
    parser.add_argument("--max-lines", type=int, default=100, help="market data lines budget")
    parser.add_argument(
        "--max-msg-rate",
        type=int,
        default=50,
        help="client messages per second before error 100 (0 = no limit)",
    )
    parser.add_argument(
        "--pacing",
        choices=PACING_MODES,
        default="ib",
        help="historical pacing: ib (bars <= 30 secs), strict (all), off",
    )
    parser.add_argument(
        "--pacing-scale",
        type=float,
        default=1.0,
        help="multiply every pacing window by this factor",
    )
    parser.add_argument(
        "--market-hours",
        choices=("always", "exchange"),
        default="always",
        help="when the simulated market ticks",
    )
    parser.add_argument("--faults", default="", help="fault script (see below)")


def settings_from(args: argparse.Namespace) -> tuple[ServerSettings, WorldSettings]:
    symbols = tuple(s.strip().upper() for s in args.symbols.split(",") if s.strip())
    pacing: PacingMode = args.pacing
    server = ServerSettings(
        host=args.host, port=args.port, max_lines=args.max_lines,
        max_msg_rate=args.max_msg_rate, pacing=pacing, pacing_scale=args.pacing_scale,
        faults=args.faults,
    )  # fmt: skip
    world = WorldSettings(
        seed=args.seed, symbols=symbols or None, tick_ms=args.tick_ms,
        market_hours=args.market_hours,
    )  # fmt: skip
    return server, world


def run(args: argparse.Namespace) -> int:
    """Serve until SIGINT/SIGTERM; 0 on a clean stop, 2 on bad arguments."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s",
                            stream=sys.stderr)  # fmt: skip
    try:
        if args.faults:
            parse_faults(args.faults)
        server_settings, world_settings = settings_from(args)
    except (FaultScriptError, ValueError) as exc:
        print(f"apex-tui sim: {exc}", file=sys.stderr)
        return 2
    if server_settings.host not in LOOPBACK:
        log.warning("!!! binding %s: the simulator is reachable from other machines !!!",
                    server_settings.host)  # fmt: skip
    try:
        asyncio.run(_serve(server_settings, world_settings))
    except OSError as exc:
        print(f"apex-tui sim: cannot listen: {exc}", file=sys.stderr)
        return 1
    return 0


async def _serve(settings: ServerSettings, world_settings: WorldSettings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with SimulatorServer(settings, world_settings) as server:
        print(f"apex-tui sim listening on {settings.host}:{server.port}", file=sys.stderr,
              flush=True)  # fmt: skip
        await stop.wait()
        log.info("shutting down")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="apex-tui sim")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
