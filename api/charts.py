"""What every chart the API serves shares: the time windows, a frame of timestamps, lines and
charts, and the reading of Prometheus series into them (the browser never reaches the store)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field

from zaneops.adapters.prometheus import Series

Window = Literal["1h", "6h", "24h", "7d"]
# (span, step) in seconds: a few hundred points per line whatever the window.
WINDOWS: dict[str, tuple[int, int]] = {
    "1h": (3600, 15),
    "6h": (6 * 3600, 60),
    "24h": (24 * 3600, 300),
    "7d": (7 * 86400, 1800),
}
Unit = Literal["cores", "bytes", "bytes/s", "requests/s", "seconds", "percent", "load", "count"]


class Line(BaseModel):
    label: str
    values: list[float | None] = Field(description="One per timestamp; null: no sample there.")


class Chart(BaseModel):
    name: str
    unit: Unit
    lines: list[Line]
    limit: float | None = Field(default=None, description="Drawn as a line: the limit.")


@dataclass(frozen=True)
class Frame:
    start: float
    end: float
    step: int
    timestamps: list[float]

    @classmethod
    def ending_now(cls, window: str) -> Frame:
        span, step = WINDOWS[window]
        end = float(int(time.time()))
        start = end - span
        return cls(start, end, step, [start + i * step for i in range(span // step + 1)])

    @property
    def rate_window(self) -> str:
        """A rate needs a few scrapes (every 15 s) and should cover a step."""
        return f"{max(60, 4 * self.step)}s"


def aligned(series: Series, timestamps: list[float]) -> list[float | None]:
    """The series' values at the shared timestamps (Prometheus omits steps it has nothing for;
    NaN, e.g. a quantile of no requests, is no value either)."""
    by_time = {round(t): v for t, v in series.points}
    values = [by_time.get(round(t)) for t in timestamps]
    return [None if v is None or math.isnan(v) else v for v in values]
