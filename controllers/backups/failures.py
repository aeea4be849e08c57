"""How a backup step fails: a reason (the Verified condition's) and a message for people."""

from __future__ import annotations

import errno


class Failed(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def written_to_disk_failed(error: OSError, what: str) -> Failed:
    """Writing `what` in the backups folder failed: the disk full said as such."""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return Failed("DiskFull", f"{what} stopped: the backups folder's disk is full")
    return Failed("WriteFailed", f"{what} failed writing to the backups folder: {error}")
