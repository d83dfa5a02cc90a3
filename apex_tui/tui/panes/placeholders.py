"""Panes whose data sources have not landed yet: each says plainly what it is waiting for."""

from __future__ import annotations

from apex_tui.tui.panes.base import Pane


class SignalsPane(Pane):
    TITLE = "Signals"
    NUMBER = 3
    EMPTY = "No signals yet."


class RiskPane(Pane):
    TITLE = "Risk"
    NUMBER = 4
    EMPTY = "Risk engine not running: no limits in use."


class JobsPane(Pane):
    TITLE = "Jobs"
    NUMBER = 6
    EMPTY = "No jobs."
