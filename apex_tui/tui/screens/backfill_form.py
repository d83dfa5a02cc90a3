"""The new-backfill form: symbols, bar size, first and last session, RTH. Every field is
checked on submit (and again as it is edited once it showed a problem), with the reason under
the field; the screen returns a validated BackfillSpec, or None when cancelled."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import TypeVar

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Checkbox, Input, Static

from apex_tui.domain.errors import ValidationError
from apex_tui.domain.symbols import validate_symbol
from apex_tui.jobs.spec import BackfillSpec
from apex_tui.store.bar_sizes import bar_size
from apex_tui.tui.screens.form_screen import FormScreen

T = TypeVar("T")
FIELDS = ("symbols", "bar-size", "start", "end")
MAX_SYMBOLS = 100


def parse_symbols(text: str) -> tuple[str, ...]:
    """Comma-separated symbols (a symbol may hold one inner space, e.g. 'BRK B')."""
    parts = [p for p in (s.strip() for s in text.split(",")) if p]
    if not parts:
        raise ValidationError("enter at least one symbol, e.g. AAPL,MSFT")
    if len(parts) > MAX_SYMBOLS:
        raise ValidationError(f"at most {MAX_SYMBOLS} symbols per job")
    return tuple(dict.fromkeys(validate_symbol(p) for p in parts))


def parse_bar_size(text: str) -> str:
    try:
        size = bar_size(text)
    except ValidationError:
        # IB's full list is long: name the common ones; the spelling must be IB's.
        raise ValidationError(
            f"bar size {text.strip()!r} is not IB's: e.g. 30 secs, 1 min, 5 mins, 1 hour, 1 day"
        ) from None
    if size.seconds > 86_400:
        raise ValidationError(f"bar size {size.name!r}: backfill goes up to '1 day'")
    return size.name


def parse_day(text: str, what: str, today: date) -> date:
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(f"{what} must be a date as YYYY-MM-DD, e.g. 2026-11-02") from None
    if day > today:
        raise ValidationError(f"{what} {day} is in the future (today is {today})")
    return day


class BackfillForm(FormScreen[BackfillSpec]):
    """`enter` submits when every field is valid; `escape` cancels."""

    DEFAULT_CSS = """
    BackfillForm { align: center middle; }
    #backfill-form {
        width: 64; height: auto; border: thick $primary; background: $surface; padding: 0 1;
    }
    #backfill-form > .form-label { margin-top: 1; color: $foreground-muted; }
    #backfill-form > Input { border: none; height: 1; padding: 0 1; background: $panel; }
    #backfill-form > Input:focus { background: $panel-lighten-1; }
    #backfill-form > Input.-invalid { background: $error 25%; }
    #backfill-form > .form-error { color: $error; height: auto; }
    #backfill-form > Checkbox { margin-top: 1; border: none; padding: 0; }
    #backfill-form > #form-keys { margin-top: 1; color: $foreground-muted; }
    """

    def __init__(self, *, today: date, symbols: str = "", size: str = "1 min") -> None:
        super().__init__()
        self._today = today
        # Real values, not placeholders: a newcomer's `b` then `enter` starts a sensible job
        # (the last week of the watchlist's first symbols).
        self._initial = {
            "symbols": symbols,
            "bar-size": size,
            "start": (today - timedelta(days=7)).isoformat(),
            "end": today.isoformat(),
        }

    def compose(self) -> ComposeResult:
        with Vertical(id="backfill-form"):
            yield Static("[b]New backfill[/b]")
            for field, label, hint in (
                ("symbols", "Symbols (comma-separated)", "AAPL,MSFT"),
                ("bar-size", "Bar size", "1 min, 5 mins, 1 hour, 1 day"),
                ("start", "First session (YYYY-MM-DD)", "2026-11-02"),
                ("end", "Last session (YYYY-MM-DD)", self._today.isoformat()),
            ):
                yield Static(label, classes="form-label")
                yield Input(self._initial.get(field, ""), placeholder=hint, id=f"form-{field}")
                yield Static("", id=f"form-{field}-error", classes="form-error")
            yield Checkbox("Regular trading hours only (RTH)", True, id="form-rth")
            yield Static("", id="form-error", classes="form-error")
            yield Static("[b]enter[/b] start   [b]escape[/b] cancel", id="form-keys")

    def on_mount(self) -> None:
        self.query_one("#form-symbols", Input).focus()

    def _value(self, field: str) -> str:
        return self.query_one(f"#form-{field}", Input).value

    def _show(self, field: str, error: str | None) -> None:
        self.query_one(f"#form-{field}-error", Static).update(error or "")
        self.query_one(f"#form-{field}", Input).set_class(error is not None, "-invalid")

    def validate_all(self) -> BackfillSpec | None:
        """Check every field, showing each problem under its field; the spec when all pass."""
        errors: dict[str, str] = {}

        def check(field: str, parse: Callable[[str], T]) -> T | None:
            try:
                return parse(self._value(field))
            except ValidationError as exc:
                errors[field] = str(exc)
                return None

        symbols = check("symbols", parse_symbols)
        size = check("bar-size", parse_bar_size)
        start = check("start", lambda t: parse_day(t, "first session", self._today))
        end = check("end", lambda t: parse_day(t, "last session", self._today))
        if start is not None and end is not None and end < start:
            errors["end"] = f"last session {end} is before the first {start}"
        for field in FIELDS:
            self._show(field, errors.get(field))
        self.query_one("#form-error", Static).update("")
        if errors or symbols is None or size is None or start is None or end is None:
            return None
        try:
            rth = self.query_one("#form-rth", Checkbox).value
            return BackfillSpec.create(symbols, size, start, end, rth=rth)
        except ValidationError as exc:  # the spec's own checks, should the fields miss one
            self.query_one("#form-error", Static).update(str(exc))
            return None
