"""The platform's components: its base services, then one per registered controller."""

from __future__ import annotations

from collections.abc import Sequence

from controllers.entry import ControllerEntry
from controllers.registry import ENTRIES

BASE_COMPONENTS = (
    "postgres",
    "redis",
    "redis-logs",
    "migrate",
    "proxy",
    "probe",
    "api",
    "metrics",
    "exporter",
    "node-exporter",
)


def component_names(entries: Sequence[ControllerEntry] = ENTRIES) -> list[str]:
    """What `zaneops logs` and `zaneops status` know, in the stack's order."""
    return [*BASE_COMPONENTS, *(entry.component for entry in by_name(entries))]


def by_name(entries: Sequence[ControllerEntry]) -> list[ControllerEntry]:
    return sorted(entries, key=lambda entry: entry.name)
