"""From a deployment to the swarm service that runs it: pure, so it is unit-tested without Docker.

The plan keeps secret values sealed, so its hash (a label on the swarm service) reveals
nothing; they are opened only when the Engine API spec is built.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any
from uuid import UUID

from zaneops.common import naming
from zaneops.specs import (
    CommandHealthcheck,
    DeploymentSpec,
    Healthcheck,
    HttpHealthcheck,
    ServiceSpec,
    VolumeMount,
    VolumeSpec,
)
from zaneops.specs.databases import DatabaseSource

from .databases import (
    DatabaseRef,
    DatabaseReferenceError,
    database_refs,
    resolve_services,
    server_variables,
)

LABEL_DEPLOYMENT = "zane.deployment"
LABEL_FINGERPRINT = "zane.fingerprint"  # what a hand edit would change: image, env, replicas
NANO = 1_000_000_000
# Where users' containers see the probe volume: out of the way of any image's own files.
PROBE_DIR = "/.zane"
PROBE_BINARY = f"{PROBE_DIR}/zane-probe"
PROBE_TIMEOUT_MAX_MS = 86_400_000  # the probe's own bound (probe.c TIMEOUT_MAX_MS)
_ENV_REFERENCE = re.compile(r"\{\{\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


class PlanError(Exception):
    """The deployment cannot run as written; the message says which field and why."""


@dataclass(frozen=True)
class Rollout:
    monitor_seconds: float
    stop_grace_seconds: float
    restart_delay_seconds: float


@dataclass(frozen=True)
class Mount:
    type: str  # "volume" (a Docker named volume) or "bind" (a host folder)
    source: str
    target: str
    read_only: bool


@dataclass(frozen=True)
class MountedVolume:
    """A volume row as the services controller needs it."""

    id: UUID
    spec: VolumeSpec
    node_id: str | None = None  # where it lives, if the volumes controller pinned it


@dataclass(frozen=True)
class Plan:
    instance: str
    service_id: UUID
    environment_id: UUID
    deployment_id: UUID
    image: str
    spec: ServiceSpec
    shared_variables: tuple[tuple[str, str], ...]
    mounts: tuple[Mount, ...]
    constraints: tuple[str, ...]
    rollout: Rollout
    # The databases its variables reference ({{services.<slug>.<KEY>}}), passwords sealed.
    databases: tuple[DatabaseRef, ...] = ()

    @property
    def name(self) -> str:
        return naming.swarm_service_name(self.instance, self.service_id)

    @property
    def is_job(self) -> bool:
        return self.spec.mode == "job"

    @property
    def stop_first(self) -> bool:
        """Two containers must never write one volume, nor bind one host port."""
        writes_a_volume = any(not mount.read_only for mount in self.mounts)
        return writes_a_volume or bool(self.spec.ports)

    @property
    def hash(self) -> str:
        fields = asdict(self)
        # Labels, the backup policy and scheduled jobs change nothing that runs.
        unrun = {"labels", "backup", "cron_jobs", "alerts"}
        fields["spec"] = self.spec.model_dump(mode="json", exclude=unrun)
        fields["spec"]["source"].pop("config_file", None)  # read by the build, not run
        if not self.is_job:  # the mode came later: a service's hash stays what it was
            del fields["spec"]["mode"]
        if not self.spec.placement:  # likewise placement: no rule, the hash of before
            del fields["spec"]["placement"]
        if isinstance(self.spec.healthcheck, HttpHealthcheck):
            # How the check runs changed (a shell line, then the probe): a service deployed
            # before gets the probe at the next reconcile, not at its next deploy.
            fields["http_probe"] = http_probe(self.spec.healthcheck)
        text = json.dumps(fields, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:32]


def make_plan(
    *,
    instance: str,
    service_id: UUID,
    environment_id: UUID,
    deployment_id: UUID,
    deployment: DeploymentSpec,
    shared_variables: Mapping[str, str],
    volumes: Mapping[str, MountedVolume],
    rollout: Rollout,
    databases: Mapping[str, DatabaseSource] | None = None,
) -> Plan:
    if deployment.image is None:
        raise PlanError("image: the deployment has no image yet (its build has not finished)")
    spec = deployment.service_spec
    try:
        referenced = database_refs(spec, databases or {})
    except DatabaseReferenceError as exc:
        raise PlanError(str(exc)) from None
    mounts = tuple(_mount(instance, mount.volume, mount, volumes) for mount in spec.volumes)
    nodes = sorted({v.node_id for m in spec.volumes if (v := volumes[m.volume]).node_id})
    return Plan(
        instance=instance,
        service_id=service_id,
        environment_id=environment_id,
        deployment_id=deployment_id,
        image=deployment.image,
        spec=spec,
        shared_variables=tuple(sorted(shared_variables.items())),
        mounts=mounts,
        constraints=(
            *(f"node.id=={node}" for node in nodes),
            *(rule.constraint for rule in spec.placement),
        ),
        rollout=rollout,
        databases=referenced,
    )


def _mount(
    instance: str, slug: str, mount: VolumeMount, volumes: Mapping[str, MountedVolume]
) -> Mount:
    volume = volumes.get(slug)
    if volume is None:
        raise PlanError(f"volumes: no volume {slug!r} in this environment")
    read_only = mount.read_only or volume.spec.read_only
    if volume.spec.kind == "host_path":
        return Mount("bind", str(volume.spec.host_path), mount.container_path, read_only)
    name = naming.docker_volume(instance, volume.id)
    return Mount("volume", name, mount.container_path, read_only)


# --- the container's environment -----------------------------------------------------------


def container_env(plan: Plan, open_secret: Callable[[str], str]) -> list[str]:
    """A database's server variables; the variables of the spec (secrets opened, {{env.X}}
    and {{services.<slug>.<KEY>}} resolved); then the platform's."""
    shared = dict(plan.shared_variables)
    source = plan.spec.source
    env = server_variables(source, open_secret) if isinstance(source, DatabaseSource) else {}
    for var in plan.spec.env:
        value = _resolve(var.name, open_secret(var.value), shared)
        env[var.name] = resolve_services(value, plan.databases, open_secret)
    env.update(platform_variables(plan))
    return [f"{name}={value}" for name, value in env.items()]


