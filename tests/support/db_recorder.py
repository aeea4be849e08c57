"""A controller for multi-process tests: it logs each reconcile into a table, with its holder.

Run it as a real controller process: `zaneops controller run tests.support.db_recorder:ENTRY`.
"""

from __future__ import annotations

import asyncio
import os

import psycopg

from controllers.entry import ControllerEntry
from zaneops.adapters.dependencies import Dependencies
from zaneops.runtime.controller import Context, Controller, Result
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import StoredObject

CREATE_LOG = """
CREATE TABLE IF NOT EXISTS test_reconciles (
  holder text NOT NULL, object_id uuid NOT NULL,
  started_at timestamptz NOT NULL, finished_at timestamptz
)"""


class DatabaseRecordingController(Controller):
    name = "db-recorder"
    kind = Kind.PROJECTS

    def __init__(self) -> None:
        self._holder = os.environ["ZANE_RUNTIME_HOLDER_ID"]
        self._delay = float(os.environ.get("RECORDER_DELAY", "0.1"))
        self._conn: psycopg.AsyncConnection[tuple[object, ...]] | None = None

    async def start(self) -> None:
        self._conn = await psycopg.AsyncConnection.connect(
            os.environ["ZANE_DATABASE_URL"], autocommit=True
        )

    async def stop(self) -> None:
        if self._conn is not None:
            await self._conn.close()

    async def reconcile(self, ctx: Context, obj: StoredObject) -> Result:
        assert self._conn is not None
        ctx.ensure_leader()  # as a real controller does before touching the outside world
        cursor = await self._conn.execute(
            "INSERT INTO test_reconciles VALUES (%s, %s, clock_timestamp(), NULL) RETURNING ctid",
            (self._holder, obj.id),
        )
        row = await cursor.fetchone()
        await asyncio.sleep(self._delay)
        await self._conn.execute(
            "UPDATE test_reconciles SET finished_at = clock_timestamp() WHERE ctid = %s",
            (row[0],) if row else (None,),
        )
        return Result()


def build(deps: Dependencies) -> DatabaseRecordingController:
    return DatabaseRecordingController()


ENTRY = ControllerEntry(name="db-recorder", build=build)
