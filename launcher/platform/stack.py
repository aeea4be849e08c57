"""The platform's stack: a compose v3.8 document for `docker stack deploy`, rendered from the
settings, the image tags and the registered controllers. Pure: same inputs, same document.

Every service runs in dnsrr mode (this kernel has no IPVS), publishes ports in host mode, has
a health check, a restart policy and limits, and carries its own spec hash, so `zaneops up`
can tell that nothing changed without asking Swarm to update anything.
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from typing import Any

import yaml

from api.settings import ApiSettings
from controllers.entry import ControllerEntry, HostAccess, Placement
from controllers.registry import ENTRIES
from launcher.controller_process import reference
from launcher.platform.components import by_name
from launcher.platform.secrets import (
    DATABASE_NAME,
    DATABASE_USER,
    secret_name,
    stack_secret_names,
)
from launcher.platform.settings import Platform, PlatformSettings
from zaneops.common import naming
from zaneops.common.settings import InstallationSettings, ZaneSettings, as_environment
from zaneops.runtime.settings import RuntimeSettings

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
    images: dict[str, str]  # component ("app", "postgres", "redis", "proxy") -> tag
    controllers: tuple[ControllerEntry, ...]
    # The front overlay's subnets: only the proxy reaches the API from there (users'
    # services are not on it), so only those addresses may name the client in
    # X-Forwarded-For (login and webhook throttling).
    front_subnets: tuple[str, ...] = ()


def render(inputs: StackInputs) -> Json:
    """The whole compose document, each service labelled with the hash of its own spec."""
    services = {
        "postgres": postgres(inputs),
        "redis": redis(inputs),
        "redis-logs": logs_redis(inputs),
        "migrate": migrate(inputs),
        "proxy": proxy(inputs),
        "api": api(inputs),
        **{entry.component: controller(inputs, entry) for entry in by_name(inputs.controllers)},
    }
    document: Json = {
        "version": "3.8",
        "services": services,
        "networks": networks(inputs.platform.instance),
        "volumes": volumes(inputs.platform.instance),
        "secrets": secret_definitions(inputs),
    }
    shared = {key: document[key] for key in ("networks", "volumes", "secrets")}
    for name, service in services.items():
        service["deploy"]["labels"][naming.LABEL_SPEC_HASH] = spec_hash(service, shared)
        service["deploy"]["labels"][naming.LABEL_COMPONENT] = name
    return document


def stack_text(document: Json) -> str:
    """The stack file as written to disk."""
    header = "# Rendered by `zaneops up`; edit the settings, not this file.\n"
    return header + yaml.safe_dump(document, sort_keys=False)


EXAMPLE_IMAGES = {
    "app": "zaneops/app:<hash>",
    "postgres": "zaneops/postgres:<hash>",
    "redis": "zaneops/redis:<hash>",
    "proxy": "zaneops/caddy:<hash>",
}


def example_text(controllers: tuple[ControllerEntry, ...] = ENTRIES) -> str:
    """stacks/zaneops.example.yml: what `zaneops up` deploys with default settings."""
    # model_construct: the defaults, not this machine's ZANE_* variables
    defaults = Platform("zaneops", PlatformSettings.model_construct())
    inputs = StackInputs(defaults, EXAMPLE_IMAGES, controllers, ("10.0.1.0/24",))
    return stack_text(render(inputs))


def spec_hash(service: Json, shared: Json) -> str:
    text = json.dumps({"service": service, "shared": shared}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def expected_hashes(document: Json) -> dict[str, str]:
    """component -> spec hash, as the deployed services must carry them."""
    return {
        name: service["deploy"]["labels"][naming.LABEL_SPEC_HASH]
        for name, service in document["services"].items()
    }


# --- shared pieces --------------------------------------------------------------------------


def labels(instance: str) -> dict[str, str]:
    return {naming.LABEL_MANAGED: "true", naming.LABEL_INSTANCE: instance}


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


# --- services -------------------------------------------------------------------------------


def postgres(inputs: StackInputs) -> Json:
    instance = inputs.platform.instance
    return {
        "image": inputs.images["postgres"],
        "environment": {
            "POSTGRES_USER": DATABASE_USER,
            "POSTGRES_DB": DATABASE_NAME,
            "POSTGRES_PASSWORD_FILE": "/run/secrets/postgres_password",
            "PGDATA": "/var/lib/postgresql/data/pgdata",
        },
        "secrets": [{"source": "postgres_password", "target": "postgres_password"}],
        "volumes": [
            {"type": "volume", "source": "postgres-data", "target": "/var/lib/postgresql/data"}
        ],
        "networks": ["platform"],
        "healthcheck": healthcheck(
            "pg_isready -q -h 127.0.0.1 -U $$POSTGRES_USER -d $$POSTGRES_DB"
        ),
        "labels": labels(instance),
        "stop_grace_period": "30s",
        "deploy": deploy(instance, memory="1G"),
    }


def redis(inputs: StackInputs) -> Json:
    """Sessions and rate limits."""
    return redis_service(inputs, "redis-data", "redis_password", REDIS_LIMITS, "128M")


def logs_redis(inputs: StackInputs) -> Json:
    """Log streams, apart: when full, it evicts old streams, and sessions are not touched."""
    return redis_service(
        inputs, "redis-logs-data", "logs_redis_password", LOGS_REDIS_LIMITS, "320M"
    )


def redis_service(
    inputs: StackInputs, volume: str, password: str, limits: tuple[str, ...], memory: str
) -> Json:
    instance = inputs.platform.instance
    return {
        "image": inputs.images["redis"],
        "command": ["redis-start", *limits],
        "environment": {"REDIS_PASSWORD_FILE": f"/run/secrets/{password}"},
        "secrets": [{"source": password, "target": password}],
        "volumes": [{"type": "volume", "source": volume, "target": "/data"}],
        "networks": ["platform"],
        "healthcheck": healthcheck("redis-health"),
        "labels": labels(instance),
        "deploy": deploy(instance, memory=memory),
    }


def proxy(inputs: StackInputs) -> Json:
    platform = inputs.platform
    admin = f"curl -fsS -o /dev/null --unix-socket {RUN_DIR_INSIDE}/caddy-admin.sock"
    return {
        "image": inputs.images["proxy"],
        "ports": [
            host_port(80, platform.settings.http_port),
            host_port(443, platform.settings.https_port),
        ],
        "volumes": [
            bind(str(platform.run_dir), RUN_DIR_INSIDE),
            {"type": "volume", "source": "proxy-config", "target": "/config"},
            {"type": "volume", "source": "proxy-data", "target": "/data"},
        ],
        "networks": ["edge", "front"],
        "healthcheck": healthcheck(f"{admin} -H 'Host: caddy-admin' http://caddy-admin/config/"),
        "labels": labels(platform.instance),
        "deploy": deploy(platform.instance, memory="512M"),
    }


def environment(*settings: ZaneSettings) -> dict[str, str]:
    """The variables of the settings a component is given, named by their own models."""
    variables: dict[str, str] = {}
    for chosen in settings:
        variables |= as_environment(chosen)
    return variables


def app_settings(platform: Platform) -> InstallationSettings:
    return InstallationSettings.chosen(instance=platform.instance, log_level="info")


def api(inputs: StackInputs) -> Json:
    """The API and dashboard: no Docker socket, no Caddy folder. Stop-first: a host port."""
    platform = inputs.platform
    api_settings = ApiSettings.chosen(
        port=API_PORT,
        # Over plain HTTP (the published port) a Secure-only cookie would never come back.
        cookie_secure=bool(platform.settings.dashboard_domain),
        dashboard_domain=platform.settings.dashboard_domain,
        trusted_proxies=",".join(inputs.front_subnets),
    )
    return {
        "image": inputs.images["app"],
        "command": ["api", "--host", "0.0.0.0"],
        "environment": environment(app_settings(platform), api_settings),
        "secrets": secret_refs(API_SECRETS),
        # With a domain, the dashboard is served only through the proxy, over HTTPS.
        "ports": []
        if platform.settings.dashboard_domain
        else [host_port(API_PORT, platform.settings.dashboard_port)],
        "networks": ["platform", "front"],
        "healthcheck": healthcheck(
            f"curl -fsS -o /dev/null http://127.0.0.1:{API_PORT}/api/v1/health"
        ),
        "labels": labels(platform.instance),
        "deploy": deploy(platform.instance, memory="512M"),
    }


def migrate(inputs: StackInputs) -> Json:
    """The only holder of the owner's credentials: it migrates, lets the components' roles
    log in, then waits; every other process starts once the schema is at its head."""
    platform = inputs.platform
    return {
        "image": inputs.images["app"],
        "command": ["migrate", "--stay"],
        "environment": environment(app_settings(platform)),
        "secrets": secret_refs(MIGRATE_SECRETS),
        "networks": ["platform"],
        "healthcheck": healthcheck("test -f /tmp/zane-migrated", start_period="120s"),
        "labels": labels(platform.instance),
        "deploy": deploy(platform.instance, memory="128M"),
    }


def controller(inputs: StackInputs, entry: ControllerEntry) -> Json:
    platform = inputs.platform
    replicas = platform.settings.controller_replicas if entry.replicated else 1
    runtime = RuntimeSettings.chosen(
        health_port=HEALTH_PORT,
        holder_id="{{.Task.Name}}",  # the lease row says which replica acts
    )
    own = entry.stack_settings(placement(platform, entry))
    return {
        "image": inputs.images["app"],
        "command": ["controller", "run", reference(entry)],
        "environment": environment(app_settings(platform), runtime, *own),
        "secrets": secret_refs(
            CONTROLLER_SECRETS | (SEALING_KEY if entry.needs_sealing_key else {})
        ),
        "volumes": access_mounts(platform, entry.host_access),
        "networks": ["platform", "front"] if entry.proxy_network else ["platform"],
        "healthcheck": healthcheck(
            f"curl -fsS -o /dev/null http://127.0.0.1:{HEALTH_PORT}/healthz"
        ),
        "labels": labels(platform.instance),
        "deploy": deploy(
            platform.instance, replicas=replicas, memory=entry.memory, order="start-first"
        ),
    }


def placement(platform: Platform, entry: ControllerEntry) -> Placement:
    """Where things are as the controller's container sees them (host paths at their own
    path, Caddy's run folder at RUN_DIR_INSIDE)."""
    return Placement(
        caddy_dir=RUN_DIR_INSIDE,
        volumes_root=str(platform.volumes_root),
        builds_workdir=str(platform.builds_workdir),
        https=platform.settings.https,
        public_https_port=platform.settings.https_port,
        dashboard_domain=platform.settings.dashboard_domain,
        api_upstream=f"api:{API_PORT}",
        own_host=entry.component,
    )


