"""Real Swarm for the services tests: a unique instance per test, cleaned up after it."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from typing import Any
from uuid import UUID

import docker
from docker.errors import APIError, NotFound

from tests.support.runtime import running, split
from tests.support.waiting import eventually, wait_for_row
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.common import naming
from zaneops.common.secrets import new_key
from zaneops.runtime.runner import Runner
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import StoredObject

BUSYBOX = "zaneops/busybox:latest"
PROBE_IMAGE = "zaneops/probe:local"  # stacks/images/probe, built by tests/infra/up.sh
PROBE_HOLDER_LABEL = "zane.test.probe-holder"
# Serves $GREETING on port 80. Busybox httpd ignores SIGTERM: stops take the grace period.
WEB_COMMAND = [
    "sh",
    "-c",
    'mkdir -p /www && echo "$GREETING" > /www/index.html && exec httpd -f -p 80 -h /www',
]
FAST_ROLLOUT = {
    "rollout_monitor_seconds": 1.0,
    "stop_grace_seconds": 1.0,
    "restart_delay_seconds": 0.5,
    "poll_seconds": 0.3,
    "rollout_timeout_seconds": 40.0,
}


def new_instance() -> str:
    return f"t-{uuid.uuid4().hex[:8]}"


def client() -> docker.DockerClient:
    return docker.from_env(timeout=60)


@contextmanager
def cleaned_up(instance: str) -> Iterator[None]:
    """Everything labelled with the test's instance goes when the test ends."""
    try:
        yield
    finally:
        remove_everything(instance)


def remove_everything(instance: str) -> None:
    api = client().api
    label = {"label": f"zane.instance={instance}"}
    for service in api.services(filters=label):
        _quietly(api.remove_service, service["ID"])
    holders = {"label": f"{PROBE_HOLDER_LABEL}={instance}"}
    for container in api.containers(all=True, filters=label) + api.containers(
        all=True, filters=holders
    ):
        _quietly(api.remove_container, container["Id"], force=True)
    deadline = time.monotonic() + 30
    _remove_when_unused(api.remove_volume, naming.probe_volume(instance), deadline)
    for network in api.networks(filters=label):
        while time.monotonic() < deadline:  # tasks take a moment to leave the network
            try:
                api.remove_network(network["Id"])
                break
            except NotFound:
                break
            except APIError:
                time.sleep(0.5)


def _remove_when_unused(remove: Any, name: str, deadline: float) -> None:
    while time.monotonic() < deadline:  # the services' tasks take a moment to go
        try:
            remove(name)
            return
        except NotFound:
            return
        except APIError:
            time.sleep(0.5)


def _quietly(action: Any, *args: Any, **kwargs: Any) -> None:
    with suppress(NotFound, APIError):
        action(*args, **kwargs)


def settings_for(instance: str, database_url: str, **overrides: Any) -> dict[str, Any]:
    return {
        "instance": instance,
        "database_url": database_url,
        "secret_key": overrides.pop("secret_key", new_key()),
        **FAST_ROLLOUT,
        **overrides,
    }


async def http_get(instance: str, network: str, host: str, path: str = "/") -> str:
    """One request from a throw-away container on the network ('' if it fails)."""
    request = f"GET {path} HTTP/1.0\\r\\nHost: {host}\\r\\n\\r\\n"
    script = f"printf '{request}' | nc -w 2 {host} 80"

    def run() -> str:
        try:
            output = client().containers.run(
                BUSYBOX,
                ["sh", "-c", script],
                network=network,
                labels={"zane.instance": instance},
                remove=True,
            )
        except docker.errors.ContainerError:
            return ""
        return bytes(output).decode(errors="replace")

    return await asyncio.to_thread(run)


# --- rows -------------------------------------------------------------------------------------


async def make_environment(
    store: PostgresStore, variables: dict[str, str] | None = None
) -> StoredObject:
    project = await store.create(Kind.PROJECTS, {"slug": f"p{uuid.uuid4().hex[:8]}", "name": "P"})
    return await store.create(
        Kind.ENVIRONMENTS, {"slug": "production", "variables": variables or {}}, project.id
    )


def web_spec(slug: str = "web", greeting: str = "hello", **extra: Any) -> dict[str, Any]:
    return {
        "slug": slug,
        "source": {"type": "image", "image": BUSYBOX},
        "command": WEB_COMMAND,
        "env": [{"name": "GREETING", "value": greeting}],
        **extra,
    }


async def make_service(
    store: PostgresStore, environment_id: UUID, spec: dict[str, Any]
) -> StoredObject:
    return await store.create(Kind.SERVICES, spec, environment_id)


async def deploy(
    store: PostgresStore,
    service_id: UUID,
    spec: dict[str, Any],
    image: str | None = BUSYBOX,
    **extra: Any,
) -> StoredObject:
    """What the API does on deploy: a new deployment row with a snapshot of the spec."""
    body = {"service_spec": spec, "image": image, "trigger": "deploy", **extra}
    if "rollback_of" in body:
        body["rollback_of"] = str(body["rollback_of"])
    return await store.create(Kind.DEPLOYMENTS, body, service_id)


async def phase_of(store: PostgresStore, deployment_id: UUID) -> str | None:
    row = await store.get(Kind.DEPLOYMENTS, deployment_id)
    return None if row is None else row.status.details.get("phase")  # type: ignore[return-value]


