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

from zaneops import naming
from zaneops.platform.components import (
    ControllerNeeds,
    HostAccess,
    controller_component,
    needs_of,
)
from zaneops.platform.secrets import (
    DATABASE_NAME,
    DATABASE_USER,
    secret_name,
    stack_secret_names,
)
from zaneops.platform.settings import PlatformSettings

Json = dict[str, Any]

LABEL_COMPONENT = "zane.component"
API_PORT = 8000
HEALTH_PORT = 9100
ASK_PORT = 9180
RUN_DIR_INSIDE = "/run/zane"
DOCKER_SOCKET = "/var/run/docker.sock"
APP_SECRETS = ("database_url", "redis_url", "secret_key")


@dataclass(frozen=True)
class StackInputs:
    settings: PlatformSettings
    images: dict[str, str]  # component ("app", "postgres", "redis", "proxy") -> tag
    controllers: tuple[str, ...]
    # The edge overlay's subnets: the proxy reaches the API from there, so only those
    # addresses may name the client in X-Forwarded-For (login and webhook throttling).
    edge_subnets: tuple[str, ...] = ()


def render(inputs: StackInputs) -> Json:
    """The whole compose document, each service labelled with the hash of its own spec."""
    services = {
        "postgres": postgres(inputs),
        "redis": redis(inputs),
        "proxy": proxy(inputs),
        "api": api(inputs),
        **{controller_component(name): controller(inputs, name) for name in inputs.controllers},
    }
    document: Json = {
        "version": "3.8",
        "services": services,
        "networks": networks(inputs.settings.instance),
        "volumes": volumes(inputs.settings.instance),
        "secrets": secret_definitions(inputs),
    }
    shared = {key: document[key] for key in ("networks", "volumes", "secrets")}
    for name, service in services.items():
        service["deploy"]["labels"][naming.LABEL_SPEC_HASH] = spec_hash(service, shared)
        service["deploy"]["labels"][LABEL_COMPONENT] = name
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


def example_text(controllers: tuple[str, ...]) -> str:
    """stacks/zaneops.example.yml: what `zaneops up` deploys with default settings."""
    defaults = PlatformSettings.model_construct()  # not this machine's ZANE_* variables
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


def secret_refs(names: tuple[str, ...]) -> list[Json]:
    """Mounted as /run/secrets/zane_<name>: the file the ZANE_<NAME> setting is read from."""
    return [{"source": name, "target": f"zane_{name}"} for name in names]


def host_port(target: int, published: int) -> Json:
    return {"target": target, "published": published, "protocol": "tcp", "mode": "host"}


def bind(source: str, target: str | None = None) -> Json:
    return {"type": "bind", "source": source, "target": target or source}


# --- services -------------------------------------------------------------------------------


def postgres(inputs: StackInputs) -> Json:
    instance = inputs.settings.instance
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
    instance = inputs.settings.instance
    return {
        "image": inputs.images["redis"],
        "environment": {"REDIS_PASSWORD_FILE": "/run/secrets/redis_password"},
        "secrets": [{"source": "redis_password", "target": "redis_password"}],
        "volumes": [{"type": "volume", "source": "redis-data", "target": "/data"}],
        "networks": ["platform"],
        "healthcheck": healthcheck("redis-health"),
        "labels": labels(instance),
        "deploy": deploy(instance, memory="256M"),
    }


def proxy(inputs: StackInputs) -> Json:
    settings = inputs.settings
    admin = f"curl -fsS -o /dev/null --unix-socket {RUN_DIR_INSIDE}/caddy-admin.sock"
    return {
        "image": inputs.images["proxy"],
        "ports": [
            host_port(80, settings.platform_http_port),
            host_port(443, settings.platform_https_port),
        ],
        "volumes": [
            bind(str(settings.run_dir), RUN_DIR_INSIDE),
            {"type": "volume", "source": "proxy-config", "target": "/config"},
            {"type": "volume", "source": "proxy-data", "target": "/data"},
        ],
        "networks": ["edge"],
        "healthcheck": healthcheck(f"{admin} -H 'Host: caddy-admin' http://caddy-admin/config/"),
        "labels": labels(settings.instance),
        "deploy": deploy(settings.instance, memory="512M"),
    }


def app_environment(settings: PlatformSettings) -> dict[str, str]:
    return {"ZANE_INSTANCE": settings.instance, "ZANE_LOG_LEVEL": "info"}


def api(inputs: StackInputs) -> Json:
    """The API and dashboard: no Docker socket, no Caddy folder. Stop-first: a host port."""
    settings = inputs.settings
    environment = app_environment(settings) | {
        "ZANE_API_PORT": str(API_PORT),
        # Over plain HTTP (the published port) a Secure-only cookie would never come back.
        "ZANE_COOKIE_SECURE": str(bool(settings.platform_dashboard_domain)).lower(),
        "ZANE_TRUSTED_PROXIES": ",".join(inputs.edge_subnets),
    }
    return {
        "image": inputs.images["app"],
        "command": ["api", "--host", "0.0.0.0"],
        "environment": environment,
        "secrets": secret_refs((*APP_SECRETS, "admin_password")),
        "ports": [host_port(API_PORT, settings.platform_dashboard_port)],
        "networks": ["platform", "edge"],
        "healthcheck": healthcheck(
            f"curl -fsS -o /dev/null http://127.0.0.1:{API_PORT}/api/v1/health"
        ),
        "labels": labels(settings.instance),
        "deploy": deploy(settings.instance, memory="512M"),
    }


