"""Which classes' bindings the help screen and docs list, and under which heading."""

from __future__ import annotations

from typing import Any


def key_groups() -> list[tuple[str, type[Any]]]:
    """(heading, class) for every place that declares bindings, in help-screen order."""
    # Imported here: the app module imports the help screen, which imports this.
    from apex_tui.tui.app import ApexApp  # noqa: PLC0415
    from apex_tui.tui.panes.quote_table import QuoteTable  # noqa: PLC0415
    from apex_tui.tui.panes.quotes import QuotesPane  # noqa: PLC0415
    from apex_tui.tui.screens.confirm import ConfirmScreen  # noqa: PLC0415
    from apex_tui.tui.screens.help import HelpScreen  # noqa: PLC0415

    return [
        ("Everywhere", ApexApp),
        ("Quotes", QuotesPane),
        ("Quotes", QuoteTable),
        ("Confirmation", ConfirmScreen),
        ("Help screen", HelpScreen),
    ]
