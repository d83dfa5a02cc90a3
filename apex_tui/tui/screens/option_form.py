"""The option-backfill form: underlyings, expiries, strikes, rights, bar size, whatToShow, first
and last session, RTH. Each field goes through the parser the CLI's `backfill --options` uses
(apex_tui.jobs.option_spec, and the stock form's for symbols, bar size and dates), so the form
and the command accept and refuse the same text. A problem shows under its field, named, and
focus goes to the first one; the screen returns one validated spec per underlying, or None
when cancelled. Whether the chain lists what was asked is only known once it is read: that is
checked when the job is created, like the CLI does."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypeVar

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.suggester import SuggestFromList
from textual.widgets import Checkbox, Input, Static

from apex_tui.domain.errors import ValidationError
from apex_tui.jobs.option_spec import (
    ExpirySelector,
    OptionBackfillSpec,
    OptionChainSpec,
    StrikeSelector,
    parse_rights,
)
from apex_tui.store.bar_sizes import BAR_SIZES, validate_what_to_show
from apex_tui.tui.screens.backfill_form import parse_bar_size, parse_day, parse_symbols
from apex_tui.tui.screens.form_screen import FormScreen

T = TypeVar("T")
OptionSpecs = tuple[OptionBackfillSpec, ...]


@dataclass(frozen=True, slots=True)
class Field:
    """One input: its id suffix, label, the name its messages use, and a placeholder."""

    key: str
    label: str
    name: str
    hint: str


FIELDS = (
    Field("symbols", "Underlyings (comma-separated)", "underlyings", "AAPL,MSFT"),
    Field("expiries", "Expiries", "expiries", "next:2, all, 20261127"),
    Field("strikes", "Strikes", "strikes", "atm:3, all, 190,195"),
    Field("rights", "Rights", "rights", "C, P or C,P"),
    Field("bar-size", "Bar size", "bar size", "1 min, 1 hour, 1 day"),
    Field("what", "What to show", "what to show", "TRADES, MIDPOINT"),
    Field("start", "First session", "first session", "2026-11-02"),
    Field("end", "Last session", "last session", "2026-11-06"),
)
_BY_KEY = {f.key: f for f in FIELDS}
# Rows of fields side by side, each row's messages full width below it (a message names its
# field): the form fits a 40-line terminal with every message shown, unwrapped.
_ROWS = (("symbols",), ("expiries", "strikes", "rights"), ("bar-size", "what"), ("start", "end"))
# Hints, not rules: validate_what_to_show accepts any IB-style name, the gateway decides.
_WHATS = ("TRADES", "MIDPOINT", "BID", "ASK", "BID_ASK")


def named(name: str, problem: str) -> str:
    """The problem, led by the field's name unless the parser already named it."""
    return problem if problem.lower().startswith(name) else f"{name}: {problem}"


