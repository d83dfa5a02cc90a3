"""Freed heap memory goes back to the OS on request (glibc's malloc_trim)."""

from __future__ import annotations

import platform

import pytest

from apex_tui.health.probes import anon_rss_bytes
from apex_tui.store.heap import can_release, release_free_memory

GLIBC = platform.libc_ver()[0] == "glibc"


@pytest.mark.skipif(not GLIBC, reason="malloc_trim is glibc's")
def test_freed_holes_in_the_heap_go_back_to_the_os() -> None:
    assert can_release()
    release_free_memory()  # start from a trimmed heap
    # 4 KB objects come from malloc (pymalloc takes only <= 512 bytes). Keeping every 16th
    # alive leaves holes glibc never trims on its own: none of them is at the heap's top.
    blocks = [bytes(4000) for _ in range(25_000)]  # ~100 MB
    kept = blocks[::16]
    del blocks
    before = anon_rss_bytes()
    assert release_free_memory()
    released = before - anon_rss_bytes()
    assert released > 50e6, f"released only {released / 1e6:.1f} MB of ~94 MB freed"
    assert len(kept) == 1563


@pytest.mark.skipif(GLIBC, reason="only where there is no malloc_trim")
def test_without_glibc_it_is_a_no_op() -> None:
    assert not can_release()
    assert release_free_memory() is False
