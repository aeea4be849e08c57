"""The platform's services, one function each: what runs, with which secrets, mounts and
networks. Pure, like the rest of the stack's rendering."""

from __future__ import annotations

import yaml

from api.settings import ApiSettings
from controllers.entry import ControllerEntry, HostAccess, Placement
from launcher.controller_process import reference
from launcher.metrics_exporter import ExporterSettings
from launcher.platform.secrets import DATABASE_NAME, DATABASE_USER
from launcher.platform.settings import Platform
from launcher.platform.stack_parts import (
    API_PORT,
    API_SECRETS,
    CONTROLLER_SECRETS,
    DOCKER_SOCKET,
    HEALTH_PORT,
    LOGS_REDIS_LIMITS,
    MIGRATE_SECRETS,
    REDIS_LIMITS,
    RUN_DIR_INSIDE,
    SEALING_KEY,
    Json,
    StackInputs,
    app_settings,
    bind,
    deploy,
    environment,
    healthcheck,
    host_port,
    labels,
    secret_refs,
)
from zaneops.runtime.settings import RuntimeSettings


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
        # Users' services are reached on their environments' networks, which the networks
        # controller attaches the running proxy to: the stack names none of them.
        "networks": ["front"],
        "healthcheck": healthcheck(f"{admin} -H 'Host: caddy-admin' http://caddy-admin/config/"),
        "labels": labels(platform.instance),
        "deploy": deploy(platform.instance, memory="512M"),
    }


def api(inputs: StackInputs) -> Json:
    """The API and dashboard: no Docker socket, no Caddy folder, the backups folder read-only.
    Stop-first: a host port."""
    platform = inputs.platform
    api_settings = ApiSettings.chosen(
        port=API_PORT,
        # Over plain HTTP (the published port) a Secure-only cookie would never come back.
        cookie_secure=bool(platform.settings.dashboard_domain),
        dashboard_domain=platform.settings.dashboard_domain,
        trusted_proxies=",".join(inputs.front_subnets),
        # Users' databases run the platform's own engine images: already on every install.
        postgres_image=inputs.images["postgres"],
        mariadb_image=inputs.images["mariadb"],
        redis_image=inputs.images["redis"],
        metrics_url=f"http://metrics:{METRICS_PORT}",
        backups_root=platform.backups_root,
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
        # Read-only: the API serves verified backups' files; only the controller writes there.
        "volumes": [{**bind(str(platform.backups_root)), "read_only": True}],
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
    replicas = controller_replicas(platform.settings.controller_replicas, inputs.managers)
    replicas = replicas if entry.replicated else 1
    runtime = RuntimeSettings.chosen(
        health_port=HEALTH_PORT,
        holder_id="{{.Task.Name}}",  # the lease row says which replica acts
    )
    own = entry.stack_settings(placement(platform, entry, inputs.images["app"]))
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
        "deploy": spread(
            deploy(platform.instance, replicas=replicas, memory=entry.memory, order="start-first"),
            inputs.managers,
        ),
    }


def controller_replicas(chosen: int | None, managers: int) -> int:
    """As chosen, else 1 on one manager (a second replica beside the first protects against
    nothing a restart does not, and costs a process) and 2 once there are several."""
    if chosen is not None:
        return chosen
    return 1 if managers < 2 else 2


def spread(settings: Json, managers: int) -> Json:
    """Replicas on different managers, so one server's loss leaves one to take the lease;
    only where there are managers enough, or the extra replicas would wait forever."""
    replicas = settings["replicas"]
    if 1 < replicas <= managers:
        settings["placement"]["max_replicas_per_node"] = 1
    return settings


def placement(platform: Platform, entry: ControllerEntry, own_image: str = "") -> Placement:
    """Where things are as the controller's container sees them (host paths at their own
    path, Caddy's run folder at RUN_DIR_INSIDE)."""
    return Placement(
        caddy_dir=RUN_DIR_INSIDE,
        volumes_root=str(platform.volumes_root),
        builds_workdir=str(platform.builds_workdir),
        backups_root=str(platform.backups_root),
        https=platform.settings.https,
        public_https_port=platform.settings.https_port,
        dashboard_domain=platform.settings.dashboard_domain,
        api_upstream=f"api:{API_PORT}",
        own_host=entry.component,
        metrics_url=f"http://metrics:{METRICS_PORT}",
        own_image=own_image,
    )


def access_mounts(platform: Platform, access: frozenset[HostAccess]) -> list[Json]:
    sources = {
        HostAccess.DOCKER_SOCKET: bind(DOCKER_SOCKET),
        HostAccess.CADDY_ADMIN: bind(str(platform.run_dir), RUN_DIR_INSIDE),
        HostAccess.VOLUMES_ROOT: bind(str(platform.volumes_root)),
        HostAccess.BUILDS_WORKDIR: bind(str(platform.builds_workdir)),
        HostAccess.BACKUPS_ROOT: bind(str(platform.backups_root)),
    }
    return [sources[kind] for kind in sorted(access, key=lambda kind: kind.value)]


