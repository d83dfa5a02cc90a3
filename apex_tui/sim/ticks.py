"""From a path price to a top of book: tick rounding, spreads and displayed sizes.

All of these are monotone in the path price, so a bar built from a transformed path keeps
low <= open, close <= high. Sizes are in shares, in multiples of IB's round lot of 100.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from apex_tui.sim.seeding import mix64
from apex_tui.sim.universe import Profile

LOT = 100
STOCK_TICK = 0.01


def spread_ticks(profile: Profile, regular_hours: bool) -> int:
    """Quoted spread in ticks: 1-3 for liquid names in regular hours, wider outside them."""
    base = 1 if profile.price < 100 else 2 if profile.price < 500 else 3
    return base if regular_hours else 3 * base


def max_lots(profile: Profile, regular_hours: bool) -> int:
    if not regular_hours:
        return 3
    return 20 if profile.adv >= 20e6 else 8


def decimals(tick: float) -> int:
    return max(0, -math.floor(math.log10(tick) + 1e-9))


def bid_ticks(price: float, tick: float, k: int) -> int:
    """Bid in whole ticks for a path price with a k-tick spread (ask = bid + k)."""
    return math.floor(price / tick - k / 2.0 + 0.5)


def last_ticks(price: float, tick: float) -> int:
    """The traded price in whole ticks: the path price rounded to the tick (inside the spread)."""
    return math.floor(price / tick + 0.5)


def size_lots(key: int, n: int, lots: int) -> int:
    """A deterministic displayed size in lots for tick number n (1..lots)."""
    return 1 + mix64(key ^ n) % lots


def transform(
    prices: npt.NDArray[np.float64], what: str, tick: float, k: npt.NDArray[np.float64] | float
) -> npt.NDArray[np.float64]:
    """Path prices as TRADES / MIDPOINT / BID / ASK bar prices (vectorised, monotone)."""
    q = prices / tick
    if what == "TRADES":
        t = np.floor(q + 0.5)
    else:
        bid = np.floor(q - k / 2.0 + 0.5)
        t = bid if what == "BID" else bid + k if what == "ASK" else bid + k / 2.0
    return np.round(t * tick, decimals(tick) + 1)
