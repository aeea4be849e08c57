"""A controller registered only here, through a ControllerEntry like every real one: the
"how to add a controller" of docs/architecture.md, followed by the tests.

With NOOP_RECORD set, each reconcile appends `<kind>/<id> <generation>` to that file.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from controllers.entry import ControllerEntry, Placement
from zaneops.adapters.dependencies import Dependencies
from zaneops.common.settings import ZaneSettings
from zaneops.runtime.controller import Context, Controller, Result
from zaneops.runtime.settings import RuntimeSettings
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import StoredObject


class NoopController(Controller):
    name = "noop"
    kind = Kind.PROJECTS

    def __init__(self, record: str | None) -> None:
        self._record = record

    async def reconcile(self, ctx: Context, obj: StoredObject) -> Result:
        if self._record:
            with open(self._record, "a", encoding="utf-8") as out:
                out.write(f"{obj.key} {obj.generation}\n")
        return Result()


def build(deps: Dependencies) -> NoopController:
    return NoopController(os.environ.get("NOOP_RECORD"))


def stack_settings(place: Placement) -> Sequence[ZaneSettings]:
    return (RuntimeSettings.chosen(workers=1),)


ENTRY = ControllerEntry(name="noop", build=build, memory="64M", stack_settings=stack_settings)
