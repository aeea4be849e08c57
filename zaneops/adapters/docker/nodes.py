"""The swarm's servers for `zaneops node ...`: list them, the command that joins a new one,
availability, labels, removal. Run on a manager (the Docker engine the CLI talks to)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import docker
from docker.errors import APIError, DockerException

from zaneops.common.errors import Conflict, NotFound, Unavailable

SWARM_PORT = 2377


@dataclass(frozen=True)
class ServerNode:
    id: str
    hostname: str
    role: str  # manager | worker
    state: str  # ready | down | unknown | disconnected
    availability: str  # active | pause | drain
    leader: bool
    address: str
    engine: str  # the engine's version
    labels: dict[str, str]
    cpus: float
    memory_bytes: int


def _node(raw: dict[str, Any]) -> ServerNode:
    description = raw.get("Description", {})
    resources = description.get("Resources", {})
    return ServerNode(
        id=raw["ID"],
        hostname=description.get("Hostname", ""),
        role=raw["Spec"]["Role"],
        state=raw["Status"]["State"],
        availability=raw["Spec"]["Availability"],
        leader=bool(raw.get("ManagerStatus", {}).get("Leader", False)),
        address=raw["Status"].get("Addr", ""),
        engine=description.get("Engine", {}).get("EngineVersion", ""),
        labels=dict(raw["Spec"].get("Labels") or {}),
        cpus=resources.get("NanoCPUs", 0) / 1e9,
        memory_bytes=resources.get("MemoryBytes", 0),
    )


class SwarmNodes:
    def __init__(self, client: docker.DockerClient | None = None) -> None:
        try:
            self.client = client or docker.from_env(timeout=60)
            self.client.ping()
        except DockerException as exc:
            raise Unavailable(f"the Docker engine does not answer: {exc}") from exc

    def servers(self) -> list[ServerNode]:
        raw: list[dict[str, Any]] = self._call(self.client.api.nodes)
        return sorted(
            (_node(node) for node in raw), key=lambda n: (n.role != "manager", n.hostname)
        )

    def join_command(self, role: str) -> list[str]:
        """`docker swarm join` as a new server runs it: its token and a manager's address."""
        swarm: dict[str, Any] = self._call(self.client.api.inspect_swarm)
        token = swarm["JoinTokens"]["Manager" if role == "manager" else "Worker"]
        return ["docker", "swarm", "join", "--token", token, self._manager_address()]

    def set_availability(self, reference: str, availability: str) -> ServerNode:
        return self._update(reference, lambda spec: {**spec, "Availability": availability})

    def set_labels(self, reference: str, add: dict[str, str], remove: list[str]) -> ServerNode:
        def relabelled(spec: dict[str, Any]) -> dict[str, Any]:
            labels = {**(spec.get("Labels") or {}), **add}
            for key in remove:
                labels.pop(key, None)
            return {**spec, "Labels": labels}

        return self._update(reference, relabelled)

    def remove(self, reference: str, force: bool) -> ServerNode:
        node = self.find(reference)
        try:
            self.client.api.remove_node(node.id, force=force)
        except APIError as exc:
            raise Conflict(f"{node.hostname}: {exc.explanation or exc}") from exc
        return node

    def find(self, reference: str) -> ServerNode:
        """A node by hostname, or by its ID or an unambiguous start of it."""
        nodes = self.servers()
        by_name = [n for n in nodes if n.hostname == reference]
        found = by_name or [n for n in nodes if reference and n.id.startswith(reference)]
        if len(found) == 1:
            return found[0]
        names = ", ".join(n.hostname for n in nodes)
        if not found:
            raise NotFound(f"no server named {reference!r}; the servers are: {names}")
        raise Conflict(f"{reference!r} names {len(found)} servers: give the whole ID")

    def _update(self, reference: str, change: Any) -> ServerNode:
        node = self.find(reference)
        raw: dict[str, Any] = self._call(self.client.api.inspect_node, node.id)
        spec = change(raw["Spec"])
        try:
            self.client.api.update_node(node.id, raw["Version"]["Index"], spec)
        except APIError as exc:
            raise Conflict(f"{node.hostname}: {exc.explanation or exc}") from exc
        return self.find(node.id)

    def _manager_address(self) -> str:
        info: dict[str, Any] = self._call(self.client.info)
        swarm = info.get("Swarm", {})
        own = swarm.get("NodeAddr", "")
        if own and swarm.get("ControlAvailable"):
            return f"{own}:{SWARM_PORT}"
        managers = swarm.get("RemoteManagers") or []
        if not managers:
            raise Unavailable("this engine knows no manager of its swarm")
        return str(managers[0]["Addr"])

    def _call(self, method: Any, *args: Any) -> Any:
        try:
            return method(*args)
        except APIError as exc:
            if exc.status_code == 503:
                raise Unavailable(
                    "this Docker engine is not a swarm manager: run the command on a manager"
                ) from exc
            raise Unavailable(f"the Docker engine refused: {exc.explanation or exc}") from exc
        except DockerException as exc:
            raise Unavailable(f"the Docker engine does not answer: {exc}") from exc
