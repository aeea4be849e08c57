"""Every controller the platform runs: one line each (see docs/architecture.md).

A controller's process imports only its own package (`entry_named`): importing all of them
would cost each process ~10 MiB of modules it never uses. The composition root, which renders
the stack for all of them, reads `ENTRIES`.
"""

from __future__ import annotations

import importlib

from controllers.entry import ControllerEntry

NAMES: tuple[str, ...] = (
    "backups",
    "builds",
    "networks",
    "notifications",
    "routes",
    "runs",
    "services",
    "volumes",
)


def entry_named(name: str) -> ControllerEntry | None:
    """The registered controller of that name (its package, controllers/<name>, imported)."""
    if name not in NAMES:
        return None
    entry = importlib.import_module(f"controllers.{name}").ENTRY
    if not isinstance(entry, ControllerEntry) or entry.name != name:
        raise TypeError(f"controllers.{name}.ENTRY is not the ControllerEntry named {name!r}")
    return entry


def __getattr__(attribute: str) -> tuple[ControllerEntry, ...]:
    """`ENTRIES`: every registered controller, each package imported on first use."""
    if attribute != "ENTRIES":
        raise AttributeError(f"module {__name__!r} has no attribute {attribute!r}")
    return tuple(entry for name in NAMES if (entry := entry_named(name)) is not None)
