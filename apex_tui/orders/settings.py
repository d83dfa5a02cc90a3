"""The `[orders]` config section: proposals, order placement, kill switch and journal."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class OrdersSettings(BaseModel):
    """How proposals are built and orders are placed (`[orders]`). Limits live in `[risk]`."""

    model_config = ConfigDict(extra="forbid")

    proposal_expiry_s: float = Field(
        60.0, gt=0, description="Seconds a proposal can be approved after it was made."
    )
    limit_offset_bps: float = Field(
        5.0,
        ge=0,
        le=500,
        description="Limit price offset from the reference price, in basis points: buys above, "
        "sells below (then snapped to the tick grid, never past the offset).",
    )
    default_tif: Literal["DAY", "GTC", "IOC"] = Field(
        "DAY", description="Time in force of proposed orders."
    )
    place_timeout_s: float = Field(
        5.0,
        gt=0,
        description="Seconds to wait for the broker to take an order; after that its fate is "
        "unknown and it is never re-sent.",
    )
    cancel_timeout_s: float = Field(
        5.0, gt=0, description="Seconds to wait for the broker to take a cancel request."
    )
    flatten_on_kill: bool = Field(
        False, description="The kill switch also closes every position with market orders."
    )
    journal_path: Path = Field(
        Path("data/journal/orders.jsonl"),
        description="Append-only JSONL journal of every order-path decision.",
    )