def platform_variables(plan: Plan) -> dict[str, str]:
    return {
        "ZANE_SERVICE_ID": str(plan.service_id),
        "ZANE_ENVIRONMENT_ID": str(plan.environment_id),
        "ZANE_DEPLOYMENT_ID": str(plan.deployment_id),
        "ZANE_PRIVATE_DNS": plan.spec.slug,
    }


def _resolve(name: str, value: str, shared: Mapping[str, str]) -> str:
    def substitute(match: re.Match[str]) -> str:
        if match[1] not in shared:
            raise PlanError(
                f"env.{name}: refers to {{{{env.{match[1]}}}}}, but the environment has no "
                f"shared variable {match[1]!r}: add it to the environment, or change the value"
            )
        return shared[match[1]]

    return _ENV_REFERENCE.sub(substitute, value)


# --- the Engine API ServiceSpec -------------------------------------------------------------


def labels(plan: Plan) -> dict[str, str]:
    return {
        naming.LABEL_MANAGED: "true",
        naming.LABEL_INSTANCE: plan.instance,
        naming.LABEL_OWNER: f"services/{plan.service_id}",
        LABEL_DEPLOYMENT: str(plan.deployment_id),
    }


def swarm_spec(plan: Plan, env: list[str], fingerprint_key: str) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "Name": plan.name,
        "Labels": {**labels(plan), naming.LABEL_SPEC_HASH: plan.hash},
        "TaskTemplate": _task_template(plan, env),
        "Mode": swarm_mode(plan),
        "EndpointSpec": _endpoint(plan),
    }
    if not plan.is_job:  # a job is not rolled out: an update runs it again, whole
        spec["UpdateConfig"] = _update_config(plan, failure_action="rollback")
        spec["RollbackConfig"] = _update_config(plan, failure_action="pause")
    spec["Labels"][LABEL_FINGERPRINT] = fingerprint(spec, fingerprint_key)
    return spec


def swarm_mode(plan: Plan) -> dict[str, Any]:
    """A job: Swarm's replicated-job mode, all its runs at once (Swarm never starts it again
    once complete, until its spec changes)."""
    count = plan.spec.replicas
    if plan.is_job:
        return {"ReplicatedJob": {"MaxConcurrent": count, "TotalCompletions": count}}
    return {"Replicated": {"Replicas": count}}


def mode_of(spec: Mapping[str, Any]) -> str:
    """ "job" or "service", from an Engine API service spec."""
    return "job" if "ReplicatedJob" in (spec.get("Mode") or {}) else "service"


def fingerprint(spec: Mapping[str, Any], key: str) -> str:
    """A keyed hash of what hand edits usually touch; keyed, as the env holds secrets."""
    container = spec["TaskTemplate"]["ContainerSpec"]
    watched: dict[str, Any] = {
        "image": str(container["Image"]).split("@", 1)[0],  # the CLI may pin a digest
        "env": sorted(container.get("Env") or []),
        "replicas": spec["Mode"].get("Replicated", {}).get("Replicas"),
    }
    if "ReplicatedJob" in spec["Mode"]:  # only then: services' fingerprints stay as they were
        watched["completions"] = spec["Mode"]["ReplicatedJob"].get("TotalCompletions")
    text = json.dumps(watched, sort_keys=True)
    return hmac.new(key.encode(), text.encode(), hashlib.sha256).hexdigest()[:32]


