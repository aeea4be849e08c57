"""The networks controller's decisions over in-memory rows and a recorded engine: what it
attaches, in which order, what it reports, and what it finds drifted or left behind."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from uuid import UUID, uuid4

import pytest

from controllers.networks.controller import NetworksController
from controllers.networks.settings import NetworksSettings
from zaneops.adapters.docker.models import DockerEvent
from zaneops.adapters.docker.networks import Attached, Network, NotOnThisNode
from zaneops.common import naming
from zaneops.common.settings import InstallationSettings
from zaneops.runtime.controller import Context, TerminalError
from zaneops.runtime.testing import InMemoryStore
from zaneops.specs import ConditionStatus
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import Key, StoredObject

INSTALLATION = InstallationSettings.chosen(instance="t", secret_key="")
PROXY = "t_proxy"
ANCHOR = naming.anchor("t")


@dataclass
class FakeEngine:
    """Containers and networks as plain values; every change recorded in order."""

    containers: dict[str, Attached] = field(default_factory=dict)
    networks: dict[str, Network] = field(default_factory=dict)
    other_subnets: list[str] = field(default_factory=list)  # networks not of ours
    in_use: set[str] = field(default_factory=set)
    calls: list[str] = field(default_factory=list)
    proxy_image: str | None = "zaneops/caddy:1"
    not_found_once: set[str] = field(default_factory=set)  # containers whose next connect 404s

    def run_proxy(self, container_id: str) -> None:
        self.containers[container_id] = Attached(container_id, f"{PROXY}.1.x", frozenset())

    async def network(self, name: str) -> Network | None:
        return self.networks.get(name)

    async def create_overlay(
        self, name: str, labels: dict[str, str], subnet: str, ip_range: str
    ) -> None:
        self.calls.append(f"create {name} {subnet} {ip_range}")
        self.networks[name] = Network(name, labels, subnet, ip_range)

    async def used_subnets(self) -> list[str]:
        return [n.subnet for n in self.networks.values()] + self.other_subnets

    async def list_networks(self, instance: str) -> list[Network]:
        return list(self.networks.values())

    async def remove_network(self, name: str) -> bool:
        if name in self.in_use:
            return False
        self.calls.append(f"remove {name}")
        self.networks.pop(name, None)
        return True

    async def ensure_bridge(self, name: str, labels: dict[str, str]) -> None:
        self.calls.append(f"bridge {name}")

    async def service_containers(self, service: str) -> list[Attached]:
        assert service == PROXY
        return [c for c in self.containers.values() if c.id != ANCHOR and c.running]

    async def service_image(self, service: str) -> str | None:
        return self.proxy_image

    async def find_container(self, name: str) -> Attached | None:
        return self.containers.get(name)

    async def remove_container(self, name: str) -> None:
        self.calls.append(f"remove-container {name}")
        self.containers.pop(name, None)

    async def start_anchor(
        self, name: str, image: str, bridge: str, labels: dict[str, str]
    ) -> Attached:
        self.calls.append(f"anchor {image}")
        self.containers[name] = Attached(name, name, frozenset({bridge}))
        return self.containers[name]

    async def connect(self, network: str, container_id: str, address: str | None = None) -> None:
        self.calls.append(
            f"connect {container_id} {network}" + (f" at {address}" if address else "")
        )
        if container_id in self.not_found_once:
            self.not_found_once.discard(container_id)
            raise NotOnThisNode(f"network {network} not found")
        held = self.containers[container_id]
        self.containers[container_id] = replace(held, networks=held.networks | {network})

    async def disconnect(self, network: str, container_id: str) -> None:
        self.calls.append(f"disconnect {container_id} {network}")
        held = self.containers[container_id]
        self.containers[container_id] = replace(held, networks=held.networks - {network})

    async def events(self) -> AsyncIterator[DockerEvent]:
        return
        yield  # pragma: no cover


def controller(engine: FakeEngine, store: InMemoryStore) -> NetworksController:
    settings = NetworksSettings.chosen(proxy_service=PROXY)
    return NetworksController(INSTALLATION, settings, store, engine)


async def environment(store: InMemoryStore) -> StoredObject:
    project = await store.create(Kind.PROJECTS, {"slug": "p", "name": "P"})
    return await store.create(Kind.ENVIRONMENTS, {"slug": "prod"}, project.id)


def context(key: Key) -> Context:
    return Context(key=key, ensure_leader=lambda: None)


async def test_an_environment_gets_its_network_and_the_anchor_joins_it_before_the_proxy() -> None:
    """The anchor makes the overlay present on the node: the proxy's connect needs it first."""
    engine, store = FakeEngine(), InMemoryStore()
    engine.run_proxy("proxy-1")
    env = await environment(store)
    result = await controller(engine, store).reconcile(context(env.key), env)

    network = naming.environment_network("t", env.id)
    assert engine.calls == [
        f"create {network} 10.128.0.0/22 10.128.0.0/23",
        f"bridge {ANCHOR}",
        "anchor zaneops/caddy:1",
        f"connect {ANCHOR} {network}",
        f"connect proxy-1 {network} at 10.128.3.254",  # where Swarm allocates nothing
    ]
    assert engine.networks[network].labels[naming.LABEL_OWNER] == f"environments/{env.id}"
    assert result.status is not None
    ready = result.status.condition("Ready")
    assert ready is not None and ready.status is ConditionStatus.TRUE, ready
    assert result.status.details["proxy_containers"] == [f"{PROXY}.1.x"]


