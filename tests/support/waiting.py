"""Polling with a deadline: tests wait for convergence, never sleep a fixed time and hope."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from uuid import UUID

from zaneops.adapters.postgres.store import PostgresStore
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import StoredObject


async def eventually(
    condition: Callable[[], bool | Awaitable[bool]],
    timeout: float = 10.0,
    every: float = 0.05,
    message: str = "condition",
) -> float:
    """Wait until condition() is true; returns the seconds it took, fails after timeout."""
    started = time.monotonic()
    while True:
        value = condition()
        if not isinstance(value, bool):
            value = await value
        if value:
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise AssertionError(f"{message} not met within {timeout} s")
        await asyncio.sleep(every)


async def wait_for_row(
    store: PostgresStore,
    kind: Kind,
    object_id: UUID,
    wanted: Callable[[StoredObject], bool],
    *,
    what: str,
    timeout: float,
) -> StoredObject:
    """Poll one row until wanted(row); on time-out the error shows the row's status."""

    async def reached() -> bool:
        row = await store.get(kind, object_id)
        return row is not None and wanted(row)

    try:
        await eventually(reached, timeout=timeout, every=0.1, message=what)
    except AssertionError:
        row = await store.get(kind, object_id)
        raise AssertionError(f"not {what}: {row.status if row else 'gone'}") from None
    row = await store.get(kind, object_id)
    assert row is not None
    return row


def until(
    condition: Callable[[], bool],
    timeout: float = 10.0,
    every: float = 0.05,
    message: str = "condition",
) -> float:
    """`eventually` for synchronous callers (fixtures, helpers driving docker-py): wait until
    condition() is true; returns the seconds it took, fails after timeout."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"{message} not met within {timeout} s")
        time.sleep(every)
    return time.monotonic() - started
