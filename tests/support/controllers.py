"""Controllers for exercising the runtime: they record what they are asked to do."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from zaneops.runtime.controller import Context, Controller, Result, TerminalError
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import StoredObject


@dataclass(frozen=True)
class Seen:
    at: float
    id: UUID
    spec: dict[str, Any]
    generation: int


class RecordingController(Controller):
    """Remembers each reconcile; flags any key reconciled twice at once."""

    def __init__(
        self,
        name: str = "recorder",
        kind: Kind = Kind.PROJECTS,
        delay: float = 0.0,
        finalizer: str | None = None,
    ) -> None:
        self.name = name
        self.kind = kind
        self.delay = delay
        self.finalizer = finalizer
        self.seen: list[Seen] = []
        self.finalized: list[UUID] = []
        self.overlaps = 0
        self._active: set[UUID] = set()
        self.hold_finalize = False
        self.fail = False
        self.terminal = False
        self.validate_as: type[BaseModel] | None = None  # reads the spec as the real ones do
        self.requeue_after: float | None = None

    async def reconcile(self, ctx: Context, obj: StoredObject) -> Result:
        if obj.id in self._active:
            self.overlaps += 1
        self._active.add(obj.id)
        try:
            self.seen.append(Seen(time.monotonic(), obj.id, obj.spec, obj.generation))
            await asyncio.sleep(self.delay)
            if self.validate_as is not None:
                self.validate_as.model_validate(obj.spec)
            self._fail_if_asked()
        finally:
            self._active.discard(obj.id)
        return Result(requeue_after=self.requeue_after)

    def _fail_if_asked(self) -> None:
        if self.terminal:
            raise TerminalError("BadSpec", "this spec can never work")
        if self.fail:
            raise RuntimeError("the outside world is down")

    async def finalize(self, ctx: Context, obj: StoredObject) -> Result:
        if self.hold_finalize:
            return Result(requeue_after=0.2)
        self.finalized.append(obj.id)
        return Result()

    def reconciles_of(self, object_id: UUID) -> list[Seen]:
        return [seen for seen in self.seen if seen.id == object_id]
