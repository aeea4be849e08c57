"""A real multi-node Docker Swarm on this machine: nested Docker engines, one per container
(tests/infra/node-image), on a bridge network the bed creates.

Each node is a container started with testcontainers with the flags that work on this VM
(ENVIRONMENT.md: every capability but SYS_RESOURCE, no seccomp or AppArmor profile, every
device, the host's cgroup tree, a tmpfs /run; `--privileged` fails here). Its engine stores
images with vfs on a volume of its own, and listens on its unix socket and on
tcp://<its bridge address>:2375: the host reaches that address through the bridge, nothing is
published on the host. The first node inits the swarm, the others join it; images reach the
nodes by `docker save | docker load` (there is no registry), streamed, only where missing.

Everything the bed creates carries the label zane.test.swarm-bed=<bed name>: bringing a bed up
first removes whatever an earlier run left under the same name, and `down()` removes
everything by that label, so it works from another process too (tests/infra/swarm-bed.sh).

    with SwarmBed().up() as bed:            # 1 manager + 2 workers
        bed.load_image("zaneops/busybox:latest")
        manager = bed.docker_client(bed.manager)
        ...
        bed.kill_engine(bed.workers[0])     # the node loses its engine and its containers
        bed.restart_engine(bed.workers[0])

Run by hand: `python -m tests.support.swarm_bed up|down|status [--name N] [--managers M]
[--workers W] [--image IMAGE ...]`.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from functools import partial
from types import TracebackType
from typing import Any, Literal, cast

import docker
import httpx
import requests
from docker.errors import APIError, ImageNotFound, NotFound
from testcontainers.core.config import testcontainers_config
from testcontainers.core.container import DockerContainer
from testcontainers.core.network import Network

from tests.support.waiting import until

# testcontainers' reaper (Ryuk) is an image from a registry this machine cannot reach; the bed
# cleans up after itself by its label instead.
testcontainers_config.ryuk_disabled = True

NODE_IMAGE = "zaneops/swarm-node:local"  # tests/infra/node-image, built by tests/infra/up.sh
BED_LABEL = "zane.test.swarm-bed"
# Each node's engine carries this engine label, its node's name: a service spreads its
# replicas over the nodes with the placement preference spread=engine.labels.zane.test.bed-node.
NODE_ENGINE_LABEL = "zane.test.bed-node"
SPREAD_OVER_NODES = ("spread", f"engine.labels.{NODE_ENGINE_LABEL}")
ENGINE_PORT = 2375
SWARM_PORT = 2377
DEFAULT_NAME = "zane-bed"
# What a nested engine needs here (ENVIRONMENT.md); `privileged=True` fails on this VM.
NODE_RUN_KWARGS: dict[str, Any] = {
    "cap_add": ["ALL"],
    "cap_drop": ["SYS_RESOURCE"],
    "security_opt": ["seccomp=unconfined", "apparmor=unconfined"],
    "device_cgroup_rules": ["a *:* rwm"],
}
Role = Literal["manager", "worker"]


class BedError(RuntimeError):
    """The bed could not do what it was asked (a node's command failed, a wait timed out)."""


@dataclass
class Node:
    """One nested engine: `name` is its container's name, its hostname and its swarm node's
    hostname; `address` its address on the bed's bridge."""

    name: str
    role: Role
    container: DockerContainer
    address: str = ""

    @property
    def engine_url(self) -> str:
        return f"tcp://{self.address}:{ENGINE_PORT}"


@dataclass(frozen=True)
class SwarmNode:
    """A node as the swarm's managers see it (`docker node ls`)."""

    id: str
    role: str  # manager | worker
    state: str  # ready | down | unknown | disconnected
    availability: str  # active | pause | drain
    reachability: str  # managers: reachable | unreachable | unknown; workers: ""
    leader: bool


@dataclass
class SwarmBed:
    """A swarm of `manager_count` + `worker_count` nested engines named `<name>-manager-1`, ...,
    `<name>-worker-1`, ...; `timings` holds how long each step of `up()` took (seconds)."""

    name: str = DEFAULT_NAME
    manager_count: int = 1
    worker_count: int = 2
    host: docker.DockerClient = field(default_factory=lambda: docker.from_env(timeout=120))
    nodes: list[Node] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    _network: Network | None = None
    _clients: dict[str, docker.DockerClient] = field(default_factory=dict)

    # ------------------------------------------------------------------------- lifecycle

    def up(self, timeout: float = 120) -> SwarmBed:
        """Start the nodes, make the swarm, wait until every node is Ready. On failure
        everything started is removed before the error propagates."""
        try:
            self._up(timeout)
        except BaseException:
            self.down()
            raise
        return self

    def _up(self, timeout: float) -> None:
        started = time.monotonic()
        remove_bed(self.host, self.name)
        self.timings["leftovers"] = time.monotonic() - started
        mark = time.monotonic()
        self._start_nodes()
        self.timings["containers"] = time.monotonic() - mark
        mark = time.monotonic()
        for node in self.nodes:
            self._wait_engine(node, answering=True, timeout=timeout)
        self.timings["engines"] = time.monotonic() - mark
        mark = time.monotonic()
        self._form_swarm()
        self.wait_ready(timeout=timeout)
        self.timings["swarm"] = time.monotonic() - mark
        self.timings["total"] = time.monotonic() - started

    def down(self) -> None:
        """Remove every container, volume and network of this bed (by its label): safe to
        call twice, after a failure, or on a bed another process brought up."""
        for client in self._clients.values():
            with suppress(Exception):
                client.close()
        self._clients.clear()
        remove_bed(self.host, self.name)
        self.nodes.clear()
        self._network = None

    def __enter__(self) -> SwarmBed:
        if not self.nodes:
            self.up()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.down()

    def _labels(self) -> dict[str, str]:
        return {BED_LABEL: self.name}

    def _start_nodes(self) -> None:
        network = Network(docker_network_kw={"driver": "bridge", "labels": self._labels()})
        network.name = f"{self.name}-net"
        self._network = network.create()
        roles: list[tuple[Role, int]] = [("manager", i + 1) for i in range(self.manager_count)]
        roles += [("worker", i + 1) for i in range(self.worker_count)]
        for role, number in roles:
            self._start_node(role, f"{self.name}-{role}-{number}")

    def _start_node(self, role: Role, node_name: str) -> Node:
        assert self._network is not None
        volume = self.host.volumes.create(f"{node_name}-docker", labels=self._labels())
        container = (
            DockerContainer(NODE_IMAGE)
            .with_command([f"--label={NODE_ENGINE_LABEL}={node_name}"])
            .with_name(node_name)
            .with_network(self._network)
            .with_volume_mapping(str(volume.name), "/var/lib/docker", "rw")
            .with_volume_mapping("/sys/fs/cgroup", "/sys/fs/cgroup", "rw")
            .with_tmpfs_mount("/run")
            .with_kwargs(hostname=node_name, labels=self._labels(), **NODE_RUN_KWARGS)
        )
        node = Node(node_name, role, container)
        self.nodes.append(node)  # before start: down() removes it by label either way
        container.start()
        inspected = self.host.api.inspect_container(node_name)
        node.address = inspected["NetworkSettings"]["Networks"][self._network.name]["IPAddress"]
        return node

    def spare_engine(self, node_name: str, timeout: float = 60) -> Node:
        """One more nested engine on the bed's bridge, in no swarm yet (a new server, as a
        person would add one); `remove_spare` takes it away, and `down()` in any case."""
        node = self._start_node("worker", node_name)
        self._wait_engine(node, answering=True, timeout=timeout)
        return node

    def remove_spare(self, node: Node) -> None:
        self.nodes.remove(node)
        self._clients.pop(node.name, None)
        with suppress(NotFound):
            self.host.containers.get(node.name).remove(force=True, v=True)
        with suppress(NotFound):
            self.host.volumes.get(f"{node.name}-docker").remove(force=True)

    def _form_swarm(self) -> None:
        first = self.nodes[0]
        leader = self.docker_client(first)
        leader.swarm.init(advertise_addr=first.address, listen_addr=f"{first.address}:{SWARM_PORT}")
        leader.swarm.reload()
        tokens = leader.swarm.attrs["JoinTokens"]
        for node in self.nodes[1:]:
            self.docker_client(node).swarm.join(
                remote_addrs=[f"{first.address}:{SWARM_PORT}"],
                join_token=tokens["Manager" if node.role == "manager" else "Worker"],
                listen_addr=f"{node.address}:{SWARM_PORT}",
                advertise_addr=node.address,
            )

    # ------------------------------------------------------------------------- the nodes

    @property
    def manager(self) -> Node:
        """The first manager: the node that made the swarm."""
        return self.nodes[0]

    @property
    def managers(self) -> list[Node]:
        return [n for n in self.nodes if n.role == "manager"]

    @property
    def workers(self) -> list[Node]:
        return [n for n in self.nodes if n.role == "worker"]

    def node(self, which: Node | str) -> Node:
        if isinstance(which, Node):
            return which
        for node in self.nodes:
            if node.name == which or node.name.endswith(f"-{which}"):
                return node
        raise KeyError(f"no node {which!r} in bed {self.name}: {[n.name for n in self.nodes]}")

    def exec(self, which: Node | str, argv: Sequence[str]) -> str:
        """Run argv in the node's container (not in its engine): its output; BedError if it
        exits non-zero."""
        node = self.node(which)
        result = node.container.get_wrapped_container().exec_run(list(argv))
        output = cast(bytes, result.output).decode(errors="replace")
        if result.exit_code != 0:
            raise BedError(f"{node.name}: {argv} exited {result.exit_code}: {output[-2000:]}")
        return output

    def docker_client(self, which: Node | str) -> docker.DockerClient:
        """A docker-py client to the node's own engine (over the bed's bridge)."""
        node = self.node(which)
        client = self._clients.get(node.name)
        if client is None:
            client = docker.DockerClient(base_url=node.engine_url, timeout=60)
            self._clients[node.name] = client
        return client

    def engine_answers(self, which: Node | str) -> bool:
        node = self.node(which)
        try:
            return httpx.get(f"http://{node.address}:{ENGINE_PORT}/_ping", timeout=2).text == "OK"
        except httpx.HTTPError:
            return False

    def _wait_engine(self, node: Node, *, answering: bool, timeout: float) -> None:
        def reached() -> bool:
            state = self.host.api.inspect_container(node.name)["State"]
            if not state["Running"]:
                raise BedError(f"{node.name} stopped: {state}; {node.container.get_logs()}")
            return self.engine_answers(node) is answering

        try:
            until(reached, timeout=timeout, every=0.2, message=f"{node.name}'s engine")
        except AssertionError:
            raise BedError(
                f"{node.name}'s engine {'not answering' if answering else 'still answering'} "
                f"after {timeout} s; its log:\n{self._engine_log(node)}"
            ) from None

    def _engine_log(self, node: Node) -> str:
        with suppress(BedError):
            return self.exec(node, ["tail", "-n", "30", "/var/log/dockerd.log"])
        return "(unreadable)"

    def kill_engine(self, which: Node | str) -> None:
        """The node loses its engine hard: every process in the node but its init gets SIGKILL
        (dockerd, containerd, the shims and every container on the node), as in a power cut;
        the node keeps its address and its disk."""
        node = self.node(which)
        client = self._clients.pop(node.name, None)
        if client is not None:
            client.close()
        self.exec(node, ["bash", "-c", "kill -KILL -1"])  # procps kill says 1 when it worked
        self._wait_engine(node, answering=False, timeout=30)

    def restart_engine(self, which: Node | str, timeout: float = 60) -> None:
        """Start the node's engine again (after kill_engine) and wait until it answers; the
        swarm notices on its own (see wait_ready)."""
        node = self.node(which)
        self.exec(node, ["bash", "-c", "kill -USR1 1"])
        self._wait_engine(node, answering=True, timeout=timeout)

    # ------------------------------------------------------------------------- the swarm

    def manager_client(self) -> docker.DockerClient:
        """A client to a manager whose engine answers (the first one, unless it was killed)."""
        for node in self.nodes:
            if node.role == "manager" and self.engine_answers(node):
                return self.docker_client(node)
        raise BedError(f"no manager of bed {self.name} answers")

    def swarm_nodes(self) -> dict[str, SwarmNode]:
        """The swarm's view of each node, by hostname (= the bed's node name), as a manager
        whose engine answers reports it."""
        seen = {}
        for swarm_node in self.manager_client().nodes.list():
            attrs = swarm_node.attrs
            manager_status = attrs.get("ManagerStatus", {})
            seen[attrs["Description"]["Hostname"]] = SwarmNode(
                id=attrs["ID"],
                role=attrs["Spec"]["Role"],
                state=attrs["Status"]["State"],
                availability=attrs["Spec"]["Availability"],
                reachability=manager_status.get("Reachability", ""),
                leader=bool(manager_status.get("Leader", False)),
            )
        return seen

    def wait_ready(self, nodes: Iterable[Node | str] | None = None, timeout: float = 60) -> float:
        """Wait until the swarm shows these nodes (all by default) Ready (managers also
        reachable): the seconds it took."""
        wanted = [self.node(n) for n in nodes] if nodes is not None else list(self.nodes)
        last: dict[str, SwarmNode] = {}

        def ready() -> bool:
            nonlocal last
            try:
                last = self.swarm_nodes()
            except (BedError, docker.errors.DockerException, requests.RequestException):
                return False
            return all(_is_ready(last.get(n.name), n.role) for n in wanted)

        try:
            return until(ready, timeout=timeout, every=0.3, message="nodes ready")
        except AssertionError:
            raise BedError(f"{self.name}: not all nodes Ready within {timeout} s: {last}") from None

    def ensure_ready(self, timeout: float = 90) -> None:
        """Repair what a test may have left: restart any engine that does not answer, then
        wait until every node is Ready again."""
        for node in self.nodes:
            if not self.engine_answers(node):
                self.restart_engine(node)
        self.wait_ready(timeout=timeout)

    # ------------------------------------------------------------------------- images

    def load_image(self, image: str, nodes: Iterable[Node | str] | None = None) -> list[str]:
        """Make the host's `image` present on these nodes (all by default): streamed from the
        host's engine into each node's (`docker save | docker load`), only where a node lacks
        it or has another image under that name. The names of the nodes loaded into."""
        wanted = self.host.images.get(image).id
        loaded = []
        for node in [self.node(n) for n in nodes] if nodes is not None else self.nodes:
            client = self.docker_client(node)
            with suppress(ImageNotFound):
                if client.images.get(image).id == wanted:
                    continue
            client.images.load(self.host.api.get_image(image, chunk_size=1024 * 1024))
            if client.images.get(image).id != wanted:
                raise BedError(f"{node.name}: {image} loaded but its id differs from the host's")
            loaded.append(node.name)
        return loaded

    # ------------------------------------------------------------------------- costs

    def memory(self) -> dict[str, dict[str, float]]:
        """Per node, in MiB: `engine_rss` (dockerd + containerd) and `node_rss` (everything in
        the node's container cgroup, as the host's engine reports it)."""
        report: dict[str, dict[str, float]] = {}
        for node in self.nodes:
            engine_kib = 0
            with suppress(BedError):
                listed = self.exec(node, ["ps", "-o", "rss=", "-C", "dockerd,containerd"])
                engine_kib = sum(int(x) for x in listed.split())
            stats = self.host.api.stats(node.name, stream=False)
            rss = stats.get("memory_stats", {}).get("stats", {}).get("total_rss", 0)
            report[node.name] = {"engine_rss": engine_kib / 1024, "node_rss": rss / 2**20}
        return report


def _is_ready(seen: SwarmNode | None, role: Role) -> bool:
    if seen is None or seen.state != "ready" or seen.role != role:
        return False
    return role == "worker" or seen.reachability == "reachable"


def remove_bed(host: docker.DockerClient, name: str, timeout: float = 60) -> list[str]:
    """Remove everything labelled as bed `name` (containers, their volumes, the network):
    what was removed."""
    selector: dict[str, str | list[str] | bool] = {"label": f"{BED_LABEL}={name}"}
    removed = []
    for container in host.containers.list(all=True, filters=selector):
        with suppress(NotFound):
            container.remove(force=True, v=True)
            removed.append(f"container {container.name}")
    for volume in host.volumes.list(filters=selector):
        _retry(partial(volume.remove, force=True), timeout)
        removed.append(f"volume {volume.name}")
    for network in host.networks.list(filters=selector):
        _retry(network.remove, timeout)
        removed.append(f"network {network.name}")
    return removed


def _retry(action: Callable[[], object], timeout: float) -> None:
    """A removal the engine refuses for a moment (a container's endpoint still leaving)."""
    refused: list[APIError] = []

    def done() -> bool:
        try:
            action()
        except NotFound:
            pass
        except APIError as error:
            refused.append(error)
            return False
        return True

    try:
        until(done, timeout=timeout, every=0.5, message="removed")
    except AssertionError:
        raise refused[-1] from None


def describe(bed: SwarmBed) -> Iterator[str]:
    """Lines for a person: how long the bed took, its nodes, their memory."""
    timings = ", ".join(f"{k} {v:.1f} s" for k, v in bed.timings.items())
    shape = f"{len(bed.managers)} manager(s) + {len(bed.workers)} worker(s)"
    yield f"swarm bed {bed.name}: {shape}; {timings}"
    states = bed.swarm_nodes()
    for node, cost in bed.memory().items():
        state = states.get(node)
        seen = f"{state.role} {state.state}" if state else "not in the swarm"
        yield (
            f"  {node} {bed.node(node).engine_url} {seen}: "
            f"engine RSS {cost['engine_rss']:.0f} MiB (dockerd + containerd, shared pages "
            f"included), node RSS {cost['node_rss']:.0f} MiB (its cgroup, its containers included)"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="swarm-bed", description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["up", "down", "status"])
    parser.add_argument("--name", default=DEFAULT_NAME)
    parser.add_argument("--managers", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--image", action="append", default=[], help="load into every node")
    args = parser.parse_args(argv)
    if args.action == "down":
        removed = remove_bed(docker.from_env(), args.name)
        print(f"swarm bed {args.name}: removed {len(removed)} object(s)")
        return 0
    if args.action == "status":
        return _status(args.name)
    bed = SwarmBed(args.name, manager_count=args.managers, worker_count=args.workers).up()
    for image in args.image:
        bed.load_image(image)
    for line in describe(bed):
        print(line)
    print(f"e.g. DOCKER_HOST={bed.manager.engine_url} docker node ls")
    return 0


def _status(name: str) -> int:
    host = docker.from_env()
    containers = host.containers.list(all=True, filters={"label": f"{BED_LABEL}={name}"})
    if not containers:
        print(f"swarm bed {name}: not up")
        return 1
    for container in sorted(containers, key=lambda c: str(c.name)):
        print(f"{container.name}: {container.status}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
