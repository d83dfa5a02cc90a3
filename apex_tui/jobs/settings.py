"""Configuration of backfill jobs and historical-data pacing (the `[jobs]` section)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class PacingSettings(BaseModel):
    """IB's historical-data pacing windows; `scale` stretches or shrinks every window."""

    model_config = ConfigDict(extra="forbid")

    scale: float = Field(
        1.0,
        gt=0.0,
        le=100.0,
        description="Factor applied to every window length (the simulator can run them faster).",
    )
    identical_s: float = Field(
        15.0, gt=0.0, description="An identical request may not repeat within this many seconds."
    )
    burst_s: float = Field(
        2.0, gt=0.0, description="Window of the same-contract/whatToShow burst limit, in seconds."
    )
    burst_max: int = Field(
        5, ge=1, description="Requests for one contract/whatToShow allowed within burst_s."
    )
    window_s: float = Field(600.0, gt=0.0, description="Length of the rolling request window.")
    window_max: int = Field(
        60, ge=1, description="Requests allowed per rolling window (BID_ASK counts twice)."
    )
    max_open: int = Field(50, ge=1, description="Historical requests open at once.")
    margin_s: float = Field(
        0.05,
        ge=0.0,
        le=10.0,
        description="Safety margin added to every wait, in seconds (clock skew, latency).",
    )


class JobsSettings(BaseModel):
    """How backfill jobs retry, buffer and persist."""

    model_config = ConfigDict(extra="forbid")

    concurrency: int = Field(4, ge=1, le=50, description="Requests a job keeps in flight.")
    max_attempts: int = Field(
        5, ge=1, le=100, description="Attempts per request for transient errors before failing it."
    )
    backoff_s: float = Field(
        1.0, gt=0.0, le=600.0, description="First retry delay; doubles per attempt."
    )
    backoff_max_s: float = Field(
        60.0, gt=0.0, le=3_600.0, description="Longest delay between two attempts."
    )
    flush_rows: int = Field(
        100_000,
        ge=1,
        description="Bars a job buffers before writing a file (fewer, larger files read faster).",
    )
    flush_after_s: float = Field(
        10.0,
        gt=0.0,
        le=3_600.0,
        description=(
            "Bars fetched but not written are written after this many seconds even below "
            "flush_rows: a job waiting on IB's pacing keeps what it has and shows its progress."
        ),
    )
    state_dir: str = Field(
        "data/_jobs", description="Folder holding one JSON state file per backfill job."
    )
    pacing: PacingSettings = Field(
        default_factory=PacingSettings, description="Historical-data pacing windows."
    )