def probe(inputs: StackInputs) -> Json:
    """One task per node (global) copies the HTTP health check probe into the probe volume of
    that node, which users' containers with an HTTP health check mount read-only; then waits."""
    instance = inputs.platform.instance
    settings = deploy(instance, memory="16M", order="stop-first")
    del settings["replicas"], settings["placement"]  # on every node
    return {
        "image": inputs.images["probe"],
        "volumes": [{"type": "volume", "source": "probe", "target": "/probe"}],
        "read_only": True,
        "networks": ["isolated"],  # it talks to nothing
        "healthcheck": {
            "test": ["CMD", "/zane-probe", "installed", "/probe"],
            "interval": "30s",
            "timeout": "3s",
            "retries": 3,
            "start_period": "10s",
        },
        "labels": labels(instance),
        "deploy": {**settings, "mode": "global"},
    }


# --- metrics ----------------------------------------------------------------------------------

METRICS_PORT = 9090
EXPORTER_PORT = 9101
NODE_EXPORTER_PORT = 9100
SCRAPE_INTERVAL = "15s"


def metrics(inputs: StackInputs) -> Json:
    """Prometheus (Debian's, on the local base): every node's exporter and every controller's
    /metrics, every 15 s, kept 30 days (at most 2 GB). Only the API reads it."""
    instance = inputs.platform.instance
    return {
        "image": inputs.images["metrics"],
        "environment": {"PROMETHEUS_CONFIG": scrape_config(inputs)},
        "volumes": [{"type": "volume", "source": "metrics-data", "target": "/prometheus"}],
        "networks": ["platform"],
        # promtool of 2.42 has no `check healthy`: a query answered is healthy.
        "healthcheck": healthcheck(
            f"promtool query instant http://127.0.0.1:{METRICS_PORT} 1 >/dev/null"
        ),
        "labels": labels(instance),
        "deploy": deploy(instance, memory="256M"),
    }


def scrape_config(inputs: StackInputs) -> str:
    """Targets found by DNS (tasks.<service>: one address per task, on every node)."""
    controllers = [entry.component for entry in sorted(inputs.controllers, key=lambda e: e.name)]
    jobs = [
        ("containers", ["tasks.exporter"], EXPORTER_PORT),
        ("nodes", ["tasks.node-exporter"], NODE_EXPORTER_PORT),
        ("controllers", [f"tasks.{name}" for name in controllers], HEALTH_PORT),
    ]
    config: Json = {
        "global": {"scrape_interval": SCRAPE_INTERVAL, "scrape_timeout": "10s"},
        "scrape_configs": [
            {
                "job_name": job,
                "dns_sd_configs": [{"names": names, "type": "A", "port": port}],
            }
            for job, names, port in jobs
        ],
    }
    return yaml.safe_dump(config, sort_keys=False)


def exporter(inputs: StackInputs) -> Json:
    """One per node (global): what users' containers there use, from the Engine's stats."""
    platform = inputs.platform
    settings = deploy(platform.instance, memory="128M", order="stop-first")
    del settings["replicas"], settings["placement"]  # on every node
    return {
        "image": inputs.images["app"],
        "command": ["metrics-exporter"],
        "environment": environment(
            app_settings(platform), ExporterSettings.chosen(port=EXPORTER_PORT)
        ),
        "volumes": [bind(DOCKER_SOCKET)],
        "networks": ["platform"],
        # /healthz, not /metrics: a check must not sample every container.
        "healthcheck": healthcheck(
            f"curl -fsS -o /dev/null http://127.0.0.1:{EXPORTER_PORT}/healthz"
        ),
        "labels": labels(platform.instance),
        "deploy": {**settings, "mode": "global"},
    }


def node_exporter(inputs: StackInputs) -> Json:
    """One per node (global): the server's CPU, memory, disks and load (Debian's node
    exporter), reading the host's /proc, /sys and / mounted read-only. Its hostname is the
    node's, so that every series names its server (node_uname_info's nodename)."""
    instance = inputs.platform.instance
    settings = deploy(instance, memory="32M", order="stop-first")
    del settings["replicas"], settings["placement"]  # on every node
    host_trees = [("/proc", "/host/proc"), ("/sys", "/host/sys"), ("/", "/host/root")]
    probe = {"type": "volume", "source": "probe", "target": "/.zane", "read_only": True}
    return {
        "image": inputs.images["node-exporter"],
        "hostname": "{{.Node.Hostname}}",
        "volumes": [
            *({**bind(source, target), "read_only": True} for source, target in host_trees),
            probe,
        ],
        "read_only": True,
        "networks": ["platform"],
        # The image has no HTTP client: the platform's static probe asks its landing page.
        "healthcheck": {
            **healthcheck(""),
            "test": ["CMD", "/.zane/zane-probe", "http", str(NODE_EXPORTER_PORT), "/", "3000"],
        },
        "labels": labels(instance),
        "deploy": {**settings, "mode": "global"},
    }
