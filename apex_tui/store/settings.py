"""Configuration of the market data lake and its streaming sink (the `[data]` section)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

BackpressurePolicy = Literal["block", "drop_oldest"]


class SinkKindSettings(BaseModel):
    """Queue bound and backpressure of one kind the sink accepts (ticks or live bars)."""

    model_config = ConfigDict(extra="forbid")

    max_queue_rows: int = Field(
        1_000_000, ge=1_000, description="Rows queued for this kind before backpressure applies."
    )
    policy: BackpressurePolicy = Field(
        "drop_oldest",
        description=(
            "When the queue is full: 'block' waits up to block_ms for room and then drops the"
            " oldest rows; 'drop_oldest' drops the oldest rows at once. Dropped rows are counted."
        ),
    )
    block_ms: float = Field(
        5.0, ge=0.0, le=1_000.0, description="How long 'block' waits for room, in milliseconds."
    )
    flush_interval_s: float | None = Field(
        None,
        gt=0.0,
        le=3_600.0,
        description="Write this kind at least this often, in seconds; unset = the dataset's "
        "flush_interval_s. Live bars are partitioned by symbol: each flush writes one file per "
        "symbol, so they flush less often than ticks (one file per flush).",
    )


class DataSettings(BaseModel):
    """Where the Parquet dataset lives and how the sink batches writes."""

    model_config = ConfigDict(extra="forbid")

    dir: str = Field(
        "data",
        description=(
            "Root of the dataset: a local folder or a pyarrow filesystem URI (file:///..., s3://...)."
        ),
    )
    flush_rows: int = Field(
        100_000,
        ge=1_000,
        description="The sink writes a kind's batch once this many rows are queued for it.",
    )
    flush_interval_s: float = Field(
        30.0,
        gt=0.0,
        le=3_600.0,
        description="The sink writes whatever is queued at least this often, in seconds.",
    )
    compression: Literal["zstd", "snappy", "lz4", "none"] = Field(
        "zstd", description="Parquet compression codec of written files."
    )
    row_group_rows: int = Field(
        100_000, ge=1_000, description="Maximum rows per Parquet row group of written files."
    )
    compact_min_rows: int = Field(
        100_000,
        ge=1_000,
        description="`dataset compact` merges a partition's files into row groups of this size.",
    )
    write_retry_s: float = Field(
        2.0, gt=0.0, le=300.0, description="First delay before the sink retries a failed write."
    )
    ticks: SinkKindSettings = Field(
        default_factory=lambda: SinkKindSettings(policy="drop_oldest"),
        description="Queue and backpressure of live ticks.",
    )
    bars: SinkKindSettings = Field(
        default_factory=lambda: SinkKindSettings(
            max_queue_rows=200_000, policy="block", flush_interval_s=600.0
        ),
        description="Queue and backpressure of live bars.",
    )
