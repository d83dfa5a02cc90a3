"""The log pane: the tail of the structured log, newest at the bottom."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import RichLog

from apex_tui.logging import LogRecordView, LogTail

_LEVEL_STYLE = {"ERROR": "bold red", "CRITICAL": "bold red", "WARNING": "yellow", "DEBUG": "dim"}


def format_record(rec: LogRecordView) -> Text:
    """One line: time, level, logger, event and its fields (correlation ids included)."""
    text = Text()
    text.append(rec.time[11:23] + " ", style="dim")
    text.append(f"{rec.level:<7} ", style=_LEVEL_STYLE.get(rec.level, ""))
    text.append(f"{rec.logger} ", style="dim")
    text.append(rec.event)
    if rec.fields:
        text.append("  " + " ".join(f"{k}={v}" for k, v in rec.fields.items()), style="dim")
    return text


class LogPane(RichLog):
    """Shows records from the LogTail as they arrive, polled on the refresh timer."""

    def __init__(self, tail: LogTail, refresh_s: float) -> None:
        super().__init__(id="log-pane", max_lines=2000, wrap=False, markup=False)
        self.border_title = "Log"
        self._tail = tail
        self._seen = 0
        self._refresh_s = refresh_s

    def on_mount(self) -> None:
        self.poll()
        self.set_interval(self._refresh_s, self.poll)

    def poll(self) -> None:
        """Append the records logged since the last poll."""
        version, records = self._tail.snapshot()
        fresh = min(version - self._seen, len(records))
        self._seen = version
        for rec in records[len(records) - fresh :]:
            self.write(format_record(rec))
