"""`make bench` entry for the soak (bench/soak.py): a ~20 s smoke in CI, the full soak otherwise
(30 minutes, 500 symbols, a fault every 3 minutes)."""

from __future__ import annotations

from bench.harness import Figure
from bench.soak import run as soak_run


def run(smoke: bool = False) -> list[Figure]:
    return soak_run(smoke)
