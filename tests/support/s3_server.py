"""A real S3 API server for the tests: moto's server mode in a container (testcontainers),
published on loopback only. Its image is built here from tests/images/s3-server with wheels
made on the host (pip cannot reach the registry from inside a build)."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from minio import Minio
from testcontainers.core.config import testcontainers_config
from testcontainers.core.container import DockerContainer

from tests.support.images import CONTEXTS, ensure_built

# testcontainers' reaper (Ryuk) is an image from a registry this machine cannot reach; the
# server is removed by the context that started it.
testcontainers_config.ryuk_disabled = True

IMAGE = "zaneops-test/s3-server:local"
REQUIREMENTS = ("moto[s3]>=5.1,<6", "flask>=3,<4", "flask-cors>=4,<7")
WHEELS = Path(tempfile.gettempdir()) / "zaneops-s3-server-wheels"
ACCESS_KEY = "zane-test-key"
SECRET_KEY = "zane-test-secret-0123456789"
REGION = "us-east-1"


@dataclass
class S3Server:
    endpoint: str  # http://127.0.0.1:PORT
    container: DockerContainer

    def client(self) -> Minio:
        host = self.endpoint.removeprefix("http://")
        return Minio(host, ACCESS_KEY, SECRET_KEY, secure=False, region=REGION)

    def objects(self, bucket: str) -> dict[str, bytes]:
        """Every object of the bucket (complete ones: a multipart upload never finished is
        not an object), by key."""
        client = self.client()
        found = {}
        for item in client.list_objects(bucket, recursive=True):
            assert item.object_name is not None
            found[item.object_name] = client.get_object(bucket, item.object_name).read()
        return found

    def stop(self) -> None:
        self.container.get_wrapped_container().stop(timeout=1)


def ensure_s3_server_image() -> str:
    context = CONTEXTS / "s3-server"
    with tempfile.TemporaryDirectory(prefix="zaneops-s3-context-") as folder:
        build = Path(folder)
        shutil.copytree(context, build, dirs_exist_ok=True)
        shutil.copytree(_wheels(), build / "wheels")
        return ensure_built(IMAGE, build)


def _wheels() -> Path:
    key = hashlib.sha256("\n".join([sys.version, *REQUIREMENTS]).encode()).hexdigest()[:12]
    folder = WHEELS / key
    if not folder.is_dir():
        partial = Path(tempfile.mkdtemp(prefix="partial-"))
        subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--quiet", "-w", str(partial), *REQUIREMENTS],
            check=True,
            capture_output=True,
            timeout=600,
        )
        folder.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(partial, folder)
    return folder


@contextmanager
def s3_server(*buckets: str) -> Iterator[S3Server]:
    """A fresh S3 server on loopback, with these buckets made."""
    server = DockerContainer(ensure_s3_server_image(), labels={"zane.test": "s3-server"})
    server.ports["5000/tcp"] = ("127.0.0.1", None)  # loopback only; any free port
    with server:
        endpoint = f"http://127.0.0.1:{server.get_exposed_port(5000)}"
        _wait_until_answering(endpoint)
        found = S3Server(endpoint, server)
        for bucket in buckets:
            found.client().make_bucket(bucket)
        yield found


def _wait_until_answering(endpoint: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            httpx.get(endpoint, timeout=2)
            return
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