def controller(inputs: StackInputs, name: str) -> Json:
    settings = inputs.settings
    needs = needs_of(name)
    replicas = settings.platform_controller_replicas if needs.replicated else 1
    service: Json = {
        "image": inputs.images["app"],
        "command": ["controller", "run", name],
        "environment": app_environment(settings)
        | {
            "ZANE_HEALTH_PORT": str(HEALTH_PORT),
            "ZANE_HOLDER_ID": "{{.Task.Name}}",  # the lease row says which replica acts
        }
        | access_environment(settings, needs),
        "secrets": secret_refs(APP_SECRETS),
        "volumes": access_mounts(settings, needs),
        "networks": ["platform", "edge"]
        if HostAccess.CADDY_ADMIN in needs.access
        else ["platform"],
        "healthcheck": healthcheck(
            f"curl -fsS -o /dev/null http://127.0.0.1:{HEALTH_PORT}/healthz"
        ),
        "labels": labels(settings.instance),
        "deploy": deploy(
            settings.instance, replicas=replicas, memory=needs.memory, order="start-first"
        ),
    }
    return service


def access_mounts(settings: PlatformSettings, needs: ControllerNeeds) -> list[Json]:
    sources = {
        HostAccess.DOCKER_SOCKET: bind(DOCKER_SOCKET),
        HostAccess.CADDY_ADMIN: bind(str(settings.run_dir), RUN_DIR_INSIDE),
        HostAccess.VOLUMES_ROOT: bind(str(settings.volumes_root)),
        HostAccess.BUILDS_WORKDIR: bind(str(settings.builds_workdir)),
    }
    return [sources[access] for access in sorted(needs.access, key=lambda a: a.value)]


def access_environment(settings: PlatformSettings, needs: ControllerNeeds) -> dict[str, str]:
    environment: dict[str, str] = {}
    if HostAccess.VOLUMES_ROOT in needs.access:
        environment["ZANE_VOLUMES_HOST_ROOT"] = str(settings.volumes_root)
    if HostAccess.BUILDS_WORKDIR in needs.access:
        environment["ZANE_BUILDS_WORKDIR"] = str(settings.builds_workdir)
    if HostAccess.CADDY_ADMIN in needs.access:
        environment |= routes_environment(settings)
    return environment


def routes_environment(settings: PlatformSettings) -> dict[str, str]:
    """The routes controller reaches the API (dashboard route) and Caddy reaches its ask
    endpoint over the edge network, by their stack aliases."""
    return {
        "ZANE_ROUTES_ADMIN_SOCKET": f"{RUN_DIR_INSIDE}/caddy-admin.sock",
        "ZANE_ROUTES_ACCESS_LOG": f"{RUN_DIR_INSIDE}/access.log",
        "ZANE_ROUTES_HTTPS": str(settings.platform_https).lower(),
        "ZANE_ROUTES_PUBLIC_HTTPS_PORT": str(settings.platform_https_port),
        "ZANE_ROUTES_DASHBOARD_DOMAIN": settings.platform_dashboard_domain,
        "ZANE_ROUTES_DASHBOARD_UPSTREAM": f"api:{API_PORT}",
        "ZANE_ROUTES_ASK_PORT": str(ASK_PORT),
        "ZANE_ROUTES_ASK_URL": f"http://{controller_component('routes')}:{ASK_PORT}/ask",
    }


# --- top-level objects ----------------------------------------------------------------------


def networks(instance: str) -> Json:
    """The edge network is external: users' services are on it, and removing the stack must
    never try to delete it under them. `zaneops up` creates it when missing."""
    return {
        "platform": {
            "driver": "overlay",
            "name": f"{instance}-platform",
            "labels": labels(instance),
        },
        "edge": {"external": True, "name": naming.edge_network(instance)},
    }


def volumes(instance: str) -> Json:
    return {
        name: {"name": f"{instance}-{name}", "labels": labels(instance)}
        for name in ("postgres-data", "redis-data", "proxy-config", "proxy-data")
    }


def secret_definitions(inputs: StackInputs) -> Json:
    instance = inputs.settings.instance
    return {
        name: {"external": True, "name": secret_name(instance, name)}
        for name in stack_secret_names()
    }


if __name__ == "__main__":  # python -m zaneops.platform.stack > stacks/zaneops.example.yml
    from zaneops.platform.components import controller_names

    sys.stdout.write(example_text(tuple(controller_names())))
