"""The `:` command line: one line of input with history (up/down) and symbol completion."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.suggester import Suggester
from textual.widgets import Input, Static


class SymbolSuggester(Suggester):
    """Completes the last word against the watchlist (shown greyed; right arrow accepts)."""

    def __init__(self, symbols: Callable[[], list[str]]) -> None:
        super().__init__(use_cache=False, case_sensitive=False)
        self._symbols = symbols

    async def get_suggestion(self, value: str) -> str | None:
        head, _, last = value.rpartition(" ")
        if not last or not head or last[0].isdigit():
            return None
        for symbol in sorted(self._symbols()):
            if symbol.startswith(last.upper()) and symbol != last.upper():
                return f"{head} {symbol}"
        return None


class CommandBar(Vertical):
    """Hidden until `:`; `enter` submits, `escape` closes, up/down walk the history."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", show=False),
        Binding("up", "history(-1)", "Previous", show=False),
        Binding("down", "history(1)", "Next", show=False),
    ]

    class Submitted(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, symbols: Callable[[], list[str]]) -> None:
        super().__init__(id="command-bar")
        self._symbols = symbols
        self.history: list[str] = []
        self._index = 0

    def compose(self) -> ComposeResult:
        yield Static("", id="command-error")
        yield Input(
            id="command-input",
            placeholder="buy 100 AAPL · sell 50 MSFT lmt 412.50 · cancel all · flatten AAPL · "
            "alert AAPL > 200",
            suggester=SymbolSuggester(self._symbols),
            compact=True,
        )

    @property
    def input(self) -> Input:
        return self.query_one("#command-input", Input)

    def open(self) -> None:
        self.display = True
        self.show_error("")
        self._index = len(self.history)
        self.input.focus()

    def action_close(self) -> None:
        self.input.value = ""
        self.display = False
        self.show_error("")
        self.app.set_focus(None)

    def show_error(self, message: str) -> None:
        error = self.query_one("#command-error", Static)
        error.update(message)
        error.display = bool(message)

    def action_history(self, step: int) -> None:
        if not self.history:
            return
        self._index = max(0, min(self._index + step, len(self.history)))
        self.input.value = self.history[self._index] if self._index < len(self.history) else ""
        self.input.cursor_position = len(self.input.value)

    @on(Input.Submitted, "#command-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            self.action_close()
            return
        if not self.history or self.history[-1] != text:
            self.history.append(text)
        self._index = len(self.history)
        self.post_message(self.Submitted(text))
