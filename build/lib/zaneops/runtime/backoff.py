"""Per-key exponential backoff, reset by a success."""

from __future__ import annotations

from collections.abc import Hashable


class Backoff:
    def __init__(self, base_seconds: float, max_seconds: float) -> None:
        self._base = base_seconds
        self._max = max_seconds
        self._failures: dict[Hashable, int] = {}

    def failed(self, key: Hashable) -> float:
        """Record a failure; returns how long to wait before the next try."""
        failures = self._failures.get(key, 0) + 1
        self._failures[key] = failures
        return float(min(self._max, self._base * 2 ** (failures - 1)))

    def succeeded(self, key: Hashable) -> None:
        self._failures.pop(key, None)

    def failures(self, key: Hashable) -> int:
        return self._failures.get(key, 0)
