"""Logging: JSON lines in a private file, stdlib loggers included, correlation ids bound."""

from __future__ import annotations

import json
import logging
import stat
from pathlib import Path

from apex_tui.logging import bind_ids, configure_logging, get_logger, log_tail


def read_lines(path: Path) -> list[dict[str, object]]:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_json_lines_with_ids_and_foreign_loggers(tmp_path: Path) -> None:
    path = tmp_path / "logs" / "apex.jsonl"
    configure_logging(path, "INFO")
    log = get_logger("apex_tui.test")
    with bind_ids(order_id=42, proposal_id="p-1"):
        log.info("order placed", qty=10)
    log.info("outside")
    log.debug("below the level")
    logging.getLogger("ib_async.client").error("socket closed %s", "early")

    records = read_lines(path)
    assert [r["event"] for r in records] == ["order placed", "outside", "socket closed early"]
    assert records[0]["order_id"] == 42 and records[0]["proposal_id"] == "p-1"
    assert "order_id" not in records[1]
    assert records[2]["level"] == "error" and records[2]["logger"] == "ib_async.client"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_tail_keeps_records_for_the_log_pane(tmp_path: Path) -> None:
    configure_logging(tmp_path / "a.jsonl", "DEBUG")
    before, _ = log_tail().snapshot()
    get_logger("apex_tui.t").warning("disk nearly full", free_gb=1)
    version, records = log_tail().snapshot()
    assert version == before + 1
    assert records[-1].event == "disk nearly full"
    assert records[-1].level == "WARNING"
    assert records[-1].fields == {"free_gb": 1}
