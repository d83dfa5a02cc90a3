"""Stable seeds and cheap deterministic integers: never Python's salted `hash()`."""

from __future__ import annotations

import hashlib

_MASK64 = (1 << 64) - 1


def stable_seed(*parts: object) -> int:
    """A 64-bit seed from the parts' text, the same in every process and on every machine."""
    text = "\x1f".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "little")


def mix64(x: int) -> int:
    """SplitMix64's finaliser: a fast, well-spread 64-bit hash of an integer."""
    x = (x + 0x9E3779B97F4A7C15) & _MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK64
    return x ^ (x >> 31)
