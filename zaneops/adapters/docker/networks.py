"""Environments' overlay networks and the proxy's attachments to them, through docker-py.

Docker attaches a container that Swarm runs (the proxy's task) to an overlay only once that
overlay exists on its node, and an overlay exists on a node only while something there uses
it. A plain container, though, may be attached to any attachable overlay at any time: so one
inert anchor container per node holds every environment's network there, and the proxy's
container is then attached beside it, without restarting the proxy.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import docker
from docker.errors import APIError, NotFound

from zaneops.adapters.docker.models import DockerEvent
from zaneops.adapters.docker.streams import in_thread
from zaneops.common.naming import LABEL_INSTANCE

SERVICE_NAME_LABEL = "com.docker.swarm.service.name"
ANCHOR_COMMAND = ["sleep", "infinity"]
ANCHOR_MEMORY = 16 * 1024 * 1024


@dataclass(frozen=True)
class Network:
    name: str
    labels: dict[str, str]
    subnet: str  # empty when Docker chose none (not an IPv4 network)
    ip_range: str  # empty: the whole subnet is Swarm's to allocate


def _network(raw: dict[str, Any]) -> Network:
    pools = (raw.get("IPAM") or {}).get("Config") or [{}]
    return Network(
        name=raw["Name"],
        labels=dict(raw.get("Labels") or {}),
        subnet=pools[0].get("Subnet", ""),
        ip_range=pools[0].get("IPRange", ""),
    )


class NotOnThisNode(Exception):
    """Docker answered 404 to a connect: the network is not present on this node (or the
    container is gone), though the anchor was meant to hold it there."""


@dataclass(frozen=True)
class Attached:
    """A running container and the networks it is attached to, by name."""

    id: str
    name: str
    networks: frozenset[str]
    running: bool = True


def _attached(raw: dict[str, Any]) -> Attached:
    settings = (raw.get("NetworkSettings") or {}).get("Networks") or {}
    return Attached(id=raw["Id"], name=raw["Name"].lstrip("/"), networks=frozenset(settings.keys()))


class EnvironmentNetworks:
    """The one place the platform attaches the proxy to environments' networks."""

    def __init__(self, client: docker.DockerClient | None = None) -> None:
        self._client = client or docker.from_env(timeout=60)
        self._api: Any = self._client.api

    def close(self) -> None:
        self._client.close()

    # --- networks --------------------------------------------------------------------------

    async def network(self, name: str) -> Network | None:
        found = await asyncio.to_thread(self._api.networks, names=[name])
        exact = [raw for raw in found if raw["Name"] == name]  # the filter matches substrings
        return _network(exact[0]) if exact else None

    async def create_overlay(
        self, name: str, labels: dict[str, str], subnet: str, ip_range: str
    ) -> None:
        """An attachable overlay whose tasks get addresses from ip_range only."""
        pool = docker.types.IPAMPool(subnet=subnet, iprange=ip_range)
        await asyncio.to_thread(
            self._api.create_network,
            name,
            driver="overlay",
            attachable=True,
            labels=labels,
            ipam=docker.types.IPAMConfig(pool_configs=[pool]),
            check_duplicate=True,
        )

    async def used_subnets(self) -> list[str]:
        """Every subnet the engine knows of, whoever made it: a new one must overlap none."""
        found = await asyncio.to_thread(self._api.networks)
        return [network.subnet for network in map(_network, found) if network.subnet]

    async def list_networks(self, instance: str) -> list[Network]:
        found = await asyncio.to_thread(
            self._api.networks, filters={"label": f"{LABEL_INSTANCE}={instance}"}
        )
        return [_network(raw) for raw in found]

    async def remove_network(self, name: str) -> bool:
        """False while a task still uses it (Docker refuses); True once it is gone."""
        try:
            await asyncio.to_thread(self._api.remove_network, name)
        except NotFound:
            return True
        except APIError:
            return False
        return True

    async def ensure_bridge(self, name: str, labels: dict[str, str]) -> None:
        """A local internal bridge: the anchor's own network, with no way out."""
        if await asyncio.to_thread(self._api.networks, names=[name]):
            return
        await asyncio.to_thread(
            self._api.create_network, name, driver="bridge", internal=True, labels=labels
        )

    # --- containers ------------------------------------------------------------------------

    async def service_containers(self, service: str) -> list[Attached]:
        """The running containers of a swarm service on this node."""
        filters = {"label": f"{SERVICE_NAME_LABEL}={service}", "status": "running"}
        listed = await asyncio.to_thread(self._api.containers, filters=filters)
        found = [await self.find_container(raw["Id"]) for raw in listed]
        return [container for container in found if container is not None and container.running]

    async def service_image(self, service: str) -> str | None:
        """The image a swarm service runs, or None without such a service."""
        try:
            raw = await asyncio.to_thread(self._api.inspect_service, service)
        except NotFound:
            return None
        image: str = raw["Spec"]["TaskTemplate"]["ContainerSpec"]["Image"]
        return image.split("@", 1)[0]

    async def find_container(self, name: str) -> Attached | None:
        """A container by name or id, running or not."""
        try:
            raw = await asyncio.to_thread(self._api.inspect_container, name)
        except NotFound:
            return None
        return _attached(raw)

    async def remove_container(self, name: str) -> None:
        with contextlib.suppress(NotFound):
            await asyncio.to_thread(self._api.remove_container, name, force=True)

    async def start_anchor(
        self, name: str, image: str, bridge: str, labels: dict[str, str]
    ) -> Attached:
        """An inert container (no privileges, no writes, no way out) that only holds networks."""
        host_config = self._api.create_host_config(
            network_mode=bridge,
            restart_policy={"Name": "unless-stopped"},
            mem_limit=ANCHOR_MEMORY,
            pids_limit=4,
            read_only=True,
            cap_drop=["ALL"],
            security_opt=["no-new-privileges"],
        )
        created = await asyncio.to_thread(
            self._api.create_container,
            image,
            command=ANCHOR_COMMAND,
            name=name,
            user="65534:65534",
            labels=labels,
            host_config=host_config,
        )
        try:
            await asyncio.to_thread(self._api.start, created["Id"])
        except APIError:
            # Docker may leave a container it failed to start running with half its
            # networking: never keep one, the next attempt makes a fresh anchor.
            await self.remove_container(created["Id"])
            raise
        started = await self.find_container(created["Id"])
        if started is None or not started.running:
            raise RuntimeError(f"the anchor container {name} stopped as soon as it started")
        return started

    async def connect(self, network: str, container_id: str, address: str | None = None) -> None:
        """Attach a running container; with an address, at that address."""
        try:
            await asyncio.to_thread(
                self._api.connect_container_to_network,
                container_id,
                network,
                ipv4_address=address,
            )
        except NotFound as error:
            raise NotOnThisNode(str(error.explanation or error)) from error
        except APIError as error:
            if "already exists" not in str(error.explanation or ""):
                raise

    async def disconnect(self, network: str, container_id: str) -> None:
        try:
            await asyncio.to_thread(
                self._api.disconnect_container_from_network, container_id, network, force=True
            )
        except NotFound:
            pass
        except APIError as error:
            if "is not connected" not in str(error.explanation or ""):
                raise

    async def events(self) -> AsyncIterator[DockerEvent]:
        """Containers starting or stopping and containers leaving networks, as they happen."""

        def open_stream() -> tuple[Iterator[DockerEvent], Any]:
            filters = {
                "type": ["container", "network"],
                "event": ["start", "die", "destroy", "disconnect"],
            }
            stream = self._api.events(decode=True, filters=filters)
            return (DockerEvent.from_raw(raw) for raw in stream), stream

        async for event in in_thread(open_stream):
            yield event
