"""Backup files kept in backup targets (S3-compatible stores): uploaded once dumped, read back
for the verification and for restores, deleted with their backup. A target's secret key is
opened only here, only for the call that needs it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar
from uuid import UUID

from zaneops.adapters.s3 import Bucket, GrowingUpload, StoreError, bucket_of
from zaneops.common.secrets import SecretsUnavailable
from zaneops.specs.backup_targets import BackupTargetSpec
from zaneops.specs.kinds import Kind

from .ports import BackupRows, ObjectStore
from .verdicts import Failed, written_to_disk_failed

T = TypeVar("T")
FORGET_TIMEOUT = 10.0  # a store that stopped answering is not waited for


class TargetFiles:
    def __init__(
        self, rows: BackupRows, store: ObjectStore, open_secret: Callable[[str], str]
    ) -> None:
        self.rows = rows
        self.store = store
        self.open_secret = open_secret

    async def upload_while_written(
        self,
        target_id: UUID,
        relative: str,
        path: Path,
        *,
        write: Callable[[], Awaitable[T]],
        keep: Callable[[T], bool],
        timeout: float,
    ) -> tuple[T, str | None]:
        """`write()` fills path while it is uploaded to the target, part by part; what it
        wrote is stored only if `keep` says so. (What write returned, where the file is stored:
        s3://..., or None when it was not kept.)"""
        target, bucket = await self._bucket(target_id)
        key = target.key_of(relative)
        upload = self.store.upload_growing(bucket, key, path)
        try:
            written = await write()
        except BaseException:
            upload.abandon()
            raise
        if not keep(written):
            upload.abandon()
            return written, None
        upload.finish()
        await self._stored_whole(upload, path.stat().st_size, timeout, (bucket, key))
        return written, target.where(relative)

    async def _stored_whole(
        self, upload: GrowingUpload, size: int, timeout: float, place: tuple[Bucket, str]
    ) -> None:
        try:
            async with asyncio.timeout(timeout):
                stored = await upload.stored_size()
        except TimeoutError:  # given up: it sends no further part, and deletes what it left
            await self._forget(*place)  # an object completed just before it was given up
            raise Failed("UploadFailed", f"the upload ran past {timeout:g} s") from None
        except StoreError as error:
            raise Failed("UploadFailed", f"the upload failed: {error}") from None
        if stored != size:
            await self._forget(*place)
            message = f"the target holds {stored} bytes of the {size} sent"
            raise Failed("UploadFailed", message)

    async def fetch(self, target_id: UUID, relative: str, dest: Path) -> None:
        """The stored file, read back into dest (a partial file is removed)."""
        target, bucket = await self._bucket(target_id)
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            await self.store.download(bucket, target.key_of(relative), dest)
        except StoreError as error:
            dest.unlink(missing_ok=True)
            raise Failed(
                "FileMissing", f"reading it back from the target failed: {error}"
            ) from None
        except OSError as error:
            dest.unlink(missing_ok=True)
            raise written_to_disk_failed(error, "reading it back from the target") from None

    async def delete(self, target_id: UUID, relative: str) -> None:
        """The stored file deleted; nothing to ask when its target is gone. Raises StoreError
        while the store cannot be reached: the backup waits for it."""
        try:
            target, bucket = await self._bucket(target_id)
        except Failed as failure:
            if failure.reason != "TargetGone":  # its secret cannot be opened: ask again later
                raise StoreError(failure.message) from None
            return
        await self.store.delete(bucket, target.key_of(relative))

    async def forget(self, target_id: UUID, relative: str) -> None:
        """A stored file that is no backup after all, deleted as far as the store answers."""
        target, bucket = await self._bucket(target_id)
        await self._forget(bucket, target.key_of(relative))

    async def bucket(self, target_id: UUID) -> tuple[BackupTargetSpec, Bucket]:
        """The target and its bucket, its secret opened (a restic repository's place)."""
        return await self._bucket(target_id)

    async def _bucket(self, target_id: UUID) -> tuple[BackupTargetSpec, Bucket]:
        row = await self.rows.get(Kind.BACKUP_TARGETS, target_id)
        if row is None or row.is_deleted:
            raise Failed("TargetGone", f"backup target {target_id} was deleted")
        target = row.spec_as(BackupTargetSpec)
        try:
            secret = self.open_secret(target.secret_access_key)
        except SecretsUnavailable as error:
            raise Failed("TargetUnusable", f"its secret key cannot be opened: {error}") from None
        return target, bucket_of(target, secret)

    async def _forget(self, bucket: Bucket, key: str) -> None:
        """A failed upload leaves no object (the client aborts a multipart one; a whole one
        of the wrong size is deleted), as far as the store still answers."""
        with contextlib.suppress(StoreError, TimeoutError):
            async with asyncio.timeout(FORGET_TIMEOUT):
                await self.store.delete(bucket, key)
