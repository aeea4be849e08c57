"""A controller that does nothing, for benchmarking the runtime around it.

Run as a real process: `zaneops controller run benchmarks.noop_controller:ENTRY`.
With BENCH_RECORD_PATH set, the start of every reconcile is appended to that file as
`<id> <generation> <time.time()>`, one line each, written before anything else happens.
"""

from __future__ import annotations

import os
import time
from typing import TextIO

from controllers.entry import ControllerEntry
from zaneops.adapters.dependencies import Dependencies
from zaneops.runtime.controller import Context, Controller, Result
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import StoredObject

RECORD_PATH_VARIABLE = "BENCH_RECORD_PATH"


class NoopController(Controller):
    name = "bench-noop"
    kind = Kind.PROJECTS

    def __init__(self, record_path: str | None) -> None:
        self._record_path = record_path
        self._record: TextIO | None = None

    async def start(self) -> None:
        if self._record_path:
            self._record = open(self._record_path, "a", buffering=1, encoding="utf-8")  # noqa: SIM115

    async def stop(self) -> None:
        if self._record is not None:
            self._record.close()

    async def reconcile(self, ctx: Context, obj: StoredObject) -> Result:
        started_at = time.time()
        if self._record is not None:
            self._record.write(f"{obj.id} {obj.generation} {started_at!r}\n")
        return Result()


def build(deps: Dependencies) -> NoopController:
    return NoopController(os.environ.get(RECORD_PATH_VARIABLE) or None)


ENTRY = ControllerEntry(name="bench-noop", build=build)