def access_mounts(platform: Platform, access: frozenset[HostAccess]) -> list[Json]:
    sources = {
        HostAccess.DOCKER_SOCKET: bind(DOCKER_SOCKET),
        HostAccess.CADDY_ADMIN: bind(str(platform.run_dir), RUN_DIR_INSIDE),
        HostAccess.VOLUMES_ROOT: bind(str(platform.volumes_root)),
        HostAccess.BUILDS_WORKDIR: bind(str(platform.builds_workdir)),
    }
    return [sources[kind] for kind in sorted(access, key=lambda kind: kind.value)]


# --- top-level objects ----------------------------------------------------------------------


def networks(instance: str) -> Json:
    """Three overlays. platform: the data stores and the platform's processes. edge: the
    proxy and users' services, external (removing the stack must never delete it under
    them). front: the proxy, the API and the routes controller, and nothing of users':
    external too, so its subnet is known to the API's trusted proxies before deploying.
    `zaneops up` creates both external ones when missing."""
    return {
        "platform": {
            "driver": "overlay",
            "name": f"{instance}-platform",
            "labels": labels(instance),
        },
        "edge": {"external": True, "name": naming.edge_network(instance)},
        "front": {"external": True, "name": naming.front_network(instance)},
    }


def volumes(instance: str) -> Json:
    return {
        name: {"name": f"{instance}-{name}", "labels": labels(instance)}
        for name in ("postgres-data", "redis-data", "redis-logs-data", "proxy-config", "proxy-data")
    }


def secret_definitions(inputs: StackInputs) -> Json:
    instance = inputs.platform.instance
    return {
        name: {"external": True, "name": secret_name(instance, name)}
        for name in stack_secret_names()
    }


if __name__ == "__main__":  # python -m launcher.platform.stack > stacks/zaneops.example.yml
    sys.stdout.write(example_text())
