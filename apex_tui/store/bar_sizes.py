"""IB's historical bar sizes: their wire names, lengths, and the slugs used in partition paths."""

from __future__ import annotations

import re
from dataclasses import dataclass

from apex_tui.domain.errors import ValidationError


@dataclass(frozen=True, slots=True)
class BarSize:
    """One IB bar size: `name` as IB spells it ("1 min"), its length, and its path slug."""

    name: str
    seconds: int

    @property
    def slug(self) -> str:
        """The partition value ("1min"): no spaces, so paths stay shell- and URI-friendly."""
        return self.name.replace(" ", "")

    @property
    def intraday(self) -> bool:
        return self.seconds < 86_400


_DAY = 86_400
BAR_SIZES: tuple[BarSize, ...] = (
    BarSize("1 secs", 1),
    BarSize("5 secs", 5),
    BarSize("10 secs", 10),
    BarSize("15 secs", 15),
    BarSize("30 secs", 30),
    BarSize("1 min", 60),
    BarSize("2 mins", 120),
    BarSize("3 mins", 180),
    BarSize("5 mins", 300),
    BarSize("10 mins", 600),
    BarSize("15 mins", 900),
    BarSize("20 mins", 1_200),
    BarSize("30 mins", 1_800),
    BarSize("1 hour", 3_600),
    BarSize("2 hours", 7_200),
    BarSize("3 hours", 10_800),
    BarSize("4 hours", 14_400),
    BarSize("8 hours", 28_800),
    BarSize("1 day", _DAY),
    BarSize("1 week", 7 * _DAY),
    BarSize("1 month", 30 * _DAY),
)
_BY_NAME = {b.name: b for b in BAR_SIZES}
_BY_SLUG = {b.slug: b for b in BAR_SIZES}
_WHAT_RE = re.compile(r"^[A-Z][A-Z_]{0,39}$")


def bar_size(name_or_slug: str) -> BarSize:
    """Look a bar size up by IB name ("1 min") or slug ("1min"); refuse anything else."""
    key = " ".join(name_or_slug.split())
    found = _BY_NAME.get(key) or _BY_SLUG.get(key.replace(" ", ""))
    if found is None:
        raise ValidationError(
            f"bar size {name_or_slug!r} is not one of IB's: {', '.join(_BY_NAME)}"
        )
    return found


def validate_what_to_show(raw: str) -> str:
    """IB's whatToShow names are upper-case words joined by '_' (TRADES, BID_ASK, ...)."""
    what = raw.strip().upper()
    if not _WHAT_RE.match(what):
        raise ValidationError(f"whatToShow {raw!r} is not an IB name (A-Z and '_')")
    return what
