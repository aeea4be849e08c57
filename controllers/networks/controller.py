"""The networks controller: each environment's overlay, and the proxy attached to every one.

An environment's services sit on their environment's network alone, so a service of one
environment cannot reach another's; the proxy is the one thing on all of them. Attaching
never restarts the proxy: its container is connected to each network, at a fixed address
Swarm never hands out (see addresses.py), beside the anchor, an inert container that keeps
the networks present on the node (see the adapter's notes). A restarted proxy comes back
attached to nothing: its start event wakes every environment.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from ipaddress import IPv4Network
from uuid import UUID

import structlog

from zaneops.adapters.docker.models import DockerEvent
from zaneops.adapters.docker.networks import Attached, Network, NotOnThisNode
from zaneops.common import naming
from zaneops.common.settings import InstallationSettings
from zaneops.runtime.controller import Context, Controller, Result, TerminalError
from zaneops.specs import Condition, ConditionStatus, Status
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import Key, StoredObject

from .addresses import PoolExhausted, choose_subnet, proxy_address, swarm_range
from .ports import EnvironmentRows, NetworkEngine
from .settings import NetworksSettings

FINALIZER = "networks.zaneops.dev/network"
READY = "Ready"
OWNER_PREFIX = f"{Kind.ENVIRONMENTS.value}/"
ALLOCATION_POLL_SECONDS = 0.5

log = structlog.get_logger("networks")


class NetworksController(Controller):
    name = "networks"
    kind = Kind.ENVIRONMENTS
    finalizer = FINALIZER

    def __init__(
        self,
        installation: InstallationSettings,
        settings: NetworksSettings,
        rows: EnvironmentRows,
        engine: NetworkEngine,
    ) -> None:
        self.instance = installation.instance
        self.settings = settings
        self.store = rows
        self.engine = engine
        self.proxy = settings.proxy_service or naming.stack_service(self.instance, "proxy")
        self.anchor = naming.anchor(self.instance)
        self._holder_ids: set[str] = set()  # the anchor's and proxies' containers seen last
        self._anchor_lock = asyncio.Lock()  # environments reconcile at once; one anchor
        self._subnet_lock = asyncio.Lock()  # two new networks must not pick the same subnet
        # Subnets this process gave out: Swarm lists a new network's subnet only once its
        # allocator got to it, so a burst of creations must not count on the listing alone.
        self._given: set[str] = set()

    # --- reconcile -------------------------------------------------------------------------

    async def reconcile(self, ctx: Context, obj: StoredObject) -> Result:
        network = await self._ensure_network(ctx, obj)
        if not network.subnet:  # ours, and Swarm has not allocated it yet: look again soon
            return Result(obj.status, requeue_after=ALLOCATION_POLL_SECONDS)
        subnet = IPv4Network(network.subnet)
        proxies = await self._attach(ctx, network.name, subnet)
        await self._remove_earlier_networks(ctx, obj.id, network.name)
        details = {
            "network": network.name,
            "subnet": network.subnet,
            "proxy_containers": [proxy.name for proxy in proxies],
        }
        ready = _attached(network.name) if proxies else _no_proxy(self.proxy)
        status = obj.status.model_copy(update={"details": details}).with_condition(ready)
        return Result(status, requeue_after=self.settings.observe_seconds)

    async def _ensure_network(self, ctx: Context, obj: StoredObject) -> Network:
        name = naming.environment_network(self.instance, obj.id)
        async with self._subnet_lock:
            found = await self.engine.network(name)
            if found is None:
                found = await self._create_network(ctx, obj, name)
        ours = found.labels.get(naming.LABEL_OWNER) == _owner(obj.id)
        # Ours with a subnet but no range of its own: made by hand, or by another program.
        if not ours or (found.subnet and not found.ip_range):
            message = (
                f"a network named {name} exists that this controller did not make (no "
                "address range of its own, or another owner): remove it by hand"
            )
            raise TerminalError("NetworkNotOurs", message, _not_ready(obj.status, message))
        return found

    async def _create_network(self, ctx: Context, obj: StoredObject, name: str) -> Network:
        used = [*await self.engine.used_subnets(), *self._given]
        try:
            subnet = choose_subnet(self.settings.subnet_pool, self.settings.subnet_prefix, used)
        except PoolExhausted as exc:
            raise TerminalError("SubnetPoolExhausted", str(exc)) from None
        ctx.ensure_leader()
        labels = self._labels(_owner(obj.id))
        await self.engine.create_overlay(name, labels, str(subnet), str(swarm_range(subnet)))
        self._given.add(str(subnet))
        log.info("network created", network=name, subnet=str(subnet))
        return Network(name, labels, str(subnet), str(swarm_range(subnet)))

    async def _remove_earlier_networks(self, ctx: Context, environment_id: UUID, kept: str) -> None:
        """Networks an earlier version made for this environment (no address range of their
        own): removed once its services have rolled over to the new one (Docker refuses
        while a task uses one; the next reconcile tries again)."""
        for network in await self.engine.list_networks(self.instance):
            owned = network.labels.get(naming.LABEL_OWNER) == _owner(environment_id)
            if owned and network.name != kept:
                ctx.ensure_leader()
                if await self.engine.remove_network(network.name):
                    log.info("earlier network removed", network=network.name)

    async def _attach(self, ctx: Context, network: str, subnet: IPv4Network) -> list[Attached]:
        """The anchor first (it makes the network present here), then each proxy container
        at its fixed address."""
        proxies = sorted(await self.engine.service_containers(self.proxy), key=lambda c: c.name)
        if not proxies:
            return []
        anchor = await self._running_anchor(ctx)
        self._holder_ids = {anchor.id, *(proxy.id for proxy in proxies)}
        if network not in anchor.networks:
            ctx.ensure_leader()
            try:
                await self.engine.connect(network, anchor.id)
            except NotOnThisNode as exc:
                await self._replace_anchor(ctx, anchor.id, reason=str(exc))
                raise
        for index, proxy in enumerate(proxies):
            if network not in proxy.networks:
                ctx.ensure_leader()
                address = str(proxy_address(subnet, index))
                await self._connect_proxy(ctx, network, proxy, anchor_id=anchor.id, address=address)
        return proxies

    async def _connect_proxy(
        self, ctx: Context, network: str, proxy: Attached, *, anchor_id: str, address: str
    ) -> None:
        try:
            await self.engine.connect(network, proxy.id, address)
        except NotOnThisNode as exc:
            # The proxy's task is gone (a rolling update): the next attempt sees the new
            # one. Still there, the network is not on the node although the anchor holds it
            # (seen once after Docker failed the anchor's start): a fresh anchor, not the
            # same 404 forever.
            if await self.engine.find_container(proxy.id) is not None:
                await self._replace_anchor(ctx, anchor_id, reason=str(exc))
            raise

    async def _replace_anchor(self, ctx: Context, anchor_id: str, reason: str) -> None:
        """Only the anchor that failed: another environment's reconcile may have made a new
        one meanwhile."""
        async with self._anchor_lock:
            current = await self.engine.find_container(self.anchor)
            if current is None or current.id != anchor_id:
                return
            ctx.ensure_leader()
            await self.engine.remove_container(self.anchor)
        log.warning("anchor removed, to be made again", reason=reason)

    async def _running_anchor(self, ctx: Context) -> Attached:
        async with self._anchor_lock:
            return await self._ensure_anchor(ctx)

    async def _ensure_anchor(self, ctx: Context) -> Attached:
        found = await self.engine.find_container(self.anchor)
        if found is not None and found.running:
            return found
        image = await self.engine.service_image(self.proxy)
        if image is None:
            raise RuntimeError(f"the proxy service {self.proxy} is gone")
        ctx.ensure_leader()
        if found is not None:
            await self.engine.remove_container(self.anchor)
        labels = self._labels("anchor")
        await self.engine.ensure_bridge(self.anchor, labels)
        log.info("anchor started", image=image)
        # The proxy's own image: present wherever the proxy runs, nothing else to pull.
        return await self.engine.start_anchor(self.anchor, image, self.anchor, labels)

    def _labels(self, owner: str) -> dict[str, str]:
        return {
            naming.LABEL_MANAGED: "true",
            naming.LABEL_INSTANCE: self.instance,
            naming.LABEL_OWNER: owner,
        }

    # --- deletion --------------------------------------------------------------------------

    async def finalize(self, ctx: Context, obj: StoredObject) -> Result:
        if await self._remove(ctx, naming.environment_network(self.instance, obj.id)):
            return Result()
        waiting = Condition(
            type=READY,
            status=ConditionStatus.FALSE,
            reason="InUse",
            message="the network is removed once the environment's services are gone",
        )
        return Result(
            obj.status.with_condition(waiting), requeue_after=self.settings.in_use_poll_seconds
        )

    async def forget(self, ctx: Context, key: Key) -> None:
        """The row is gone: its network, if still there, is garbage."""
        await self._remove(ctx, naming.environment_network(self.instance, key.id))

    async def _remove(self, ctx: Context, network: str) -> bool:
        holders = await self.engine.service_containers(self.proxy)
        anchor = await self.engine.find_container(self.anchor)
        for holder in (*holders, *([anchor] if anchor else [])):
            if network in holder.networks:
                ctx.ensure_leader()
                await self.engine.disconnect(network, holder.id)
        ctx.ensure_leader()
        return await self.engine.remove_network(network)

    # --- drift -----------------------------------------------------------------------------

    async def find_drift(self) -> Sequence[Key]:
        """Environments whose network is missing, or which the proxy or the anchor is not
        attached to; and networks left behind by environments whose rows are gone."""
        holders = await self.engine.service_containers(self.proxy)
        if holders:
            anchor = await self.engine.find_container(self.anchor)
            missing = Attached(id="", name=self.anchor, networks=frozenset(), running=False)
            holders.append(anchor or missing)
        networks = await self.engine.list_networks(self.instance)
        present = await self.store.list_ids(Kind.ENVIRONMENTS)
        made = {network.name for network in networks}
        drifted: list[Key] = []
        for environment_id in present:
            row = await self.store.get(Kind.ENVIRONMENTS, environment_id)
            if row is None or row.is_deleted:
                continue  # its finalizer is polling already
            network = naming.environment_network(self.instance, environment_id)
            unattached = any(network not in h.networks or not h.running for h in holders)
            if network not in made or unattached:
                drifted.append(Key(Kind.ENVIRONMENTS, environment_id))
        return drifted + _orphans(networks, set(present))

    async def outside_changes(self) -> AsyncIterator[Key]:
        """A proxy container started, or the anchor or a proxy left a network: look again."""
        async for event in self.engine.events():
            if self._concerns_us(event):
                for environment_id in await self.store.list_ids(Kind.ENVIRONMENTS):
                    yield Key(Kind.ENVIRONMENTS, environment_id)

    def _concerns_us(self, event: DockerEvent) -> bool:
        if event.type == "network":  # users' tasks leave networks all the time: not those
            return event.attributes.get("container") in self._holder_ids
        service = event.attributes.get("com.docker.swarm.service.name")
        return service == self.proxy or event.name == self.anchor


def _owner(environment_id: UUID) -> str:
    return f"{OWNER_PREFIX}{environment_id}"


def _orphans(networks: list[Network], present: set[UUID]) -> list[Key]:
    orphans: list[Key] = []
    for network in networks:
        owner = network.labels.get(naming.LABEL_OWNER, "")
        if not owner.startswith(OWNER_PREFIX):
            continue
        try:
            environment_id = UUID(owner.removeprefix(OWNER_PREFIX))
        except ValueError:
            continue
        if environment_id not in present:
            orphans.append(Key(Kind.ENVIRONMENTS, environment_id))
    return orphans


def _attached(network: str) -> Condition:
    return Condition(
        type=READY,
        status=ConditionStatus.TRUE,
        reason="ProxyAttached",
        message=f"the proxy reaches this environment's services on {network}",
    )


def _no_proxy(proxy: str) -> Condition:
    return Condition(
        type=READY,
        status=ConditionStatus.FALSE,
        reason="ProxyNotRunning",
        message=f"no container of the proxy service {proxy} runs on this node: it is "
        "attached to the network as soon as one starts",
    )


def _not_ready(status: Status, message: str) -> Status:
    condition = Condition(
        type=READY, status=ConditionStatus.FALSE, reason="NetworkNotOurs", message=message
    )
    return status.with_condition(condition)
