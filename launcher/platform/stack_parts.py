"""What every service of the platform's stack is made of: ports and folders inside the
containers, which secrets each kind of component gets, the inputs of a rendering, and the
small pieces (labels, the deploy policy, health checks, mounts, environments)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from controllers.entry import ControllerEntry
from launcher.platform.settings import Platform
from zaneops.common import naming
from zaneops.common.settings import InstallationSettings, ZaneSettings, as_environment

Json = dict[str, Any]

API_PORT = 8000
HEALTH_PORT = 9100
RUN_DIR_INSIDE = "/run/zane"
DOCKER_SOCKET = "/var/run/docker.sock"
# Each component is given only the secrets it uses, as the files its settings read.
API_SECRETS = {
    "api_database_url": "zane_database_url",
    "redis_url": "zane_redis_url",
    "logs_redis_url": "zane_logs_redis_url",
    "secret_key": "zane_secret_key",
    "admin_password": "zane_api_admin_password",
}
CONTROLLER_SECRETS = {
    "controllers_database_url": "zane_database_url",
    "logs_redis_url": "zane_logs_redis_url",
}
SEALING_KEY = {"secret_key": "zane_secret_key"}
MIGRATE_SECRETS = {
    "database_url": "zane_database_url",  # the owner: only the migrate service has it
    "api_database_url": "zane_migrate_api_database_url",
    "controllers_database_url": "zane_migrate_controllers_database_url",
}
# Sessions and rate limits must never be evicted: over the limit Redis refuses writes (the
# API answers 503) rather than log someone out. Log streams may be: the oldest go first.
REDIS_LIMITS = ("--maxmemory", "64mb", "--maxmemory-policy", "noeviction")
LOGS_REDIS_LIMITS = ("--maxmemory", "256mb", "--maxmemory-policy", "allkeys-lru")


@dataclass(frozen=True)
class StackInputs:
    platform: Platform
    images: dict[str, str]  # component ("app", "postgres", "redis", "proxy", "probe") -> tag
    controllers: tuple[ControllerEntry, ...]
    # The front overlay's subnets: only the proxy reaches the API from there (users'
    # services are not on it), so only those addresses may name the client in
    # X-Forwarded-For (login and webhook throttling).
    front_subnets: tuple[str, ...] = ()
    managers: int = 1  # the swarm's managers that take tasks (ready, active): replicas spread
    # over them


def labels(instance: str) -> dict[str, str]:
    return {naming.LABEL_MANAGED: "true", naming.LABEL_INSTANCE: instance}


ON_A_MANAGER = "node.role == manager"


def deploy(instance: str, *, replicas: int = 1, memory: str, order: str = "stop-first") -> Json:
    """Swarm policy: dnsrr, restart on any exit, a memory limit, the update order.

    stop-first for anything holding a host port or a volume (two tasks could not share them);
    start-first where a second task is harmless (controllers: the lease decides who acts).
    """
    return {
        "endpoint_mode": "dnsrr",
        "replicas": replicas,
        "labels": labels(instance),
        "restart_policy": {"condition": "any", "delay": "1s"},
        "update_config": {"order": order, "parallelism": 1, "failure_action": "rollback"},
        "rollback_config": {"order": order, "parallelism": 1},
        "resources": {"limits": {"memory": memory}},
        # The platform runs on managers: only a manager's engine manages the swarm, and its
        # host folders (data, backups, Caddy's socket) are on that server. Workers run users'
        # services (and the global per-node parts, which drop this).
        "placement": {"constraints": [ON_A_MANAGER]},
    }


def healthcheck(command: str, start_period: str = "60s") -> Json:
    return {
        "test": ["CMD-SHELL", command],
        "interval": "5s",
        "timeout": "3s",
        "retries": 3,
        "start_period": start_period,
    }


def secret_refs(files: dict[str, str]) -> list[Json]:
    """Each secret mounted as /run/secrets/<file>: the file a ZANE_<...> setting is read from
    (named like the variable, in lower case)."""
    return [{"source": name, "target": target} for name, target in files.items()]


def host_port(target: int, published: int) -> Json:
    return {"target": target, "published": published, "protocol": "tcp", "mode": "host"}


def bind(source: str, target: str | None = None) -> Json:
    return {"type": "bind", "source": source, "target": target or source}


def environment(*settings: ZaneSettings) -> dict[str, str]:
    """The variables of the settings a component is given, named by their own models."""
    variables: dict[str, str] = {}
    for chosen in settings:
        variables |= as_environment(chosen)
    return variables


def app_settings(platform: Platform) -> InstallationSettings:
    return InstallationSettings.chosen(instance=platform.instance, log_level="info")