async def test_a_second_reconcile_changes_nothing() -> None:
    engine, store = FakeEngine(), InMemoryStore()
    engine.run_proxy("proxy-1")
    env = await environment(store)
    networks = controller(engine, store)
    await networks.reconcile(context(env.key), env)
    before = list(engine.calls)
    await networks.reconcile(context(env.key), env)
    assert engine.calls == before


async def test_without_a_running_proxy_the_network_is_made_and_the_environment_says_why() -> None:
    engine, store = FakeEngine(), InMemoryStore()
    env = await environment(store)
    result = await controller(engine, store).reconcile(context(env.key), env)

    assert engine.calls == [
        f"create {naming.environment_network('t', env.id)} 10.128.0.0/22 10.128.0.0/23"
    ]
    assert result.status is not None
    ready = result.status.condition("Ready")
    assert ready is not None and ready.status is ConditionStatus.FALSE
    assert ready.reason == "ProxyNotRunning" and PROXY in ready.message


async def test_a_stopped_anchor_is_replaced_by_a_running_one() -> None:
    engine, store = FakeEngine(), InMemoryStore()
    engine.run_proxy("proxy-1")
    engine.containers[ANCHOR] = Attached(ANCHOR, ANCHOR, frozenset(), running=False)
    env = await environment(store)
    await controller(engine, store).reconcile(context(env.key), env)
    assert engine.calls.index(f"remove-container {ANCHOR}") < engine.calls.index(
        "anchor zaneops/caddy:1"
    )
    assert engine.containers[ANCHOR].running


async def test_drift_names_the_environments_a_restarted_proxy_is_not_attached_to() -> None:
    engine, store = FakeEngine(), InMemoryStore()
    engine.run_proxy("proxy-1")
    first, second = await environment(store), await environment(store)
    networks = controller(engine, store)
    for env in (first, second):
        await networks.reconcile(context(env.key), env)
    assert await networks.find_drift() == []

    del engine.containers["proxy-1"]  # the task died; Swarm started another, attached to none
    engine.run_proxy("proxy-2")
    assert sorted(key.id for key in await networks.find_drift()) == sorted([first.id, second.id])


async def test_drift_names_a_network_whose_environment_row_is_gone() -> None:
    engine, store = FakeEngine(), InMemoryStore()
    gone: UUID = uuid4()
    labels = {naming.LABEL_OWNER: f"environments/{gone}", naming.LABEL_INSTANCE: "t"}
    left = naming.environment_network("t", gone)
    engine.networks[left] = Network(left, labels, "10.128.0.0/22", "10.128.0.0/23")
    engine.networks["t-front"] = Network("t-front", {naming.LABEL_INSTANCE: "t"}, "10.0.5.0/24", "")
    networks = controller(engine, store)

    assert await networks.find_drift() == [Key(Kind.ENVIRONMENTS, gone)]
    await networks.forget(context(Key(Kind.ENVIRONMENTS, gone)), Key(Kind.ENVIRONMENTS, gone))
    assert set(engine.networks) == {"t-front"}


async def test_a_deleted_environment_is_detached_then_its_network_removed_once_unused() -> None:
    engine, store = FakeEngine(), InMemoryStore()
    engine.run_proxy("proxy-1")
    env = await environment(store)
    networks = controller(engine, store)
    await networks.reconcile(context(env.key), env)
    network = naming.environment_network("t", env.id)

    engine.in_use.add(network)  # its services' tasks are still leaving
    waiting = await networks.finalize(context(env.key), env)
    assert waiting.requeue_after is not None
    assert network not in engine.containers["proxy-1"].networks
    assert network not in engine.containers[ANCHOR].networks

    engine.in_use.clear()
    done = await networks.finalize(context(env.key), env)
    assert done.requeue_after is None and network not in engine.networks


def test_only_events_about_the_proxy_or_the_anchor_wake_environments() -> None:
    networks = controller(FakeEngine(), InMemoryStore())
    networks._holder_ids = {"proxy-1"}
    proxy_started = DockerEvent("container", "start", "x", {"com.docker.swarm.service.name": PROXY})
    anchor_died = DockerEvent("container", "die", ANCHOR, {})
    proxy_left = DockerEvent("network", "disconnect", "t-env-1", {"container": "proxy-1"})
    task_left = DockerEvent("network", "disconnect", "t-env-1", {"container": "users-task"})
    other = DockerEvent("container", "start", "y", {"com.docker.swarm.service.name": "t-srv-1"})
    assert [networks._concerns_us(e) for e in (proxy_started, anchor_died, proxy_left)] == [
        True,
        True,
        True,
    ]
    assert not networks._concerns_us(task_left) and not networks._concerns_us(other)


