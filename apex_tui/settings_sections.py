"""Config sections owned by other packages, gathered in one place for apex_tui.config.

TEMPORARY stand-ins until each package's own settings model lands; see config.py.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BrokerSettings(_Section):
    """Gateway connection."""

    mode: Literal["sim", "paper", "live"] = Field(default="sim", description="sim, paper or live.")
    host: str = Field(default="127.0.0.1", description="Gateway host.")
    port: int = Field(default=4002, ge=1, le=65535, description="Gateway port.")
    client_id: int = Field(default=1, ge=0, description="API client id.")
    account: str = Field(default="", description="Account id.")
    read_only: bool = Field(default=True, description="Never place orders.")


class SimSettings(_Section):
    """The embedded simulator."""

    seed: int = Field(default=7, description="Seed.")


class DataSettings(_Section):
    """Parquet dataset."""


class JobsSettings(_Section):
    """Backfill jobs."""


class RiskSettings(_Section):
    """Risk limits."""


class SignalsSettings(_Section):
    """Signal generators."""


class FlagsSettings(_Section):
    """Feature flags."""
