"""How a backup's status says where it stands: its phase in status.details and its Verified
condition (Unknown on the way, True or False at the end), and the failure that ends it."""

from __future__ import annotations

import errno
from datetime import UTC, datetime
from typing import Any

from zaneops.specs import BackupPhase, Condition, ConditionStatus, Status

VERIFIED = "Verified"


class Failed(Exception):
    """Ends the backup FAILED, with the condition's reason and message."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def written_to_disk_failed(error: OSError, what: str) -> Failed:
    """Writing `what` in the backups folder failed: the disk full said as such."""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return Failed("DiskFull", f"{what} stopped: the backups folder's disk is full")
    return Failed("WriteFailed", f"{what} failed writing to the backups folder: {error}")


def on_the_way(
    status: Status, phase: BackupPhase, reason: str, message: str, details: dict[str, Any]
) -> Status:
    condition = Condition(
        type=VERIFIED, status=ConditionStatus.UNKNOWN, reason=reason, message=message
    )
    return status.model_copy(
        update={
            "conditions": [condition],
            "details": {**status.details, **details, "phase": phase.value},
        }
    )


def ended(
    status: Status,
    phase: BackupPhase,
    reason: str,
    message: str,
    extra: dict[str, Any] | None = None,
) -> Status:
    verified = ConditionStatus.TRUE if phase is BackupPhase.VERIFIED else ConditionStatus.FALSE
    condition = Condition(type=VERIFIED, status=verified, reason=reason, message=message)
    details = {
        **status.details,
        **(extra or {}),
        "phase": phase.value,
        "finished_at": datetime.now(UTC).isoformat(),
    }
    return status.model_copy(update={"conditions": [condition], "details": details})


def tail(text: str, lines: int = 8) -> str:
    """The end of a tool's output: where it says why it failed."""
    return "\n".join(text.strip().splitlines()[-lines:])
