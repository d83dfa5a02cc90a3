"""The `apex-tui` command: the TUI by default, plus headless subcommands.

Exit codes: 0 success, 1 a runtime failure, 2 bad configuration or usage.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from apex_tui import __version__
from apex_tui.domain.errors import ConfigError

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2

EXAMPLES = """\
examples:
  apex-tui                              start the TUI on the embedded simulator (config.toml)
  apex-tui --config my.toml --mode paper
                                        connect to IB Gateway paper trading (port 4002)
  apex-tui config check --config my.toml
                                        validate a config file and exit (2 when invalid)
  apex-tui sim --port 7497 --seed 42    run the gateway simulator on its own
"""


@dataclass(frozen=True)
class Subcommand:
    """A subcommand implemented by a module with add_arguments(parser) and run(args) -> int.

    `defaults` names a function in apex_tui.cli_defaults that fills unset arguments from the
    loaded settings (so `--config` applies to headless commands too).
    """

    name: str
    module: str
    help: str
    defaults: str = ""
    takes_config: bool = True


# Headless subcommands live with the package they drive; their modules are imported only when
# the parser is built for them, so `apex-tui config check` never loads Textual.
SUBCOMMANDS: tuple[Subcommand, ...] = (
    Subcommand(
        "sim",
        "apex_tui.sim.cli",
        "run the gateway simulator on its own (loopback)",
        takes_config=False,
    ),
    Subcommand(
        "dataset",
        "apex_tui.store.cli",
        "inspect and repair the Parquet dataset (ls, verify, compact)",
        defaults="settings",
    ),
    Subcommand(
        "backfill",
        "apex_tui.jobs.cli",
        "backfill historical bars into the dataset (headless)",
        defaults="settings",
    ),
    Subcommand(
        "health",
        "apex_tui.health.cli",
        "run every health check once; exit 0 healthy, 1 degraded, 2 unhealthy",
        defaults="settings",
    ),
    Subcommand(
        "journal",
        "apex_tui.orders.cli",
        "print and filter the order journal",
        defaults="journal",
    ),
)


def _config_parent() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--config",
        metavar="PATH",
        help="config file (TOML); default: $APEX_CONFIG_FILE, else built-in defaults",
    )
    return parent


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="apex-tui",
        description="A trader's cockpit for Interactive Brokers in one terminal.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"apex-tui {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    parent = _config_parent()

    run = sub.add_parser(
        "run",
        parents=[parent],
        help="start the TUI (the default command)",
        description=(
            "Start the TUI. Command-line flags override the config file and the environment."
        ),
    )
    run.add_argument("--mode", choices=["sim", "paper", "live"], help="broker mode")
    run.add_argument("--host", help="gateway host (paper/live)")
    run.add_argument("--port", type=int, help="gateway port (paper 4002, live 4001)")
    run.add_argument("--client-id", type=int, dest="client_id", help="API client id")
    run.add_argument("--theme", help="theme name (apex-dark, apex-light, apex-high-contrast)")
    run.add_argument(
        "--live",
        action="store_true",
        help="required, together with mode = 'live' in the config, to connect to a live account",
    )

    config = sub.add_parser("config", help="configuration tools")
    config_sub = config.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    config_sub.add_parser(
        "check", parents=[parent], help="validate the configuration and exit (2 when invalid)"
    )

    for spec in SUBCOMMANDS:
        module = importlib.import_module(spec.module)
        parents = [parent] if spec.takes_config else []
        sp = sub.add_parser(spec.name, parents=parents, help=spec.help)
        module.add_arguments(sp)
        sp.set_defaults(_runner=module.run)
    return parser


def _with_default_command(argv: list[str], parser: argparse.ArgumentParser) -> list[str]:
    """Insert `run` when no subcommand is named, so `apex-tui --config x` starts the TUI."""
    commands = {"run", "config", *(s.name for s in SUBCOMMANDS)}
    if any(a in commands for a in argv):
        return argv
    if any(a in {"-h", "--help", "--version"} for a in argv):
        return argv
    return ["run", *argv]


def run_overrides(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """Turn `run` flags into nested settings overrides (highest precedence)."""
    broker = {
        k: getattr(args, k)
        for k in ("mode", "host", "port", "client_id")
        if getattr(args, k, None) is not None
    }
    out: dict[str, dict[str, Any]] = {}
    if broker:
        out["broker"] = broker
    if getattr(args, "theme", None):
        out["ui"] = {"theme": args.theme}
    return out


def _report_config_error(exc: ConfigError) -> int:
    for line in exc.problems:
        print(f"config error: {line}", file=sys.stderr)
    return EXIT_USAGE


def cmd_config_check(args: argparse.Namespace) -> int:
    from apex_tui.config import load_settings  # noqa: PLC0415 - keep --help fast

    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        return _report_config_error(exc)
    print(f"config OK (mode {settings.broker.mode})")
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    from apex_tui.config import load_settings, resolve_config_path  # noqa: PLC0415
    from apex_tui.tui.launch import launch_tui  # noqa: PLC0415 - loads Textual

    overrides = run_overrides(args)
    try:
        settings = load_settings(args.config, overrides)
    except ConfigError as exc:
        return _report_config_error(exc)
    return launch_tui(
        settings,
        live_flag=args.live,
        config_path=resolve_config_path(args.config),
        cli_overrides=overrides,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    raw = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(_with_default_command(raw, parser))
    handler: Callable[[argparse.Namespace], int]
    if args.command == "config":
        handler = cmd_config_check
    elif args.command == "run":
        handler = cmd_run
    else:
        handler = args._runner
        spec = next(s for s in SUBCOMMANDS if s.name == args.command)
        if spec.defaults:
            from apex_tui import cli_defaults  # noqa: PLC0415

            try:
                getattr(cli_defaults, spec.defaults)(args)
            except ConfigError as exc:
                return _report_config_error(exc)
    try:
        return handler(args)
    except ConfigError as exc:
        return _report_config_error(exc)
    except KeyboardInterrupt:
        return EXIT_FAILURE


if __name__ == "__main__":
    raise SystemExit(main())
