"""Where backups are kept besides the backups folder: S3-compatible stores (AWS S3, MinIO,
Backblaze B2, Wasabi, Cloudflare R2, a Garage...). A target is a kind of its own, at the top
like channels: any database of any project may keep its backups there. Its secret key is
sealed by the API and opened only by the backups controller."""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from ._base import SpecModel
from ._rules import refuse
from .fields import WebUrl

MAX_SECRET = 4096  # as stored: sealed, about 4/3 of its clear length plus 100
MAX_CLEAR_SECRET = 512
SECRET_FIELDS = ("secret_access_key",)
# A sealed secret is kept (sent back masked) only while these stay the same: a secret never
# follows the backups to another store.
DESTINATION_FIELDS = ("endpoint", "bucket", "access_key_id")

# S3's rules for bucket names (the strict ones every provider accepts).
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_REGION = re.compile(r"[a-z0-9-]{1,32}")
_SEGMENT = re.compile(r"[A-Za-z0-9._-]{1,100}")
_ACCESS_KEY = re.compile(r"[\x21-\x7e]{1,128}")  # printable ASCII, no space


class BackupTargetSpec(SpecModel):
    name: str = Field(min_length=1, max_length=100, description="What people call it.")
    type: Literal["s3"] = Field(default="s3", description="An S3-compatible object store.")
    endpoint: WebUrl = Field(
        description="The store's address, scheme and host (and port), no path: "
        "https://s3.eu-west-1.amazonaws.com, https://minio.example.com:9000."
    )
    region: str = Field(default="us-east-1", description="The bucket's region.")
    bucket: str = Field(description="The bucket, which must exist.")
    prefix: str = Field(
        default="",
        max_length=300,
        description="A folder in the bucket for this platform's backups, e.g. 'zaneops/prod'.",
    )
    access_key_id: str = Field(description="The access key's id.")
    secret_access_key: str = Field(
        min_length=1, max_length=MAX_SECRET, description="The access key's secret; sealed."
    )

    @field_validator("name")
    @classmethod
    def _a_name(cls, name: str) -> str:
        if any(ord(char) < 32 or ord(char) == 127 for char in name):
            raise refuse("invalid_name", "a name may not contain line breaks or control characters")
        return name

    @field_validator("endpoint")
    @classmethod
    def _scheme_and_host(cls, endpoint: str) -> str:
        url = urlsplit(endpoint)
        if url.path not in ("", "/") or url.query or url.fragment or url.username:
            raise refuse(
                "invalid_endpoint",
                "an endpoint is a scheme, a host and a port only, like https://s3.example.com; "
                "the bucket and folder have their own fields",
            )
        return endpoint.rstrip("/")

    @field_validator("region")
    @classmethod
    def _a_region(cls, region: str) -> str:
        if not _REGION.fullmatch(region):
            raise refuse("invalid_region", "a region has lowercase letters, digits and '-'")
        return region

    @field_validator("bucket")
    @classmethod
    def _a_bucket(cls, bucket: str) -> str:
        if not _BUCKET.fullmatch(bucket) or ".." in bucket:
            raise refuse(
                "invalid_bucket",
                "a bucket name has 3 to 63 lowercase letters, digits, '.' and '-', and starts "
                "and ends with a letter or digit",
            )
        return bucket

    @field_validator("prefix")
    @classmethod
    def _a_folder(cls, prefix: str) -> str:
        folder = prefix.strip("/")
        segments = folder.split("/") if folder else []
        if any(not _SEGMENT.fullmatch(s) or s in (".", "..") for s in segments):
            raise refuse(
                "invalid_prefix",
                "a folder is names of letters, digits, '.', '_' and '-' joined by '/', "
                "without '.' or '..'",
            )
        return "/".join(segments)

    @field_validator("access_key_id")
    @classmethod
    def _an_access_key(cls, key: str) -> str:
        if not _ACCESS_KEY.fullmatch(key):
            raise refuse("invalid_access_key_id", "an access key id is 1 to 128 printable ASCII")
        return key

    def key_of(self, relative: str) -> str:
        """The object key of a backup file (its path relative to the backups folder)."""
        return f"{self.prefix}/{relative}" if self.prefix else relative

    def where(self, relative: str) -> str:
        """How people read a backup's place: s3://bucket/key."""
        return f"s3://{self.bucket}/{self.key_of(relative)}"


def clear_secret_problem(value: str) -> str | None:
    """What is wrong with a secret key as sent in clear (the model sees only its length, since
    it also holds the sealed form), or None."""
    if len(value) > MAX_CLEAR_SECRET:
        return f"at most {MAX_CLEAR_SECRET} characters"
    if not _ACCESS_KEY.fullmatch(value):
        return "printable ASCII without spaces (it signs requests)"
    return None
