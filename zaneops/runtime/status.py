"""The status the runtime records after each reconcile, on the owning controller's behalf."""

from __future__ import annotations

from pydantic import ValidationError

from zaneops.runtime.controller import TerminalError
from zaneops.specs.objects import StoredObject
from zaneops.specs.problems import validation_message
from zaneops.specs.status import Condition, ConditionStatus, Status

RECONCILED = "Reconciled"
MAX_MESSAGE = 1000


def success_status(obj: StoredObject, reported: Status | None) -> Status:
    return reconciled(obj.generation, reported if reported is not None else obj.status)


def reconciled(generation: int, status: Status) -> Status:
    """What a successful reconcile at `generation` records: also for a controller that
    writes many rows' outcomes at once, so a reconcile of one after finds nothing to write."""
    condition = Condition(type=RECONCILED, status=ConditionStatus.TRUE, reason="Reconciled")
    return status.with_condition(condition).model_copy(update={"observed_generation": generation})


def terminal_status(obj: StoredObject, exc: TerminalError) -> Status:
    """A terminal failure counts as observed: nothing will change until the spec does."""
    condition = Condition(
        type=RECONCILED,
        status=ConditionStatus.FALSE,
        reason=exc.reason,
        message=exc.message[:MAX_MESSAGE],
    )
    base = exc.status if exc.status is not None else obj.status
    return base.with_condition(condition).model_copy(update={"observed_generation": obj.generation})


def error_status(obj: StoredObject, exc: Exception) -> Status:
    condition = Condition(
        type=RECONCILED,
        status=ConditionStatus.FALSE,
        reason="ReconcileError",
        message=f"{type(exc).__name__}: {exc}"[:MAX_MESSAGE],
    )
    return obj.status.with_condition(condition)


def invalid_stored_spec(exc: ValidationError) -> TerminalError:
    """A stored spec that does not validate: retrying cannot fix it, a new spec will (its
    generation bump wakes the key again)."""
    return TerminalError(
        "InvalidSpec", f"a stored {exc.title} is not valid: " + validation_message(exc)
    )
