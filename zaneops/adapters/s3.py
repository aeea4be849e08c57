"""S3-compatible object stores, for backup files: upload (multipart, aborted on failure, so a
partial upload never becomes an object), download, size, delete. Through the minio client
(small, speaks every S3 dialect), run in threads: its calls block."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TypeVar, cast
from urllib.parse import urlsplit

import urllib3
from minio import Minio
from minio.error import MinioException, S3Error

T = TypeVar("T")
PART_SIZE = 16 << 20  # a failed part costs at most this much again
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

    async def upload(self, bucket: Bucket, key: str, source: Path, sha256: str) -> int:
        """The file stored under key (its sha256 as metadata); the stored size. An upload
        given up (its task cancelled, e.g. by a timeout) sends no further part, and one that
        completes anyway is deleted: it never stays as an object."""
        given_up = threading.Event()

        def put() -> int:
            client = self._client(bucket)
            with source.open("rb") as data:
                client.put_object(
                    bucket.name,
                    key,
                    cast(BinaryIO, _Stoppable(data, given_up)),
                    length=source.stat().st_size,
                    metadata={"sha256": sha256},
                    part_size=PART_SIZE,
                )
            if given_up.is_set():
                client.remove_object(bucket.name, key)
                raise StoreError("the upload was given up")
            return int(client.stat_object(bucket.name, key).size or 0)

        try:
            return await self._call(bucket, put)
        except asyncio.CancelledError:
            given_up.set()
            raise

    async def download(self, bucket: Bucket, key: str, dest: Path) -> None:
        await self._call(
            bucket, lambda: self._client(bucket).fget_object(bucket.name, key, str(dest))
        )

    async def size_of(self, bucket: Bucket, key: str) -> int | None:
        """The object's size; None when there is no such object."""

        def stat() -> int | None:
            try:
                return int(self._client(bucket).stat_object(bucket.name, key).size or 0)
            except S3Error as error:
                if error.code in ("NoSuchKey", "NotFound", "ResourceNotFound"):
                    return None
                raise

        return await self._call(bucket, stat)

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


class _Stoppable:
    """A file read part by part by the client; once the upload is given up, a read fails,
    so the client aborts its multipart upload rather than send the next part."""

    def __init__(self, data: BinaryIO, given_up: threading.Event) -> None:
        self._data = data
        self._given_up = given_up

    def read(self, size: int = -1) -> bytes:
        if self._given_up.is_set():
            raise StoreError("the upload was given up")
        return self._data.read(size)
