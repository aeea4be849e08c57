"""A controller that says a second replica would not be safe (the stack runs one)."""

from __future__ import annotations

from controllers.entry import ControllerEntry
from tests.support.noop import NoopController
from zaneops.adapters.dependencies import Dependencies


def build(deps: Dependencies) -> NoopController:
    return NoopController(None)


ENTRY = ControllerEntry(name="lonely", build=build, replicated=False)
