"""A verified backup's bytes, opened for a download: a file in the backups folder, found by the
path the backups controller recorded (never anything outside the folder), or the object of a
backup target (S3) it was uploaded to, streamed from there."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from uuid import UUID

from api.errors import ApiError
from zaneops.adapters.s3 import StoreError, bucket_of
from zaneops.common.secrets import SecretsUnavailable
from zaneops.specs.backup_targets import BackupTargetSpec
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import StoredObject

if TYPE_CHECKING:
    from api.context import ApiContext

CHUNK_BYTES = 1 << 20


@dataclass(frozen=True)
class BackupBytes:
    size: int
    suffix: str  # the file's own, without the dot: "pgdump", "sql.gz"
    chunks: AsyncIterator[bytes]


async def open_backup(ctx: ApiContext, backup: StoredObject) -> BackupBytes:
    """The bytes a backup's status.details names; 409/410 when they cannot be served as
    recorded."""
    details = backup.status.details
    target_id = backup.spec.get("target_id")
    if target_id and details.get("location"):
        return await open_in_target(ctx, UUID(str(target_id)), details)
    return await asyncio.to_thread(open_local, ctx.settings.backups_root, details)


async def open_in_target(
    ctx: ApiContext, target_id: UUID, details: Mapping[str, Any]
) -> BackupBytes:
    row = await ctx.store.get(Kind.BACKUP_TARGETS, target_id)
    if row is None or row.is_deleted:
        raise ApiError(410, "target_gone", "the backup target this backup was kept in is deleted")
    if ctx.secret_box is None:
        raise ApiError(409, "secrets_unavailable", "this server has no ZANE_SECRET_KEY")
    target = row.spec_as(BackupTargetSpec)
    try:
        secret = ctx.secret_box.open(target.secret_access_key)
    except SecretsUnavailable as error:
        message = f"its secret key cannot be opened: {error}"
        raise ApiError(409, "secrets_unavailable", message) from None
    bucket = bucket_of(target, secret)
    relative = str(details.get("file") or "")
    try:
        size, chunks = await ctx.object_stores.open_object(bucket, target.key_of(relative))
    except StoreError as error:
        raise ApiError(502, "target_unavailable", f"the backup target answered: {error}") from None
    if size != details.get("size_bytes"):
        await chunks.aclose()
        message = f"the stored object has {size} bytes, not as recorded"
        raise ApiError(409, "file_changed", message)
    return BackupBytes(size, Path(relative).name.partition(".")[2], chunks)


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
