"""The log pane: the tail of the structured log, newest at the bottom.

`v` cycles the lowest level shown, `/` searches (matches highlighted, `n`/`N` jump between
them, `esc` clears), and correlation ids (proposal, order, job) lead each record's fields.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, RichLog

from apex_tui.logging import LogRecordView, LogTail
from apex_tui.tui.panes.polling import Polling

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
_RANK = {"DEBUG": 10, "INFO": 20, "WARNING": 30, "ERROR": 40, "CRITICAL": 50}
CORRELATION_IDS = ("proposal_id", "order_id", "job_id")
MAX_LINES = 2000
# Theme variables (never colours) per part of a line; missing ones fall back to no colour.
_LEVEL_VAR = {"ERROR": "state-bad", "CRITICAL": "state-bad", "WARNING": "state-warn"}
_ID_VAR = "accent"


def level_rank(level: str) -> int:
    return _RANK.get(level.upper(), 0)


def format_record(rec: LogRecordView, palette: Mapping[str, str] | None = None) -> Text:
    """One line: time, level, logger, [correlation ids], event, then the other fields.

    `palette` is the app's theme variables; colours come only from there."""
    colors = palette or {}
    text = Text()
    text.append(rec.time[11:23] + " ", style="dim")
    level_style = colors.get(_LEVEL_VAR.get(rec.level, ""), "")
    if rec.level == "DEBUG":
        level_style = "dim"
    text.append(f"{rec.level:<7} ", style=level_style)
    text.append(f"{rec.logger} ", style="dim")
    ids = [(k, rec.fields[k]) for k in CORRELATION_IDS if k in rec.fields]
    if ids:
        shown = " ".join(f"{k}={v}" for k, v in ids)
        text.append(f"[{shown}] ", style=f"bold {colors.get(_ID_VAR, '')}".strip())
    text.append(rec.event)
    rest = {k: v for k, v in rec.fields.items() if k not in CORRELATION_IDS}
    if rest:
        text.append("  " + " ".join(f"{k}={v}" for k, v in rest.items()), style="dim")
    return text


class LogPane(Polling, Vertical):
    """Shows records from the LogTail as they arrive, polled on the refresh timer."""

    DEFAULT_CSS = """
    LogPane > RichLog { height: 1fr; border: none; background: $surface; }
    LogPane > Input { dock: bottom; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "v",
            "cycle_level",
            "Level",
            tooltip="Log pane: cycle the lowest level shown (DEBUG, INFO, WARNING, ERROR)",
        ),
        Binding("slash", "search", "Search", tooltip="Log pane: search; matches are highlighted"),
        Binding("n", "jump(-1)", "Older match", show=False, tooltip="Log pane: previous match"),
        Binding("N", "jump(1)", "Newer match", show=False, tooltip="Log pane: next match"),
        Binding("escape", "clear_search", "Clear search", show=False),
    ]

    def __init__(self, tail: LogTail, refresh_s: float, *, min_level: str = "DEBUG") -> None:
        super().__init__(id="log-pane")
        self.border_title = "Log"
        self._tail = tail
        self._seen = 0
        self._refresh_s = refresh_s
        self.min_level = min_level
        self.search = ""
        self._shown: deque[str] = deque(maxlen=MAX_LINES)  # plain text of each line shown
        self._cursor: int | None = None  # line of the match last jumped to

    def compose(self) -> ComposeResult:
        yield RichLog(id="log-lines", max_lines=MAX_LINES, wrap=False, markup=False)
        prompt = Input(
            id="log-prompt", compact=True, placeholder="search the log (enter keeps, esc clears)"
        )
        prompt.display = False
        yield prompt

    @property
    def lines(self) -> RichLog:
        return self.query_one("#log-lines", RichLog)

    def on_mount(self) -> None:
        self.poll()
        self.poll_every(self._refresh_s, self.poll)

    # --- feeding -------------------------------------------------------------------------
    def _visible(self, rec: LogRecordView) -> bool:
        return level_rank(rec.level) >= level_rank(self.min_level)

    def _write(self, rec: LogRecordView) -> None:
        text = format_record(rec, self.app.theme_variables)
        if self.search:
            text.highlight_words([self.search], "reverse bold", case_sensitive=False)
        self._shown.append(text.plain)
        self.lines.write(text)

    def poll(self) -> None:
        """Append the records logged since the last poll (while hidden it waits: the tail keeps
        the last records and the next poll catches up)."""
        if not self.display:
            return
        version, records = self._tail.snapshot()
        fresh = min(version - self._seen, len(records))
        self._seen = version
        for rec in records[len(records) - fresh :]:
            if self._visible(rec):
                self._write(rec)

    def rebuild(self) -> None:
        """Redraw every record in the tail under the current level and search."""
        self.lines.clear()
        self._shown.clear()
        self._cursor = None
        self._seen, records = self._tail.snapshot()
        for rec in records:
            if self._visible(rec):
                self._write(rec)
        self._update_subtitle()

    def _update_subtitle(self) -> None:
        parts = [f"≥ {self.min_level}"]
        if self.search:
            parts.append(f"“{self.search}”: {len(self.matches())} matches")
        self.border_subtitle = " · ".join(parts)

    # --- level filter --------------------------------------------------------------------
    def action_cycle_level(self) -> None:
        """Show only records at or above the next level (wrapping back to DEBUG)."""
        index = LEVELS.index(self.min_level) if self.min_level in LEVELS else -1
        self.min_level = LEVELS[(index + 1) % len(LEVELS)]
        self.rebuild()

    # --- search --------------------------------------------------------------------------
    def matches(self) -> list[int]:
        """Line numbers (0 = oldest shown) whose text contains the search, any case."""
        if not self.search:
            return []
        needle = self.search.casefold()
        return [i for i, line in enumerate(self._shown) if needle in line.casefold()]

    def set_search(self, term: str) -> None:
        self.search = term.strip()
        # While browsing matches, new records must not yank the view to the bottom.
        self.lines.auto_scroll = not self.search
        self.rebuild()

    def action_search(self) -> None:
        prompt = self.query_one("#log-prompt", Input)
        prompt.value = self.search
        prompt.display = True
        prompt.focus()

    @on(Input.Changed, "#log-prompt")
    def _search_live(self, event: Input.Changed) -> None:
        event.stop()
        self.set_search(event.value)

    @on(Input.Submitted, "#log-prompt")
    def _search_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.set_search(event.value)
        self._hide_prompt()
        self.action_jump(1)

    def action_clear_search(self) -> None:
        if self.search or self.query_one("#log-prompt", Input).display:
            self.set_search("")
            self._hide_prompt()
            self.lines.scroll_end(animate=False)

    def _hide_prompt(self) -> None:
        self.query_one("#log-prompt", Input).display = False
        self.lines.focus()

    def action_jump(self, step: int) -> None:
        """Scroll to the next newer (step 1) or older (step -1) match; from none, the newest."""
        found = self.matches()
        if not found:
            return
        if self._cursor is None:
            target = found[-1]
        elif step > 0:
            target = next((i for i in found if i > self._cursor), found[-1])
        else:
            target = next((i for i in reversed(found) if i < self._cursor), found[0])
        self._cursor = target
        self.lines.scroll_to(y=max(0, target - self.lines.size.height // 2), animate=False)

    @property
    def cursor(self) -> int | None:
        """The line of the match last jumped to."""
        return self._cursor