def _task_template(plan: Plan, env: list[str]) -> dict[str, Any]:
    return {
        "ContainerSpec": _container(plan, env),
        "Resources": _resources(plan),
        "RestartPolicy": {
            "Condition": "none" if plan.is_job else plan.spec.restart_policy,
            "Delay": int(plan.rollout.restart_delay_seconds * NANO),
        },
        "Placement": {"Constraints": list(plan.constraints)},
        "Networks": [
            # Its environment's network alone: its slug for its neighbours there, its alias
            # for the proxy (attached to every environment's network by the networks controller).
            {
                "Target": naming.environment_network(plan.instance, plan.environment_id),
                "Aliases": [plan.spec.slug, naming.service_alias(plan.service_id)],
            },
        ],
    }


def _container(plan: Plan, env: list[str]) -> dict[str, Any]:
    container: dict[str, Any] = {
        "Image": plan.image,
        "Env": env,
        "Labels": labels(plan),
        "StopGracePeriod": int(plan.rollout.stop_grace_seconds * NANO),
        "Mounts": [
            {"Type": m.type, "Source": m.source, "Target": m.target, "ReadOnly": m.read_only}
            for m in plan.mounts
        ],
    }
    container.update(_command(plan.spec))
    if plan.spec.healthcheck is not None:
        container["Healthcheck"] = healthcheck(plan.spec.healthcheck)
    if isinstance(plan.spec.healthcheck, HttpHealthcheck):
        container["Mounts"].append(probe_mount(plan.instance))
    return container


def healthcheck(check: Healthcheck) -> dict[str, Any]:
    return {
        "Test": _health_test(check),
        "Interval": int(check.interval * NANO),
        "Timeout": int(check.timeout * NANO),
        "Retries": check.retries,
        "StartPeriod": int(check.start_period * NANO),
    }


def _health_test(check: Healthcheck) -> list[str]:
    if isinstance(check, CommandHealthcheck):
        return ["CMD", *check.command]
    return ["CMD", *http_probe(check)]


def http_probe(check: HttpHealthcheck) -> list[str]:
    """The platform's static probe (mounted from the probe volume), not whatever HTTP client
    the image may lack: it runs the same in a distroless image, as any user, on any node. Its
    own timeout is shorter than Docker's, so it is the probe that says what went wrong."""
    timeout_ms = min(max(100, int(check.timeout * 900)), PROBE_TIMEOUT_MAX_MS)
    return [PROBE_BINARY, "http", str(check.port), check.path, str(timeout_ms)]


def _command(spec: ServiceSpec) -> dict[str, list[str]]:
    """Swarm reads an empty Command as "the image's ENTRYPOINT": clearing it means the
    command itself becomes the Command (the image's CMD then no longer applies either)."""
    if spec.entrypoint == [] and spec.command:
        return {"Command": spec.command}
    found: dict[str, list[str]] = {}
    if spec.entrypoint:
        found["Command"] = spec.entrypoint
    if spec.command is not None:
        found["Args"] = spec.command
    return found


def probe_mount(instance: str) -> dict[str, Any]:
    # NoCopy: Docker must not fill an empty probe volume from the user's image.
    return {
        "Type": "volume",
        "Source": naming.probe_volume(instance),
        "Target": PROBE_DIR,
        "ReadOnly": True,
        "VolumeOptions": {"NoCopy": True},
    }


def _resources(plan: Plan) -> dict[str, Any]:
    wanted = plan.spec.resources

    def amounts(cpu: float | None, memory: int | None) -> dict[str, int]:
        found = {"NanoCPUs": int(cpu * NANO) if cpu else None, "MemoryBytes": memory}
        return {key: value for key, value in found.items() if value is not None}

    return {
        "Limits": amounts(wanted.cpu_limit, wanted.memory_limit),
        "Reservations": amounts(wanted.cpu_reservation, wanted.memory_reservation),
    }


def _update_config(plan: Plan, failure_action: str) -> dict[str, Any]:
    return {
        "Parallelism": 1,
        "Delay": 0,
        "FailureAction": failure_action,
        "Monitor": int(plan.rollout.monitor_seconds * NANO),
        "MaxFailureRatio": 0,
        "Order": "stop-first" if plan.stop_first else "start-first",
    }


def _endpoint(plan: Plan) -> dict[str, Any]:
    # Virtual IPs and the ingress mesh need IPVS; DNS round robin and host ports work anywhere.
    ports = [
        {
            "Protocol": port.protocol,
            "TargetPort": port.target,
            "PublishedPort": port.published,
            "PublishMode": "host",
        }
        for port in plan.spec.ports
    ]
    return {"Mode": "dnsrr", "Ports": ports}