class OptionForm(FormScreen[OptionSpecs]):
    """`enter` submits when every field is valid; `escape` cancels."""

    DEFAULT_CSS = """
    OptionForm { align: center middle; }
    #option-form {
        width: 76; height: auto; border: thick $primary; background: $surface; padding: 0 1;
    }
    #option-form .form-row { height: auto; }
    #option-form .form-field { width: 1fr; height: auto; margin-right: 1; }
    #option-form .form-label { margin-top: 1; color: $foreground-muted; }
    #option-form Input { border: none; height: 1; padding: 0 1; background: $panel; }
    #option-form Input:focus { background: $panel-lighten-1; }
    #option-form Input.-invalid { background: $error 25%; }
    #option-form .form-error { color: $error; height: auto; display: none; }
    #option-form .form-error.-shown { display: block; }
    #option-form Checkbox { margin-top: 1; border: none; padding: 0; }
    #option-form #opt-keys { margin-top: 1; color: $foreground-muted; }
    """

    def __init__(
        self, *, today: date, symbols: str = "", size: str = "1 min", what: str = "TRADES"
    ) -> None:
        super().__init__()
        self._today = today
        # Real values, as in the stock form: `o` then `enter` backfills the two nearest
        # expiries' three strikes around the money, calls and puts, over the last week.
        self._initial = {
            "symbols": symbols,
            "expiries": "next:2",
            "strikes": "atm:3",
            "rights": "C,P",
            "bar-size": size,
            "what": what,
            "start": (today - timedelta(days=7)).isoformat(),
            "end": today.isoformat(),
        }

    def compose(self) -> ComposeResult:
        with Vertical(id="option-form"):
            yield Static("[b]Option backfill[/b]")
            for row in _ROWS:
                with Horizontal(classes="form-row"):
                    for key in row:
                        yield from self._field(_BY_KEY[key])
                for key in row:
                    yield Static("", id=f"opt-{key}-error", classes="form-error")
            yield Checkbox("Regular trading hours only (RTH)", True, id="opt-rth")
            yield Static("", id="opt-error", classes="form-error")
            yield Static("[b]enter[/b] start   [b]escape[/b] cancel", id="opt-keys")

    def _field(self, field: Field) -> ComposeResult:
        suggester = None
        if field.key == "bar-size":
            sizes = [b.name for b in BAR_SIZES if b.seconds <= 86_400]
            suggester = SuggestFromList(sizes, case_sensitive=False)
        elif field.key == "what":
            suggester = SuggestFromList(_WHATS, case_sensitive=False)
        with Vertical(classes="form-field"):
            yield Static(field.label, classes="form-label")
            yield Input(
                self._initial[field.key],
                placeholder=field.hint,
                id=f"opt-{field.key}",
                suggester=suggester,
            )

    def on_mount(self) -> None:
        self.query_one("#opt-symbols", Input).focus()

    def _input(self, key: str) -> Input:
        return self.query_one(f"#opt-{key}", Input)

    def _say(self, widget_id: str, text: str) -> None:
        message = self.query_one(f"#{widget_id}", Static)
        message.update(text)
        message.set_class(bool(text), "-shown")  # an empty message takes no line

    def _show(self, key: str, error: str | None) -> None:
        self._say(f"opt-{key}-error", error or "")
        self._input(key).set_class(error is not None, "-invalid")

    def validate_all(self) -> OptionSpecs | None:
        """Check every field, each problem under its field; one spec per underlying when all
        pass. `errors` keeps FIELDS order, so the first bad field is the first on screen."""
        errors: dict[str, str] = {}

        def check(key: str, parse: Callable[[str], T]) -> T | None:
            try:
                return parse(self._input(key).value)
            except ValidationError as exc:
                errors[key] = named(_BY_KEY[key].name, str(exc))
                return None

        underlyings = check("symbols", parse_symbols)
        expiries = check("expiries", ExpirySelector.parse)
        strikes = check("strikes", StrikeSelector.parse)
        rights = check("rights", parse_rights)
        size = check("bar-size", parse_bar_size)
        what = check("what", validate_what_to_show)
        start = check("start", lambda t: parse_day(t, "first session", self._today))
        end = check("end", lambda t: parse_day(t, "last session", self._today))
        if start is not None and end is not None and end < start:
            errors["end"] = f"last session {end} is before the first {start}"
        for field in FIELDS:
            self._show(field.key, errors.get(field.key))
        self._say(
            "opt-error", "to fix: " + ", ".join(_BY_KEY[k].name for k in errors) if errors else ""
        )
        if (
            errors
            or underlyings is None
            or expiries is None
            or strikes is None
            or rights is None
            or size is None
            or what is None
            or start is None
            or end is None
        ):
            return None
        rth = self.query_one("#opt-rth", Checkbox).value
        try:
            return tuple(
                OptionBackfillSpec.create(
                    OptionChainSpec(symbol, expiries, strikes, rights),
                    size,
                    start,
                    end,
                    what_to_show=what,
                    rth=rth,
                )
                for symbol in underlyings
            )
        except ValidationError as exc:  # the spec's own checks, should the fields miss one
            self._say("opt-error", str(exc))
            return None
