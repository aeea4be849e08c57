"""A service: one container image, replicated, configured and connected; long-running, or a
job that runs to completion."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationInfo, field_validator

from ._base import SpecModel
from ._rules import first_duplicate, refuse
from .alerts import MAX_ALERTS, MetricAlert
from .backup import BackupPolicy
from .cron import CronJob
from .databases import ENGINES, DatabaseSource, backed_up_titles
from .fields import (
    ContainerPath,
    CpuAmount,
    EnvVarName,
    EnvVarValue,
    Labels,
    MemorySize,
    Port,
    Slug,
)
from .healthcheck import Healthcheck
from .placement import Placement
from .source import Source

_UNITS = {"cpu": "cores", "memory": "bytes"}


class EnvVar(SpecModel):
    name: EnvVarName
    value: EnvVarValue
    secret: bool = Field(default=False, description="Masked in the UI and in API answers.")


class Resources(SpecModel):
    """Limits cap what a container may use; reservations are what the scheduler sets aside."""

    cpu_limit: CpuAmount | None = Field(default=None, description="Cores; none: no cap.")
    cpu_reservation: CpuAmount | None = Field(
        default=None, description="Cores set aside; at most the limit."
    )
    memory_limit: MemorySize | None = Field(
        default=None, description="Bytes; past it the container is killed. None: no cap."
    )
    memory_reservation: MemorySize | None = Field(
        default=None, description="Bytes set aside; at most the limit."
    )

    @field_validator("cpu_reservation", "memory_reservation")
    @classmethod
    def _reservation_within_limit(
        cls, reserved: float | None, info: ValidationInfo
    ) -> float | None:
        kind = str(info.field_name).removesuffix("_reservation")
        limit = info.data.get(f"{kind}_limit")  # absent when the limit itself was invalid
        if reserved is not None and limit is not None and reserved > limit:
            raise refuse(
                "reservation_above_limit",
                f"the {kind} reservation ({reserved} {_UNITS[kind]}) must not exceed "
                f"the {kind} limit ({limit} {_UNITS[kind]})",
            )
        return reserved


class PublishedPort(SpecModel):
    published: Port = Field(description="The port opened on every node of the swarm.")
    target: Port = Field(description="The container port it forwards to.")
    protocol: Literal["tcp", "udp"] = "tcp"


class VolumeMount(SpecModel):
    volume: Slug = Field(description="The slug of a volume of the same environment.")
    container_path: ContainerPath = Field(description="Where the volume appears in the container.")
    read_only: bool = False


class ServiceSpec(SpecModel):
    slug: Slug = Field(description="Unique within the environment; also its DNS alias there.")
    source: Source = Field(description="Where the image comes from.")
    mode: Literal["service", "job"] = Field(
        default="service",
        description="service: keeps running, health-gated rollouts. job: runs to completion "
        "(migrations, scripts): a deployment SUCCEEDED when its tasks exit 0, FAILED with the "
        "exit code otherwise; never restarted, never run again except by a new deployment.",
    )
    command: list[str] | None = Field(
        default=None, description="Replaces the image's CMD; none keeps the image's."
    )
    entrypoint: list[str] | None = Field(
        default=None, description="Replaces the image's ENTRYPOINT; none keeps it, [] clears it."
    )
    env: list[EnvVar] = Field(default_factory=list, description="Variables; names are unique.")
    replicas: int = Field(
        default=1,
        ge=0,
        le=100,
        description="Containers to run; 0 stops it. A job's: how many run to completion, at once.",
    )
    resources: Resources = Field(default_factory=Resources)
    healthcheck: Healthcheck | None = Field(
        default=None, description="How readiness is judged; none: running means ready."
    )
    ports: list[PublishedPort] = Field(
        default_factory=list,
        description="Ports published on the nodes, bypassing the proxy (e.g. for TCP services).",
    )
    volumes: list[VolumeMount] = Field(default_factory=list, validate_default=True)
    placement: Placement
    restart_policy: Literal["on-failure", "any", "none"] = Field(
        default="any",
        description="When Swarm restarts a stopped container. A job's never is: a failed run "
        "is FAILED, and a new deployment runs it again.",
    )
    labels: Labels
    backup: BackupPolicy | None = Field(
        default=None,
        description="Scheduled backups of a database (each verified by a restore); none: "
        "only those asked for.",
    )

    cron_jobs: list[CronJob] = Field(
        default_factory=list,
        max_length=20,
        description="Commands run on a schedule in the live image and variables (not for a "
        "job or a database).",
    )

    alerts: list[MetricAlert] = Field(
        default_factory=list,
        max_length=MAX_ALERTS,
        description="Metric alerts: told to notification channels when CPU or memory stays "
        "above a share of the limit, and when it comes back under. Not deployed: an edit "
        "takes effect at once.",
    )

    @field_validator("alerts")
    @classmethod
    def _alerts_have_a_limit(
        cls, alerts: list[MetricAlert], info: ValidationInfo
    ) -> list[MetricAlert]:
        resources = info.data.get("resources")
        if any(a.metric == "memory" for a in alerts) and (
            resources is None or resources.memory_limit is None
        ):
            raise refuse(
                "alert_without_limit",
                "a memory alert is a share of the memory limit: set resources.memory_limit",
            )
        twice = first_duplicate((a.metric, a.above_percent) for a in alerts)
        if twice is not None:
            raise refuse("duplicate_alert", f"two {twice[0]} alerts at {twice[1]} %")
        return alerts

    @field_validator("cron_jobs")
    @classmethod
    def _cron_jobs_of_a_service(cls, jobs: list[CronJob], info: ValidationInfo) -> list[CronJob]:
        if jobs and (
            info.data.get("mode") == "job" or isinstance(info.data.get("source"), DatabaseSource)
        ):
            raise refuse(
                "cron_on_job",
                "scheduled jobs run beside a long-running service (not a job, not a database)",
            )
        duplicate = first_duplicate(job.name for job in jobs)
        if duplicate is not None:
            raise refuse("duplicate_cron_job", f"two scheduled jobs are named {duplicate!r}")
        return jobs

    @field_validator("backup")
    @classmethod
    def _only_a_database_is_backed_up(
        cls, backup: BackupPolicy | None, info: ValidationInfo
    ) -> BackupPolicy | None:
        source = info.data.get("source")
        if backup is not None and not (
            isinstance(source, DatabaseSource) and ENGINES[source.engine].backed_up
        ):
            raise refuse(
                "backup_unsupported",
                f"scheduled backups are for {backed_up_titles()} databases (for now): this "
                "service is not one",
            )
        return backup

    @field_validator("mode")
    @classmethod
    def _a_database_keeps_running(cls, mode: str, info: ValidationInfo) -> str:
        if isinstance(info.data.get("source"), DatabaseSource) and mode == "job":
            raise refuse("database_as_job", "a database keeps running: it cannot be a job")
        return mode

    @field_validator("replicas")
    @classmethod
    def _a_job_runs(cls, replicas: int, info: ValidationInfo) -> int:
        if info.data.get("mode") == "job" and replicas < 1:
            raise refuse("job_without_replicas", "a job runs at least one container to completion")
        if isinstance(info.data.get("source"), DatabaseSource) and replicas > 1:
            raise refuse(
                "replicated_database",
                "a database runs as one container (two would write one data directory): "
                "replicas is 0 or 1",
            )
        return replicas

    @field_validator("healthcheck")
    @classmethod
    def _no_healthcheck_on_a_job(
        cls, check: Healthcheck | None, info: ValidationInfo
    ) -> Healthcheck | None:
        if info.data.get("mode") == "job" and check is not None:
            raise refuse(
                "healthcheck_on_job",
                "a job has no health check: it succeeds when it exits with code 0",
            )
        return check

    @field_validator("env")
    @classmethod
    def _env_names_unique(cls, env: list[EnvVar]) -> list[EnvVar]:
        duplicate = first_duplicate(variable.name for variable in env)
        if duplicate is not None:
            raise refuse("duplicate_env_var", f"the variable {duplicate!r} is defined twice")
        return env

    @field_validator("ports")
    @classmethod
    def _published_ports_unique(
        cls, ports: list[PublishedPort], info: ValidationInfo
    ) -> list[PublishedPort]:
        if info.data.get("mode") == "job" and ports:
            raise refuse("ports_on_job", "a job serves nothing: it cannot publish ports")
        duplicate = first_duplicate((port.published, port.protocol) for port in ports)
        if duplicate is not None:
            number, protocol = duplicate
            raise refuse("duplicate_port", f"the port {number}/{protocol} is published twice")
        return ports

    @field_validator("volumes")
    @classmethod
    def _mount_paths_unique(
        cls, volumes: list[VolumeMount], info: ValidationInfo
    ) -> list[VolumeMount]:
        duplicate = first_duplicate(mount.container_path for mount in volumes)
        if duplicate is not None:
            raise refuse("duplicate_mount", f"two volumes are mounted at {duplicate!r}")
        source = info.data.get("source")
        if isinstance(source, DatabaseSource):
            data = ENGINES[source.engine].data_path
            if not any(m.container_path == data and not m.read_only for m in volumes):
                raise refuse(
                    "database_without_volume",
                    f"a database keeps its data on a volume: mount one, writable, at {data} "
                    "(else every redeploy starts it empty)",
                )
        return volumes
