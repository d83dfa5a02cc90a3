"""What an option chain snapshot or an option-bars backfill asks for, validated up front.

Expiries are an explicit list or "the next N" of the chain; strikes an explicit list, "N around
the money" (nearest to the underlying's last close) or every listed one. The selectors are
applied to the chain snapshot (apex_tui.jobs.options), never guessed: an explicit expiry or
strike the chain does not list is refused there with the nearest listed values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from apex_tui.domain.errors import ValidationError
from apex_tui.domain.symbols import validate_symbol
from apex_tui.store.bar_sizes import bar_size, validate_what_to_show

_EXPIRY_RE = re.compile(r"^\d{8}$")
_RIGHTS = {"C": "C", "CALL": "C", "P": "P", "PUT": "P"}
MAX_SELECTED = 200  # "next 500" or "atm:1000" is a typo, not a plan


@dataclass(frozen=True, slots=True)
class ExpirySelector:
    """Explicit expiries (YYYYMMDD), or the next `next_n` (0 with no list: every expiry)."""

    explicit: tuple[str, ...] = ()
    next_n: int = 0

    @classmethod
    def parse(cls, text: str) -> ExpirySelector:
        """ "next:2", "all", or a comma list of YYYYMMDD / YYYY-MM-DD dates."""
        t = text.strip().lower()
        if t in ("", "all"):
            return cls()
        if t.startswith("next:"):
            return cls(next_n=_count(t[5:], "expiries next:N"))
        out: list[str] = []
        for raw in text.strip().split(","):  # not `t`: a message quotes what was typed
            item = raw.strip().replace("-", "")
            if not _EXPIRY_RE.match(item):
                raise ValidationError(
                    f"expiry {raw.strip()!r}: use YYYYMMDD or YYYY-MM-DD, 'next:N' or 'all'"
                )
            try:
                date(int(item[:4]), int(item[4:6]), int(item[6:]))
            except ValueError as exc:
                raise ValidationError(f"expiry {raw.strip()!r} is not a date") from exc
            out.append(item)
        return cls(explicit=tuple(sorted(set(out))))

    def describe(self) -> str:
        if self.explicit:
            return ",".join(self.explicit)
        return f"next:{self.next_n}" if self.next_n else "all"

    def select(self, listed: list[str]) -> list[str]:
        """The chosen expiries among those the chain lists (sorted)."""
        listed = sorted(listed)
        if self.next_n:
            return listed[: self.next_n]
        if not self.explicit:
            return listed
        missing = [e for e in self.explicit if e not in listed]
        if missing:
            shown = ", ".join(listed[:8]) or "none"
            raise ValidationError(
                f"expiry {', '.join(missing)} is not in the chain (listed: {shown})"
            )
        return list(self.explicit)


@dataclass(frozen=True, slots=True)
class StrikeSelector:
    """Explicit strikes, or the `atm` strikes nearest the money (neither: every strike)."""

    explicit: tuple[float, ...] = ()
    atm: int = 0

    @classmethod
    def parse(cls, text: str) -> StrikeSelector:
        """ "atm:5", "all", or a comma list of strikes."""
        t = text.strip().lower()
        if t in ("", "all"):
            return cls()
        if t.startswith("atm:"):
            return cls(atm=_count(t[4:], "strikes atm:N"))
        out: list[float] = []
        for raw in text.strip().split(","):  # not `t`: a message quotes what was typed
            try:
                k = float(raw)
            except ValueError as exc:
                raise ValidationError(
                    f"strike {raw.strip()!r}: use numbers, 'atm:N' or 'all'"
                ) from exc
            if not 0 < k < 1e6:
                raise ValidationError(f"strike {raw.strip()!r} must be positive")
            out.append(k)
        return cls(explicit=tuple(sorted(set(out))))

    @property
    def needs_price(self) -> bool:
        return self.atm > 0

    def describe(self) -> str:
        if self.explicit:
            return ",".join(f"{k:g}" for k in self.explicit)
        return f"atm:{self.atm}" if self.atm else "all"

    def select(self, listed: list[float], price: float | None, expiry: str) -> list[float]:
        """The chosen strikes among those listed for one expiry (sorted)."""
        listed = sorted(set(listed))
        if self.atm:
            if price is None:
                raise ValidationError("strikes atm:N need the underlying's price")
            # Nearest first; on a tie the lower strike wins, so the choice is deterministic.
            near = sorted(listed, key=lambda k: (abs(k - price), k))[: self.atm]
            return sorted(near)
        if not self.explicit:
            return listed
        missing = [k for k in self.explicit if not any(abs(k - x) < 1e-6 for x in listed)]
        if missing:
            k = missing[0]
            nearest = sorted(listed, key=lambda x: abs(x - k))[:2]
            shown = ", ".join(f"{x:g}" for x in sorted(nearest)) or "none"
            raise ValidationError(
                f"strike {k:g} is not listed for expiry {expiry} (nearest: {shown})"
            )
        return [x for x in listed if any(abs(k - x) < 1e-6 for k in self.explicit)]


def _count(text: str, what: str) -> int:
    try:
        n = int(text.strip())
    except ValueError as exc:
        raise ValidationError(f"{what}: N must be a whole number, got {text.strip()!r}") from exc
    if not 1 <= n <= MAX_SELECTED:
        raise ValidationError(f"{what}: N must be between 1 and {MAX_SELECTED}, got {n}")
    return n


def parse_rights(text: str) -> tuple[str, ...]:
    """ "C,P" (default both), "C", "P", "CALL", "PUT"."""
    out: list[str] = []
    for raw in text.split(","):
        key = raw.strip().upper()
        if key not in _RIGHTS:
            raise ValidationError(f"right {raw.strip()!r}: use C, P or C,P")
        out.append(_RIGHTS[key])
    rights = tuple(r for r in ("C", "P") if r in out)
    if not rights:
        raise ValidationError("rights: give C, P or C,P")
    return rights


@dataclass(frozen=True, slots=True)
class OptionChainSpec:
    """One underlying's chain snapshot: which expiries, strikes and rights to resolve."""

    underlying: str
    expiries: ExpirySelector = ExpirySelector()
    strikes: StrikeSelector = StrikeSelector()
    rights: tuple[str, ...] = ("C", "P")

    @classmethod
    def create(
        cls,
        underlying: str,
        expiries: str = "all",
        strikes: str = "all",
        rights: str = "C,P",
    ) -> OptionChainSpec:
        return cls(
            validate_symbol(underlying),
            ExpirySelector.parse(expiries),
            StrikeSelector.parse(strikes),
            parse_rights(rights),
        )

    def describe(self) -> str:
        rights = "/".join(self.rights)
        return (
            f"{self.underlying} options expiries {self.expiries.describe()} "
            f"strikes {self.strikes.describe()} {rights}"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "underlying": self.underlying,
            "expiries": self.expiries.describe(),
            "strikes": self.strikes.describe(),
            "rights": ",".join(self.rights),
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> OptionChainSpec:
        return cls.create(
            str(d["underlying"]), str(d["expiries"]), str(d["strikes"]), str(d["rights"])
        )


@dataclass(frozen=True, slots=True)
class OptionBackfillSpec:
    """Option bars of a chain selection x bar size x whatToShow x sessions x RTH flag.

    Each contract's sessions stop at its expiry and at the last finished session."""

    chain: OptionChainSpec
    bar_size: str
    start: date
    end: date
    what_to_show: str = "TRADES"
    rth: bool = True

    KIND = "options"

    @classmethod
    def create(
        cls,
        chain: OptionChainSpec,
        size: str,
        start: date,
        end: date,
        *,
        what_to_show: str = "TRADES",
        rth: bool = True,
    ) -> OptionBackfillSpec:
        bs = bar_size(size)
        if bs.seconds > 86_400:
            raise ValidationError(f"bar size {bs.name!r}: backfill supports up to '1 day'")
        if end < start:
            raise ValidationError(f"end {end} is before start {start}")
        return cls(chain, bs.name, start, end, validate_what_to_show(what_to_show), rth)

    @property
    def symbols(self) -> tuple[str, ...]:
        return (self.chain.underlying,)

    def describe(self) -> str:
        hours = "RTH" if self.rth else "all hours"
        return (
            f"{self.chain.describe()} {self.bar_size} {self.what_to_show} "
            f"{self.start}..{self.end} {hours}"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.KIND,
            "chain": self.chain.to_json(),
            "bar_size": self.bar_size,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "what_to_show": self.what_to_show,
            "rth": self.rth,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> OptionBackfillSpec:
        return cls.create(
            OptionChainSpec.from_json(d["chain"]),
            str(d["bar_size"]),
            date.fromisoformat(str(d["start"])),
            date.fromisoformat(str(d["end"])),
            what_to_show=str(d["what_to_show"]),
            rth=bool(d["rth"]),
        )
