"""`make bench` entry for the soak (bench/soak.py): a ~20 s smoke in CI, a 5-minute soak in
`make bench` (500 symbols, a fault every minute). The full 30-minute soak is
`python -m bench.soak --minutes 30`: too long for every `make bench`."""

from __future__ import annotations

from dataclasses import replace

from bench.harness import Figure
from bench.soak import FULL
from bench.soak import run as soak_run

SHORT = replace(FULL, seconds=300, fault_every=60, warmup=60)


def run(smoke: bool = False) -> list[Figure]:
    return soak_run(smoke, None if smoke else SHORT)
