"""Keep Python's full garbage collections short in the long-running app.

A full (generation 2) collection walks every tracked object. After startup the process holds
~257,000 of them (textual, rich, pyarrow, polars, numba, ib_async and their caches), and a
full collection took ~200 ms: a loop block whenever one happened to start, e.g. while the
approval card opened (measured 170-260 ms blocks, "event loop DEGRADED" just as the trader
decides). Startup objects live as long as the process, so after one collection they are moved
to the permanent generation (`gc.freeze`): later full collections walk only what came after
(the same opening then blocked the loop at most ~45-65 ms).

Only the app's real run does this (`apex-tui run`): a test process builds many apps, and a
frozen app that is torn down would keep its cyclic garbage for the rest of the process.
"""

from __future__ import annotations

import gc
import time

import structlog

log = structlog.get_logger(__name__)


def freeze_startup_heap() -> int:
    """Collect once, then exempt every surviving object from later collections.

    Returns how many objects are frozen. Costs one full collection (~200 ms) now.
    """
    started = time.perf_counter()
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    log.info(
        "startup_heap_frozen",
        objects=frozen,
        collect_ms=round((time.perf_counter() - started) * 1000),
    )
    return frozen
