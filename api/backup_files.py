"""A verified backup's bytes, opened for a download: today a file in the backups folder, found
by the path the backups controller recorded (never anything outside the folder). A backup kept
elsewhere (S3, next) gets its own opener beside `open_local`, chosen in `open_backup`."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from api.errors import ApiError

CHUNK_BYTES = 1 << 20


@dataclass(frozen=True)
class BackupBytes:
    size: int
    suffix: str  # the file's own, without the dot: "pgdump", "sql.gz"
    chunks: AsyncIterator[bytes]


async def open_backup(root: Path, details: Mapping[str, Any]) -> BackupBytes:
    """The bytes a backup's status.details names; 409/410 when they cannot be served as
    recorded."""
    return await asyncio.to_thread(open_local, root, details)


def open_local(root: Path, details: Mapping[str, Any]) -> BackupBytes:
    path = file_in_folder(root, str(details.get("file") or ""))
    if not path.is_file():
        raise ApiError(410, "file_missing", f"{path.name} is no longer in the backups folder")
    handle = path.open("rb")
    size = os.fstat(handle.fileno()).st_size
    if size != details.get("size_bytes"):
        handle.close()
        message = f"{path.name} changed since it was written ({size} bytes, not as recorded)"
        raise ApiError(409, "file_changed", message)
    return BackupBytes(size, path.name.partition(".")[2], _read(handle))


def file_in_folder(root: Path, relative: str) -> Path:
    """`relative` under `root`, links resolved; refused when it is not inside (`..`, an
    absolute path, a link leading out)."""
    folder = root.resolve()
    path = (folder / relative).resolve()
    if not relative or path == folder or not path.is_relative_to(folder):
        raise ApiError(
            409, "not_in_backups_folder", "the backup's recorded file is outside the backups folder"
        )
    return path


async def _read(handle: IO[bytes]) -> AsyncIterator[bytes]:
    try:
        while chunk := await asyncio.to_thread(handle.read, CHUNK_BYTES):
            yield chunk
    finally:
        handle.close()
