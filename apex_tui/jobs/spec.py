"""What a backfill job asks for, validated before anything is planned or requested."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from apex_tui.domain.errors import ValidationError
from apex_tui.domain.symbols import validate_symbol
from apex_tui.store.bar_sizes import bar_size, validate_what_to_show


@dataclass(frozen=True, slots=True)
class BackfillSpec:
    """Symbols x bar size x whatToShow x sessions [start, end] (inclusive) x RTH flag."""

    symbols: tuple[str, ...]
    bar_size: str
    start: date
    end: date
    what_to_show: str = "TRADES"
    rth: bool = True

    @classmethod
    def create(
        cls,
        symbols: list[str] | tuple[str, ...],
        size: str,
        start: date,
        end: date,
        *,
        what_to_show: str = "TRADES",
        rth: bool = True,
    ) -> BackfillSpec:
        """Validate and canonicalize: symbols, bar size (<= 1 day), whatToShow, date order."""
        syms = tuple(dict.fromkeys(validate_symbol(s) for s in symbols))
        if not syms:
            raise ValidationError("a backfill needs at least one symbol")
        bs = bar_size(size)
        if bs.seconds > 86_400:
            raise ValidationError(f"bar size {bs.name!r}: backfill supports up to '1 day'")
        if end < start:
            raise ValidationError(f"end {end} is before start {start}")
        return cls(syms, bs.name, start, end, validate_what_to_show(what_to_show), rth)

    def to_json(self) -> dict[str, Any]:
        return {
            "symbols": list(self.symbols),
            "bar_size": self.bar_size,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "what_to_show": self.what_to_show,
            "rth": self.rth,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BackfillSpec:
        return cls.create(
            list(data["symbols"]),
            str(data["bar_size"]),
            date.fromisoformat(str(data["start"])),
            date.fromisoformat(str(data["end"])),
            what_to_show=str(data["what_to_show"]),
            rth=bool(data["rth"]),
        )

    def describe(self) -> str:
        hours = "RTH" if self.rth else "all hours"
        return (
            f"{','.join(self.symbols)} {self.bar_size} {self.what_to_show} "
            f"{self.start}..{self.end} {hours}"
        )