async def test_each_new_network_takes_a_subnet_no_other_network_overlaps() -> None:
    engine, store = FakeEngine(other_subnets=["10.128.0.0/24", "10.0.0.0/24"]), InMemoryStore()
    networks = controller(engine, store)
    first, second = await environment(store), await environment(store)
    for env in (first, second):
        await networks.reconcile(context(env.key), env)
    subnets = [
        engine.networks[naming.environment_network("t", e.id)].subnet for e in (first, second)
    ]
    assert subnets == ["10.128.4.0/22", "10.128.8.0/22"]


async def test_a_network_of_that_name_not_made_here_is_refused_not_used() -> None:
    """Without an address range of its own, Swarm may hand the proxy's address to a task."""
    engine, store = FakeEngine(), InMemoryStore()
    env = await environment(store)
    name = naming.environment_network("t", env.id)
    owner = {naming.LABEL_OWNER: f"environments/{env.id}"}
    engine.networks[name] = Network(name, owner, "10.0.9.0/24", "")
    with pytest.raises(TerminalError) as refused:
        await controller(engine, store).reconcile(context(env.key), env)
    assert refused.value.reason == "NetworkNotOurs" and name in refused.value.message


async def test_a_network_an_earlier_version_made_is_removed_once_unused() -> None:
    engine, store = FakeEngine(), InMemoryStore()
    engine.run_proxy("proxy-1")
    env = await environment(store)
    earlier = f"t-env-{env.id.hex[:12]}"
    owner = {naming.LABEL_OWNER: f"environments/{env.id}"}
    engine.networks[earlier] = Network(earlier, owner, "10.0.9.0/24", "")
    engine.in_use.add(earlier)  # its services have not rolled over yet
    networks = controller(engine, store)
    await networks.reconcile(context(env.key), env)
    assert earlier in engine.networks
    engine.in_use.clear()
    await networks.reconcile(context(env.key), env)
    assert earlier not in engine.networks and f"remove {earlier}" in engine.calls


async def test_drift_names_an_environment_whose_network_was_removed_by_hand() -> None:
    engine, store = FakeEngine(), InMemoryStore()
    env = await environment(store)
    networks = controller(engine, store)
    await networks.reconcile(context(env.key), env)
    assert await networks.find_drift() == []
    engine.networks.clear()
    assert await networks.find_drift() == [env.key]


async def test_a_network_swarm_has_not_allocated_yet_is_waited_for_and_its_subnet_not_reused() -> (
    None
):
    """Under load, Swarm lists a just-made network before its allocator gives it an address
    pool: it is ours (its owner label), so the reconcile looks again soon instead of calling
    it foreign; and the next network made meanwhile takes another subnet."""
    engine, store = FakeEngine(), InMemoryStore()
    networks = controller(engine, store)
    first, second = await environment(store), await environment(store)
    await networks.reconcile(context(first.key), first)
    name = naming.environment_network("t", first.id)
    made = engine.networks[name]
    engine.networks[name] = replace(made, subnet="", ip_range="")  # listed, not allocated
    waiting = await networks.reconcile(context(first.key), first)
    assert waiting.requeue_after is not None and waiting.requeue_after <= 1
    assert waiting.status == first.status  # nothing said yet: not refused, not ready
    await networks.reconcile(context(second.key), second)
    later = engine.networks[naming.environment_network("t", second.id)]
    assert later.subnet != made.subnet


async def test_a_network_docker_cannot_find_on_the_node_gets_a_fresh_anchor_on_retry() -> None:
    """Seen in CI: Docker failed the anchor's start yet left it running, and every connect
    then answered 404; the anchor is made again rather than the same error forever."""
    engine, store = FakeEngine(), InMemoryStore()
    engine.run_proxy("proxy-1")
    engine.not_found_once.add("proxy-1")
    env = await environment(store)
    networks = controller(engine, store)
    with pytest.raises(NotOnThisNode):
        await networks.reconcile(context(env.key), env)
    assert engine.calls[-1] == f"remove-container {ANCHOR}"
    assert ANCHOR not in engine.containers

    engine.calls.clear()
    result = await networks.reconcile(context(env.key), env)
    network = naming.environment_network("t", env.id)
    assert engine.calls == [
        f"bridge {ANCHOR}",
        "anchor zaneops/caddy:1",
        f"connect {ANCHOR} {network}",
        f"connect proxy-1 {network} at 10.128.3.254",
    ]
    assert result.status is not None and result.status.details["proxy_containers"]
