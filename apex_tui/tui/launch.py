"""Start the TUI for `apex-tui run`: gates, logging, the Engine, then the app."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from apex_tui.config import Settings
from apex_tui.core.engine import Engine
from apex_tui.logging import configure_logging, get_logger
from apex_tui.tui.app import ApexApp

log = get_logger(__name__)


def live_gate_problem(settings: Settings, live_flag: bool) -> str | None:
    """Why a live session must not start, or None. Live needs the config AND the flag."""
    mode = settings.broker.mode
    if mode == "live" and not live_flag:
        return "mode is 'live' in the config but --live was not given; refusing to start"
    if live_flag and mode != "live":
        return f"--live was given but the config says mode = {mode!r}; refusing to start"
    if mode == "live" and not settings.broker.account:
        return "live mode needs broker.account: the account id this session may trade"
    return None


def launch_tui(
    settings: Settings,
    *,
    live_flag: bool,
    config_path: Path | None = None,
    cli_overrides: Mapping[str, Any] | None = None,
) -> int:
    """Run the app until the trader quits; returns the process exit code."""
    problem = live_gate_problem(settings, live_flag)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    configure_logging(
        settings.logging.file,
        settings.logging.level,
        max_bytes=settings.logging.max_bytes,
        backups=settings.logging.backups,
    )
    engine = Engine(settings, live=live_flag)
    log.info("starting", mode=str(settings.broker.mode))
    asyncio.run(_run(engine, config_path, cli_overrides or {}))
    log.info("stopped")
    return 0


async def _run(engine: Engine, config_path: Path | None, cli_overrides: Mapping[str, Any]) -> None:
    # One loop for the app and the connector: ib_async runs on the UI's loop.
    app = ApexApp(engine, config_path=config_path, cli_overrides=cli_overrides, freeze_heap=True)
    try:
        await app.run_async()
    finally:
        await engine.stop()
