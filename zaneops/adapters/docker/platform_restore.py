"""The Docker side of `zaneops restore` and `zaneops secret-key export`: commands run in the
platform's own tasks (the postgres, migrate, API and controller containers), the stack's
services scaled down and back, and the sealing key's swarm secret replaced.

Synchronous (the CLI has nothing else to do meanwhile); argument lists only, no shell here.
"""

from __future__ import annotations

import contextlib
import subprocess
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

import docker
from docker.errors import APIError, DockerException, NotFound

from zaneops.common.errors import Unavailable

from .dumps import SWARM_SERVICE_LABEL, Ran
from .platform import NAMESPACE


class PlatformTasks:
    def __init__(self, client: docker.DockerClient | None = None) -> None:
        try:
            self.client = client or docker.from_env(timeout=300)
        except DockerException as exc:
            raise Unavailable(f"the Docker engine does not answer: {exc}") from exc
        self._api: Any = self.client.api

    def running_task(self, service: str) -> str | None:
        """A running container of the swarm service `service`, if there is one."""
        filters = {"label": [f"{SWARM_SERVICE_LABEL}={service}"], "status": "running"}
        found = self._api.containers(filters=filters)
        return str(max(found, key=lambda c: c.get("Created", 0))["Id"]) if found else None

    def run_in(self, container: str, command: list[str], environment: dict[str, str]) -> Ran:
        """`command` in `container`, with `environment` added; stdout and stderr, in order."""
        try:
            created = self._api.exec_create(container, command, environment=environment)
            output = self._api.exec_start(created["Id"])
            code = self._api.exec_inspect(created["Id"]).get("ExitCode")
        except APIError as exc:
            raise Unavailable(f"running a command in {container[:12]} failed: {exc}") from exc
        return Ran(-1 if code is None else int(code), bytes(output).decode(errors="replace"))

    def read_file(self, container: str, path: str) -> bytes:
        """A file's bytes from a container (e.g. a mounted swarm secret)."""
        created = self._api.exec_create(container, ["cat", "--", path], stderr=False)
        output = bytes(self._api.exec_start(created["Id"]))
        if self._api.exec_inspect(created["Id"]).get("ExitCode") != 0:
            raise Unavailable(f"{path} could not be read in container {container[:12]}")
        return output

    def copy_in(self, container: str, source: Path, folder: str, name: str) -> None:
        with tempfile.TemporaryFile() as bundle:
            with tarfile.open(fileobj=bundle, mode="w") as tar:
                tar.add(source, arcname=name)
            bundle.seek(0)
            self._api.put_archive(container, folder, bundle)

    # --- the stack's services -------------------------------------------------------------

    def replicas(self, stack: str) -> dict[str, int]:
        """Each replicated service of the stack: its replicas now."""
        found = self._api.services(filters={"label": f"{NAMESPACE}={stack}"})
        return {
            service["Spec"]["Name"]: int(service["Spec"]["Mode"]["Replicated"]["Replicas"])
            for service in found
            if "Replicated" in service["Spec"].get("Mode", {})
        }

    def scale(self, service: str, replicas: int) -> None:
        self._docker_cli("service", "scale", "--detach", f"{service}={replicas}")

    def wait_stopped(self, services: list[str], timeout: float) -> None:
        """Until none of `services` has a running container."""
        deadline = time.monotonic() + timeout
        while any(self.running_task(service) for service in services):
            if time.monotonic() > deadline:
                raise Unavailable(f"{', '.join(services)} still running after {timeout:.0f} s")
            time.sleep(0.5)

    def secret_targets(self, secret: str, stack: str) -> dict[str, str]:
        """The stack's services that mount the swarm secret `secret`, and the file name each
        mounts it as."""
        found = self._api.services(filters={"label": f"{NAMESPACE}={stack}"})
        mounted = {}
        for service in found:
            template = service["Spec"]["TaskTemplate"]["ContainerSpec"]
            for ref in template.get("Secrets", []):
                if ref.get("SecretName") == secret:
                    mounted[service["Spec"]["Name"]] = str(ref["File"]["Name"])
        return mounted

    def replace_secret(
        self, secret: str, value: str, labels: dict[str, str], mounted: dict[str, str]
    ) -> None:
        """A swarm secret is immutable and cannot be removed while a service names it: each
        service lets go of it, it is made again with the new value, and each mounts it again
        under the same file name (the services are scaled to 0 meanwhile)."""
        for service in mounted:
            self._docker_cli("service", "update", "--detach", "--secret-rm", secret, service)
        with contextlib.suppress(NotFound):
            self.client.secrets.get(secret).remove()
        self.client.secrets.create(name=secret, data=value.encode(), labels=labels)
        for service, target in mounted.items():
            ref = f"source={secret},target={target}"
            self._docker_cli("service", "update", "--detach", "--secret-add", ref, service)

    def _docker_cli(self, *args: str) -> None:
        done = subprocess.run(["docker", *args], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise Unavailable(f"docker {' '.join(args[:3])} failed: {done.stderr.strip()}")
