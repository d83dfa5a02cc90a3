"""The flags screen (`f`): every feature flag with its state, hotkey and description, the
flags journal, and `space` to toggle the selected flag. Turning a dangerous flag on asks for
its phrase typed exactly. A toggle takes effect at once: FlagBoard listeners run inside it.

`flag_bindings` gives the app one binding per flag hotkey, all calling one action,
`toggle_flag(name)`, which the app implements with `request_toggle`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from apex_tui.domain.errors import ApexError, ConfirmationRequired
from apex_tui.flags import FlagBoard, FlagChange
from apex_tui.tui.screens.cockpit_modal import CockpitModal
from apex_tui.tui.screens.typed_confirm import TypedConfirmScreen

TOGGLE_ACTION = "toggle_flag"
JOURNAL_LINES = 8
_COLUMNS = (("flag", "Flag"), ("state", "State"), ("key", "Key"), ("about", "Description"))


def flag_bindings(board: FlagBoard) -> list[Binding]:
    """One hidden binding per flag hotkey, calling the app's `toggle_flag('<name>')`."""
    return [
        Binding(
            s.hotkey,
            f"{TOGGLE_ACTION}({s.spec.name!r})",
            f"Toggle {s.spec.name}",
            show=False,
            tooltip=f"Toggle {s.spec.name}: {s.spec.description}",
        )
        for s in board.states()
    ]


def on_off(value: bool) -> str:
    return "on" if value else "off"


def journal_line(change: FlagChange) -> str:
    return f"{change.time:%H:%M:%S}  {change.flag:<16} {on_off(change.old)} -> {on_off(change.new)}"


def request_toggle(
    app: App[Any],
    board: FlagBoard,
    name: str,
    done: Callable[[FlagChange], None] | None = None,
) -> None:
    """Toggle `name`; a dangerous flag first asks for its phrase. Outcomes are notified."""

    def applied(change: FlagChange) -> None:
        app.notify(f"{change.flag} {on_off(change.new)}", title="Flag", timeout=3)
        if done is not None:
            done(change)

    try:
        change = board.toggle(name)
    except ConfirmationRequired as needed:
        spec = next(s.spec for s in board.states() if s.spec.name == name)

        def typed(text: str | None) -> None:
            if text is None:
                return  # cancelled: nothing changes, nothing to say
            try:
                change = board.toggle(name, text)
            except ConfirmationRequired:
                app.notify(
                    f"Wrong phrase: {name} stays off", title="Flag", severity="error", timeout=8
                )
                return
            except ApexError as exc:
                app.notify(str(exc), title="Flag", severity="error", timeout=8)
                return
            applied(change)

        app.push_screen(
            TypedConfirmScreen(
                f"Turn on {name}? It is dangerous.",
                needed.phrase,
                [spec.description],
            ),
            typed,
        )
        return
    except ApexError as exc:  # e.g. the audit log refused the entry: nothing changed
        app.notify(str(exc), title="Flag", severity="error", timeout=8)
        return
    applied(change)


class FlagsScreen(CockpitModal[None]):
    """Lists the flags; `space` toggles the selected one; `escape` or `f` closes."""

    DEFAULT_CSS = """
    FlagsScreen { align: center middle; }
    #flags-box {
        width: 100;
        height: auto;
        max-height: 95%;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    #flags-title { text-style: bold; }
    #flags-table { height: auto; max-height: 14; margin-top: 1; }
    #flags-journal-title { margin-top: 1; text-style: bold; }
    #flags-journal { color: $foreground-muted; height: auto; }
    #flags-keys { margin-top: 1; color: $foreground-muted; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_selected", "Toggle", tooltip="Toggle the selected flag"),
        Binding("escape,f", "close", "Close", tooltip="Close the flags screen"),
    ]

    def __init__(self, board: FlagBoard, *, refresh_s: float = 0.25) -> None:
        super().__init__()
        self.board = board
        self._refresh_s = refresh_s
        self._drawn = -1
        self._names = [s.spec.name for s in board.states()]

    def compose(self) -> ComposeResult:
        with Vertical(id="flags-box"):
            yield Static("Feature flags", id="flags-title")
            table: DataTable[str | Text] = DataTable(
                id="flags-table", cursor_type="row", zebra_stripes=False
            )
            for key, label in _COLUMNS:
                table.add_column(label, key=key)
            yield table
            yield Static("Journal", id="flags-journal-title")
            yield Static("", id="flags-journal")
            yield Static(
                "space toggles · dangerous flags ask for their name typed · esc closes",
                id="flags-keys",
            )

    def on_mount(self) -> None:
        self.pull()
        self.query_one(DataTable).focus()
        self.set_interval(self._refresh_s, self.pull)

    def _color(self, name: str) -> str:
        return self.app.theme_variables.get(name, "")

    def pull(self) -> None:
        """Redraw when the board changed (a hotkey elsewhere counts too)."""
        if self.board.version == self._drawn:
            return
        self._drawn = self.board.version
        table: DataTable[str | Text] = self.query_one(DataTable)
        for state in self.board.states():
            name = state.spec.name
            label = Text(name)
            if state.spec.dangerous:
                label.append(" ⚠", style=self._color("state-warn"))
            color = self._color("state-ok") if state.on else self._color("stale")
            cells: dict[str, str | Text] = {
                "flag": label,
                "state": Text(on_off(state.on).upper(), style=f"bold {color}".strip()),
                "key": state.hotkey,
                "about": state.spec.description,
            }
            if name in table.rows:
                for column, value in cells.items():
                    table.update_cell(name, column, value)
            else:
                table.add_row(*cells.values(), key=name)
        lines = [journal_line(c) for c in reversed(self.board.journal)][:JOURNAL_LINES]
        self.query_one("#flags-journal", Static).update(
            Text("\n".join(lines) if lines else "No toggles yet.")
        )

    def selected(self) -> str:
        return self._names[self.query_one(DataTable).cursor_row]

    def action_toggle_selected(self) -> None:
        request_toggle(self.app, self.board, self.selected(), lambda _change: self.pull())

    def action_close(self) -> None:
        self.dismiss(None)
