"""Every controller the platform runs: one line each (see docs/architecture.md)."""

from __future__ import annotations

from controllers import (
    backups,
    builds,
    networks,
    notifications,
    routes,
    runs,
    services,
    volumes,
)
from controllers.entry import ControllerEntry

ENTRIES: tuple[ControllerEntry, ...] = (
    backups.ENTRY,
    builds.ENTRY,
    networks.ENTRY,
    notifications.ENTRY,
    routes.ENTRY,
    runs.ENTRY,
    services.ENTRY,
    volumes.ENTRY,
)
