"""S3-compatible object stores, for backup files: upload while the file is written
(multipart, aborted on failure, so a partial upload never becomes an object), download, size,
delete. Through the minio client
(small, speaks every S3 dialect), run in threads: its calls block."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TypeVar, cast
from urllib.parse import urlsplit

import urllib3
from minio import Minio
from minio.error import MinioException, S3Error
from urllib3 import BaseHTTPResponse

from zaneops.specs.backup_targets import BackupTargetSpec

T = TypeVar("T")
PART_SIZE = 16 << 20
CHUNK_BYTES = 1 << 20  # of a download streamed on  # a failed part costs at most this much again
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 60.0
# A store that stops answering fails the backup after these few tries, not an hour later.
RETRIES = urllib3.Retry(
    total=2, backoff_factor=0.5, status_forcelist=(500, 502, 503, 504), allowed_methods=None
)


@dataclass(frozen=True)
class Bucket:
    """A bucket and the credentials to reach it (the secret in clear: never logged)."""

    endpoint: str  # scheme://host[:port]
    region: str
    name: str
    access_key_id: str
    secret_access_key: str

    def __repr__(self) -> str:  # the secret stays out of logs and tracebacks
        return f"Bucket({self.endpoint}, {self.name})"


def bucket_of(target: BackupTargetSpec, secret_access_key: str) -> Bucket:
    """A backup target's bucket, its secret key opened."""
    return Bucket(
        target.endpoint, target.region, target.bucket, target.access_key_id, secret_access_key
    )


class StoreError(Exception):
    """The store refused or could not be reached; the message says which, for people."""


class ObjectStores:
    def __init__(self) -> None:
        self._http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=CONNECT_TIMEOUT, read=READ_TIMEOUT),
            retries=RETRIES,
            maxsize=4,
        )

    def close(self) -> None:
        self._http.clear()

    def upload_growing(self, bucket: Bucket, key: str, path: Path) -> GrowingUpload:
        """An upload of a file still being written, started now: each part is sent once
        written, so the upload ends right after the writer."""
        return GrowingUpload(self, bucket, key, path)

    async def download(self, bucket: Bucket, key: str, dest: Path) -> None:
        await self._call(
            bucket, lambda: self._client(bucket).fget_object(bucket.name, key, str(dest))
        )

    async def open_object(
        self, bucket: Bucket, key: str
    ) -> tuple[int, AsyncGenerator[bytes, None]]:
        """The object's size and its bytes, read as they are consumed (the connection is
        released once they are read, or the reader closed)."""
        answer = await self._call(bucket, lambda: self._client(bucket).get_object(bucket.name, key))
        size = int(answer.headers.get("Content-Length") or 0)
        return size, self._chunks(bucket, answer)

    async def _chunks(
        self, bucket: Bucket, answer: BaseHTTPResponse
    ) -> AsyncGenerator[bytes, None]:
        try:
            while chunk := await self._call(bucket, lambda: answer.read(CHUNK_BYTES)):
                yield chunk
        finally:
            answer.close()
            answer.release_conn()

    async def delete(self, bucket: Bucket, key: str) -> None:
        """Gone (deleting what is not there is no error: S3 says so too)."""
        await self._call(bucket, lambda: self._client(bucket).remove_object(bucket.name, key))

    def _client(self, bucket: Bucket) -> Minio:
        url = urlsplit(bucket.endpoint)
        return Minio(
            url.netloc,
            access_key=bucket.access_key_id,
            secret_key=bucket.secret_access_key,
            secure=url.scheme == "https",
            region=bucket.region,
            http_client=self._http,
        )

    async def _call(self, bucket: Bucket, call: Callable[[], T]) -> T:
        try:
            return await asyncio.to_thread(call)
        except S3Error as error:
            raise StoreError(f"{bucket.endpoint} refused: {error.code}: {error.message}") from None
        except (MinioException, urllib3.exceptions.HTTPError) as error:
            raise StoreError(f"{bucket.endpoint} could not be reached: {_why(error)}") from None


def _why(error: BaseException) -> str:
    """The innermost reason urllib3 wraps (connection refused, timed out...)."""
    reason = getattr(error, "reason", None)
    return str(reason or error)[:300]


class GrowingUpload:
    """A multipart upload following a file as it is written. `finish()` once the file is
    whole, `abandon()` when it is not to be kept: no further part is sent, the client aborts
    the multipart upload, and an upload that completed anyway is deleted. Never an object
    unless finished."""

    def __init__(self, stores: ObjectStores, bucket: Bucket, key: str, path: Path) -> None:
        self._whole = threading.Event()
        self._given_up = threading.Event()
        self._task = asyncio.ensure_future(
            stores._call(bucket, lambda: self._put(stores, bucket, key, path))
        )

    def finish(self) -> None:
        self._whole.set()

    def abandon(self) -> None:
        self._given_up.set()

    async def stored_size(self) -> int:
        """Once finished: the size the store holds (raises StoreError)."""
        try:
            return await asyncio.shield(self._task)
        except asyncio.CancelledError:
            self.abandon()
            raise

    def _put(self, stores: ObjectStores, bucket: Bucket, key: str, path: Path) -> int:
        client = stores._client(bucket)
        reader = _Following(path, self._whole, self._given_up)
        try:
            # One part at a time: once given up, no part is in flight to land after the abort.
            client.put_object(
                bucket.name,
                key,
                cast(BinaryIO, reader),
                -1,
                part_size=PART_SIZE,
                num_parallel_uploads=1,
            )
        finally:
            reader.close()
        if self._given_up.is_set():  # it completed before the reader saw it given up
            client.remove_object(bucket.name, key)
            raise StoreError("the upload was given up")
        return int(client.stat_object(bucket.name, key).size or 0)


class _Following:
    """Reads a file as it grows: waits for more bytes until the writer says it is whole; once
    the upload is given up, a read fails, so the client aborts rather than send a part."""

    POLL = 0.05

    def __init__(self, path: Path, whole: threading.Event, given_up: threading.Event) -> None:
        self._path = path
        self._whole = whole
        self._given_up = given_up
        self._file: BinaryIO | None = None

    def read(self, size: int = -1) -> bytes:
        while True:
            if self._given_up.is_set():
                raise StoreError("the upload was given up")
            whole = self._whole.is_set()  # read before the bytes: none can follow it then
            data = self._opened().read(size) if self._path.exists() else b""
            if data or whole:
                return data
            time.sleep(self.POLL)

    def _opened(self) -> BinaryIO:
        if self._file is None:
            self._file = self._path.open("rb")
        return self._file

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