async def wait_for_phase(
    store: PostgresStore, deployment_id: UUID, phase: str, timeout: float = 40.0
) -> StoredObject:
    return await wait_for_row(
        store,
        Kind.DEPLOYMENTS,
        deployment_id,
        lambda row: row.status.details.get("phase") == phase,
        what=f"phase {phase}",
        timeout=timeout,
    )


def swarm_service(name: str) -> dict[str, Any] | None:
    try:
        return client().api.inspect_service(name)  # type: ignore[no-any-return]
    except NotFound:
        return None


def running_containers(instance: str, deployment_id: UUID | None = None) -> list[Any]:
    filters = [f"zane.instance={instance}"]
    if deployment_id is not None:
        filters.append(f"zane.deployment={deployment_id}")
    return client().containers.list(
        filters={"label": filters, "status": "running"}, ignore_removed=True
    )


@asynccontextmanager
async def services_controller(
    instance: str, database_url: str, proxy_service: str | None = None, **overrides: Any
) -> AsyncIterator[Runner]:
    """The services controller, and the networks controller that makes environments'
    networks before any deployment may start on them (attaching proxy_service, if it runs)."""
    from controllers import services
    from controllers.services.settings import ServicesSettings

    shared, own = split(settings_for(instance, database_url, **overrides), ServicesSettings)
    settings = ServicesSettings(**own)
    async with (
        probe_installed(instance),
        networks_controller(instance, database_url, proxy_service),
        running(
            lambda deps: services.build(deps, settings), database_url, installation=shared
        ) as runner,
    ):
        yield runner


@asynccontextmanager
async def probe_installed(instance: str) -> AsyncIterator[None]:
    """What the stack's global probe service does on each node: the HTTP health check probe
    copied into the instance's probe volume, by a task of the probe image (as in production:
    read-only, no capability, no network)."""
    holder = client().containers.run(
        PROBE_IMAGE,
        detach=True,
        name=f"{instance}-probe-holder",
        # Not the instance's label: it is no container of a user's service.
        labels={PROBE_HOLDER_LABEL: instance},
        volumes={naming.probe_volume(instance): {"bind": "/probe", "mode": "rw"}},
        read_only=True,
        cap_drop=["ALL"],
        network_mode="none",
    )
    try:

        def installed() -> bool:
            holder.reload()
            if holder.status != "running":
                raise AssertionError(f"probe holder {holder.status}: {holder.logs()!r}")
            return holder.exec_run(["/zane-probe", "installed", "/probe"]).exit_code == 0

        await eventually(lambda: asyncio.to_thread(installed), timeout=20, message="probe")
        yield
    finally:
        _quietly(holder.remove, force=True)


@asynccontextmanager
async def networks_controller(
    instance: str, database_url: str, proxy_service: str | None = None
) -> AsyncIterator[Runner]:
    """Environments' networks made (and proxy_service attached to them, if it runs)."""
    from controllers import networks
    from controllers.networks.settings import NetworksSettings

    attaching = NetworksSettings(proxy_service=proxy_service or f"{instance}-proxy")
    async with running(
        lambda deps: networks.build(deps, attaching),
        database_url,
        installation={"instance": instance},
    ) as runner:
        yield runner


@asynccontextmanager
async def runs_controller(
    instance: str, database_url: str, secret_key: str, **overrides: Any
) -> AsyncIterator[Runner]:
    """The runs controller: one-off commands as swarm jobs, their output into Redis."""
    from controllers import runs
    from controllers.runs.settings import RunsSettings

    settings = RunsSettings(**{"poll_seconds": 0.3, **overrides})
    async with running(
        lambda deps: runs.build(deps, settings),
        database_url,
        installation={"instance": instance, "secret_key": secret_key},
    ) as runner:
        yield runner


def start_prober(instance: str, network: str, host: str, seconds: int) -> Any:
    """A container on the network requesting http://host/ back to back for `seconds`."""
    request = f"GET / HTTP/1.0\\r\\nHost: {host}\\r\\n\\r\\n"
    script = (
        f"end=$(($(date +%s)+{seconds})); while [ $(date +%s) -lt $end ]; do "
        f"if printf '{request}' | nc -w 2 {host} 80 | head -n 1 | grep -q ' 200 '; "
        "then echo ok; else echo fail; fi; done"
    )
    return client().containers.run(
        BUSYBOX,
        ["sh", "-c", script],
        network=network,
        labels={"zane.instance": instance},
        detach=True,
    )


async def prober_results(container: Any) -> tuple[int, int]:
    """(successes, failures) once the prober has finished."""
    await asyncio.to_thread(container.wait, timeout=120)
    lines = bytes(container.logs()).decode().split()
    return lines.count("ok"), lines.count("fail")


@contextmanager
def node_labelled(key: str, value: str) -> Iterator[None]:
    """This machine's (one) swarm node with one more label, taken off again after."""
    [node] = client().nodes.list()
    spec = node.attrs["Spec"]
    node.update({**spec, "Labels": {**(spec.get("Labels") or {}), key: value}})
    try:
        yield
    finally:
        node.reload()
        spec = node.attrs["Spec"]
        labels = {k: v for k, v in (spec.get("Labels") or {}).items() if k != key}
        node.update({**spec, "Labels": labels})
