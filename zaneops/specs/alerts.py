"""Metric alerts of a service: told when its CPU or memory stays above a share of its limit for
some minutes, and again when it comes back under."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ._base import SpecModel

MAX_ALERTS = 10


class MetricAlert(SpecModel):
    metric: Literal["cpu", "memory"] = Field(
        description="cpu: of its CPU limit (of one core without a limit); memory: of its "
        "memory limit (one must be set). Summed over its replicas, against each one's limit."
    )
    above_percent: int = Field(ge=1, le=1000, description="Told once above this share.")
    for_minutes: int = Field(
        default=5, ge=1, le=1440, description="...for this long without coming under."
    )
