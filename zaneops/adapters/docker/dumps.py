"""What backups need of the engine: a database's running container, a command run in it with
its output streamed to a file, and scratch containers to restore into.

Blocking docker-py calls run in a worker thread, like the rest of this adapter.
"""

from __future__ import annotations

import asyncio
import os
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
from docker.errors import APIError, NotFound

from zaneops.adapters.age import decrypt, sink_for
from zaneops.common.naming import LABEL_INSTANCE, LABEL_OWNER

CHUNK = 1 << 20
SWARM_SERVICE_LABEL = "com.docker.swarm.service.name"


@dataclass(frozen=True)
class RunningContainer:
    id: str
    image: str


@dataclass(frozen=True)
class Streamed:
    """What a command run in a container did: its exit code, what it wrote to the file,
    and the end of what it said on stderr."""

    exit_code: int
    size: int
    sha256: str
    stderr: str
    encrypt_failure: str | None = None  # age's words, when encrypting the stream failed


@dataclass(frozen=True)
class Ran:
    exit_code: int
    output: str  # stdout and stderr, in order


class DatabaseDumps:
    def __init__(self, client: docker.DockerClient | None = None) -> None:
        self._client = client or docker.from_env(timeout=60)
        self._api: Any = self._client.api

    def close(self) -> None:
        self._client.close()

    async def running_container(self, instance: str, owner: str) -> RunningContainer | None:
        """A running container of the service `owner` ("services/<id>"), if there is one."""
        filters = {
            "label": [f"{LABEL_INSTANCE}={instance}", f"{LABEL_OWNER}={owner}"],
            "status": "running",
        }
        return await self._newest_running(filters)

    async def running_task_of(self, instance: str, swarm_service: str) -> RunningContainer | None:
        """A running container of the platform's own swarm service (e.g. "zaneops_postgres")."""
        filters = {
            "label": [f"{LABEL_INSTANCE}={instance}", f"{SWARM_SERVICE_LABEL}={swarm_service}"],
            "status": "running",
        }
        return await self._newest_running(filters)

    async def _newest_running(self, filters: dict[str, Any]) -> RunningContainer | None:
        found = await asyncio.to_thread(self._api.containers, filters=filters)
        if not found:
            return None
        newest = max(found, key=lambda c: c.get("Created", 0))
        return RunningContainer(newest["Id"], str(newest["Image"]))

    async def stream_to_file(
        self,
        container_id: str,
        command: list[str],
        dest: Path,
        stderr_limit: int,
        recipient: str | None = None,
    ) -> Streamed:
        """Runs `command` in the container, its stdout written to `dest` (made durable);
        with a recipient, encrypted by age on the way (size and sha256: the file's)."""
        return await asyncio.to_thread(
            self._stream, container_id, command, dest, stderr_limit, recipient
        )

    def _stream(
        self,
        container_id: str,
        command: list[str],
        dest: Path,
        stderr_limit: int,
        recipient: str | None,
    ) -> Streamed:
        created = self._api.exec_create(container_id, command, stdout=True, stderr=True)
        stream = self._api.exec_start(created["Id"], stream=True, demux=True)
        errors = bytearray()
        with dest.open("wb") as out:
            with sink_for(out, recipient) as sink:
                for stdout, stderr in stream:
                    if stdout:
                        sink.write(stdout)
                    if stderr:
                        errors += stderr
                        del errors[: max(0, len(errors) - stderr_limit)]
                written = sink.finish()
            out.flush()
            os.fsync(out.fileno())
        code = self._api.exec_inspect(created["Id"]).get("ExitCode")
        text = bytes(errors).decode(errors="replace")
        exit_code = -1 if code is None else int(code)
        return Streamed(exit_code, written.size, written.sha256, text, written.failure)

    async def decrypt_file(self, identity: str, source: Path, dest: Path, timeout: float) -> None:
        """`source` (an age file) decrypted into `dest`; AgeFailed says why it could not be."""
        await asyncio.to_thread(decrypt, identity, source, dest, timeout)

    async def run_in(self, container_id: str, command: list[str]) -> Ran:
        def run() -> Ran:
            created = self._api.exec_create(container_id, command, stdout=True, stderr=True)
            output = self._api.exec_start(created["Id"])
            code = self._api.exec_inspect(created["Id"]).get("ExitCode")
            text = bytes(output).decode(errors="replace")
            return Ran(-1 if code is None else int(code), text)

        return await asyncio.to_thread(run)

    async def start_scratch(
        self, image: str, name: str, environment: dict[str, str], labels: dict[str, str]
    ) -> str:
        """A container of `image` with no network and no volume: thrown away after use."""

        def start() -> str:
            self.remove_sync(name)
            container = self._client.containers.run(
                image,
                detach=True,
                name=name,
                environment=environment,
                labels=labels,
                network_mode="none",
                mem_limit="512m",
            )
            return str(container.id)

        return await asyncio.to_thread(start)

    async def copy_in(self, container_id: str, source: Path, folder: str, name: str) -> None:
        """`source` into the container's `folder` as `name` (through a tar beside `source`)."""

        def copy() -> None:
            bundle = source.with_name(source.name + ".tar")
            try:
                with tarfile.open(bundle, "w") as tar:
                    tar.add(source, arcname=name)
                with bundle.open("rb") as data:
                    self._api.put_archive(container_id, folder, data)
            finally:
                bundle.unlink(missing_ok=True)

        await asyncio.to_thread(copy)

    async def remove(self, name_or_id: str) -> None:
        await asyncio.to_thread(self.remove_sync, name_or_id)

    def remove_sync(self, name_or_id: str) -> None:
        try:
            self._api.remove_container(name_or_id, force=True)
        except NotFound:
            pass
        except APIError as exc:
            if exc.status_code != 409:  # removal already under way
                raise
