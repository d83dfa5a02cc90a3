"""Which classes' bindings the help screen and docs list, and under which heading."""

from __future__ import annotations

from typing import Any

from apex_tui.flags import FlagBoard
from apex_tui.tui.keymap import KeyRow, binding_rows, display_key


def key_groups() -> list[tuple[str, type[Any]]]:
    """(heading, class) for every place that declares bindings, in help-screen order."""
    # Imported here: the app module imports the help screen, which imports this.
    from apex_tui.tui.app import ApexApp  # noqa: PLC0415
    from apex_tui.tui.panes.health import HealthPane  # noqa: PLC0415
    from apex_tui.tui.panes.jobs import JobsPane  # noqa: PLC0415
    from apex_tui.tui.panes.log import LogPane  # noqa: PLC0415
    from apex_tui.tui.panes.positions import PositionsPane  # noqa: PLC0415
    from apex_tui.tui.panes.quote_table import QuoteTable  # noqa: PLC0415
    from apex_tui.tui.panes.quotes import QuotesPane  # noqa: PLC0415
    from apex_tui.tui.panes.signals import SignalsPane  # noqa: PLC0415
    from apex_tui.tui.screens.approval_card import ApprovalCard  # noqa: PLC0415
    from apex_tui.tui.screens.backfill_form import BackfillForm  # noqa: PLC0415
    from apex_tui.tui.screens.confirm import ConfirmScreen  # noqa: PLC0415
    from apex_tui.tui.screens.flags import FlagsScreen  # noqa: PLC0415
    from apex_tui.tui.screens.help import HelpScreen  # noqa: PLC0415

    return [
        ("Everywhere", ApexApp),
        ("Quotes", QuotesPane),
        ("Quotes", QuoteTable),
        ("Positions and orders", PositionsPane),
        ("Signals and approvals", SignalsPane),
        ("Health", HealthPane),
        ("Jobs", JobsPane),
        ("Approval card", ApprovalCard),
        ("Backfill form", BackfillForm),
        ("Log pane", LogPane),
        ("Confirmation", ConfirmScreen),
        ("Flags screen", FlagsScreen),
        ("Help screen", HelpScreen),
    ]


def flag_key_rows(board: FlagBoard) -> list[KeyRow]:
    """The direct flag hotkeys (they come from config, so they are bound per app instance)."""
    from apex_tui.tui.screens.flags import flag_bindings  # noqa: PLC0415

    return [
        KeyRow("Feature flags", display_key(b.key), b.tooltip or b.description)
        for b in flag_bindings(board)
    ]


def all_key_rows(board: FlagBoard) -> list[KeyRow]:
    """Every binding of the app: the classes' own, then the flag hotkeys."""
    return [*binding_rows(key_groups()), *flag_key_rows(board)]
