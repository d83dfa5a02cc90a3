"""Fill a headless command's unset arguments from the settings (file, env), so `--config`
means the same for every command."""

from __future__ import annotations

import argparse

from apex_tui.config import load_settings


def journal(args: argparse.Namespace) -> None:
    if args.file is None:
        args.file = load_settings(args.config).orders.journal_path


def settings(args: argparse.Namespace) -> None:
    """Give the command the loaded settings as `args.settings`."""
    args.settings = load_settings(args.config)
