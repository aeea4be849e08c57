"""The Docker side of `zaneops up/down/status/logs`: images, secrets, the front network, and the
stack (through the docker CLI's `stack` commands, which do the compose-to-services work).

One method per outside operation; the planning in `launcher.platform` decides what to call.
"""

from __future__ import annotations

import contextlib
import subprocess
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import docker
from docker.errors import APIError, DockerException, NotFound

from zaneops.common.errors import Unavailable
from zaneops.common.naming import LABEL_COMPONENT, LABEL_SPEC_HASH

NAMESPACE = "com.docker.stack.namespace"
RUNNING = "running"


@dataclass(frozen=True)
class ServiceState:
    component: str  # postgres, api, controller-services, ...
    service: str  # the swarm service's name
    image: str
    replicas: int
    running: int  # tasks running the service's current spec
    update_state: str | None
    spec_hash: str
    version: int
    error: str = ""  # the newest failed task's reason


class DockerPlatform:
    def __init__(self, client: docker.DockerClient | None = None) -> None:
        try:
            self.client = client or docker.from_env(timeout=300)
        except DockerException as exc:
            raise Unavailable(f"the Docker engine does not answer: {exc}") from exc

    # --- images ---------------------------------------------------------------------------

    def image_exists(self, tag: str) -> bool:
        try:
            self.client.images.get(tag)
        except NotFound:
            return False
        return True

    def build_image(self, context: Path, dockerfile: str, tag: str, labels: dict[str, str]) -> None:
        """Classic builder, no registry pull unless FROM is missing; raises with the last lines."""
        lines: list[str] = []
        for chunk in self.client.api.build(
            path=str(context),
            dockerfile=dockerfile,
            tag=tag,
            labels=labels,
            rm=True,
            forcerm=True,
            decode=True,
        ):
            if "error" in chunk:
                raise Unavailable(
                    f"building {tag} failed: {chunk['error']}\n" + "".join(lines[-10:])
                )
            lines.append(chunk.get("stream", ""))

    def registry_reachable(self, image: str, timeout: int = 5) -> bool:
        """Asks the engine for an upstream image's manifest: cheap, no layers pulled."""
        # Its own client for its own timeout; from the environment like the main one (the
        # main client's base_url is docker-py's internal form, not one it accepts back).
        probe = docker.from_env(timeout=timeout)
        try:
            probe.api.inspect_distribution(image)  # type: ignore[no-untyped-call]
        except (DockerException, OSError):
            return False
        finally:
            probe.close()
        return True

    # --- secrets and networks -------------------------------------------------------------

    def secret_names(self, instance: str) -> set[str]:
        found = self.client.secrets.list(filters={"label": f"zane.instance={instance}"})
        return {secret.name for secret in found}

    def create_secret(self, name: str, value: str, labels: dict[str, str]) -> None:
        self.client.secrets.create(name=name, data=value.encode(), labels=labels)

    def remove_secret(self, name: str) -> None:
        with contextlib.suppress(NotFound):
            self.client.api.remove_secret(name)

    def ensure_network(self, name: str, labels: dict[str, str]) -> bool:
        """An attachable overlay, created if missing; True when created now."""
        if self.client.networks.list(names=[name]):
            return False
        self.client.networks.create(name, driver="overlay", attachable=True, labels=labels)
        return True

    def network_subnets(self, name: str) -> tuple[str, ...]:
        """The IPAM subnets of a network, e.g. ("10.0.1.0/24",); empty when it has none."""
        # The name filter matches substrings: keep the network of exactly this name.
        found = [n for n in self.client.networks.list(names=[name]) if n.name == name]
        configs = (found[0].attrs.get("IPAM") or {}).get("Config") or [] if found else []
        return tuple(str(config["Subnet"]) for config in configs if config.get("Subnet"))

    # --- the stack ------------------------------------------------------------------------

    @cached_property
    def _detach_flag(self) -> list[str]:
        """Newer clients wait for convergence by default; `up` does its own waiting."""
        usage = subprocess.run(
            ["docker", "stack", "deploy", "--help"], capture_output=True, text=True, check=False
        ).stdout
        return ["--detach=true"] if "--detach" in usage else []

    def deploy_stack(self, stack: str, compose_file: Path) -> None:
        self._docker_cli(
            "stack",
            "deploy",
            "--compose-file",
            str(compose_file),
            "--resolve-image",
            "never",
            "--prune",
            *self._detach_flag,
            stack,
        )

    def remove_stack(self, stack: str, network: str, timeout: float = 60.0) -> None:
        """`docker stack rm`, then wait until its services and its own network are gone."""
        if self._stack_services(stack):
            self._docker_cli("stack", "rm", stack)
        deadline = time.monotonic() + timeout
        while self._stack_services(stack) or self.client.networks.list(names=[network]):
            if time.monotonic() > deadline:
                raise Unavailable(f"stack {stack} still being removed after {timeout:.0f} s")
            time.sleep(0.5)

    def stack_services(self, stack: str) -> list[ServiceState]:
        return [self._state(service) for service in self._stack_services(stack)]

    def schedulable_managers(self) -> int:
        """Managers that take tasks now: ready, and neither drained nor paused."""
        nodes = self.client.api.nodes(filters={"role": "manager"})
        return sum(
            1
            for node in nodes
            if node["Status"]["State"] == "ready" and node["Spec"]["Availability"] == "active"
        )

    def logs(self, service: str, follow: bool) -> int:
        """The CLI writes the service's logs straight to our stdout (and follows them)."""
        argv = ["docker", "service", "logs", "--timestamps", service]
        return subprocess.run([*argv, "--follow"] if follow else argv, check=False).returncode

    # --- helpers --------------------------------------------------------------------------

    def _docker_cli(self, *args: str) -> None:
        done = subprocess.run(["docker", *args], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise Unavailable(f"docker {' '.join(args[:2])} failed: {done.stderr.strip()}")

    def _stack_services(self, stack: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.client.api.services(  # type: ignore[no-untyped-call]
            filters={"label": f"{NAMESPACE}={stack}"}
        )
        return found

    def _state(self, service: dict[str, Any]) -> ServiceState:
        spec = service["Spec"]
        labels = spec.get("Labels", {})
        tasks = self._tasks(service["ID"])
        template = spec["TaskTemplate"]["ContainerSpec"]
        current = [task for task in tasks if task["Spec"]["ContainerSpec"] == template]
        return ServiceState(
            component=labels.get(LABEL_COMPONENT, spec["Name"]),
            service=spec["Name"],
            image=template["Image"],
            replicas=spec.get("Mode", {}).get("Replicated", {}).get("Replicas", 1),
            running=sum(1 for task in current if task["Status"]["State"] == RUNNING),
            update_state=(service.get("UpdateStatus") or {}).get("State"),
            spec_hash=labels.get(LABEL_SPEC_HASH, ""),
            version=service["Version"]["Index"],
            error=_newest_error(tasks),
        )

    def _tasks(self, service_id: str) -> list[dict[str, Any]]:
        try:
            tasks: list[dict[str, Any]] = self.client.api.tasks(  # type: ignore[no-untyped-call]
                filters={"service": service_id}
            )
        except APIError:
            return []
        return tasks


def _newest_error(tasks: list[dict[str, Any]]) -> str:
    failed = [task for task in tasks if task["Status"].get("Err")]
    if not failed:
        return ""
    newest = max(failed, key=lambda task: task["Status"]["Timestamp"])
    return str(newest["Status"]["Err"])
