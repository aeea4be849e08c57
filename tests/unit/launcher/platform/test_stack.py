"""The platform's pure planning: the stack it renders, its secrets, image tags, readiness."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from controllers.entry import ControllerEntry
from controllers.registry import ENTRIES, NAMES
from launcher.platform import health
from launcher.platform.build_context import repo_root
from launcher.platform.images import APP_SOURCES, content_hash, recipes
from launcher.platform.installer import choose_variant
from launcher.platform.secrets import GROUPS, plan_secrets
from launcher.platform.settings import Platform, PlatformSettings
from launcher.platform.stack import StackInputs, example_text, expected_hashes, render
from launcher.platform.stack_parts import ON_A_MANAGER
from tests.support import lonely
from zaneops.adapters.docker.platform import ServiceState

IMAGES = {
    "app": "zaneops/app:a",
    "postgres": "zaneops/postgres:p",
    "redis": "r",
    "mariadb": "zaneops/mariadb:d",
    "proxy": "c",
    "probe": "b",
    "metrics": "m",
    "node-exporter": "n",
}
CONTROLLERS = NAMES


def rendered(
    controllers: tuple[ControllerEntry, ...] = ENTRIES,
    instance: str = "zaneops",
    managers: int = 1,
    **settings: Any,
) -> dict[str, Any]:
    platform = Platform(instance, PlatformSettings(**settings))
    return render(StackInputs(platform, dict(IMAGES), controllers, managers=managers))


def mounts(service: dict[str, Any]) -> set[str]:
    return {volume["source"] for volume in service.get("volumes", [])}


def test_each_registered_controller_is_its_own_service() -> None:
    """Every registered entry appears as controller-<name>, running that controller."""
    services = rendered()["services"]
    assert {entry.name for entry in ENTRIES} == set(CONTROLLERS)
    for name in CONTROLLERS:
        assert services[f"controller-{name}"]["command"] == ["controller", "run", name]


def test_only_the_controllers_that_change_docker_objects_get_the_docker_socket() -> None:
    """The API and the routes controller never see /var/run/docker.sock."""
    services = rendered()["services"]
    with_socket = {name for name, s in services.items() if "/var/run/docker.sock" in mounts(s)}
    # The exporter only reads containers' stats, but the socket is all or nothing.
    assert with_socket == {
        "exporter",
        "controller-backups",
        "controller-services",
        "controller-volumes",
        "controller-builds",
        "controller-networks",
        "controller-runs",
    }


def test_only_the_backups_controller_writes_the_backups_folder_and_the_api_reads_it() -> None:
    """Backup files are on the host, under the data folder: the controller writes them; the
    API (downloads) mounts them read-only; no other service sees them."""
    services = rendered(data_dir="/srv/zane")["services"]
    holders = {name for name, s in services.items() if "/srv/zane/backups" in mounts(s)}
    assert holders == {"controller-backups", "api"}
    [api_mount] = services["api"]["volumes"]
    assert api_mount["source"] == "/srv/zane/backups" and api_mount["read_only"] is True
    [controller_mount] = [
        v for v in services["controller-backups"]["volumes"] if v["source"] == "/srv/zane/backups"
    ]
    assert not controller_mount.get("read_only")
    assert services["controller-backups"]["environment"]["ZANE_BACKUPS_ROOT"] == (
        "/srv/zane/backups"
    )
    assert services["api"]["environment"]["ZANE_API_BACKUPS_ROOT"] == "/srv/zane/backups"


def test_only_the_proxy_and_the_routes_controller_get_the_caddy_admin_folder() -> None:
    """The run folder holding Caddy's admin socket is mounted in exactly two services."""
    services = rendered(run_dir="/run/zane-x")["services"]
    with_admin = {name for name, s in services.items() if "/run/zane-x" in mounts(s)}
    assert with_admin == {"proxy", "controller-routes"}


def test_every_service_is_dnsrr_with_a_health_check_and_a_memory_limit() -> None:
    """No IPVS here: dnsrr everywhere; Swarm waits for health; limits keep one from starving."""
    for name, service in rendered()["services"].items():
        assert service["deploy"]["endpoint_mode"] == "dnsrr", name
        assert service["healthcheck"]["test"][0] in ("CMD-SHELL", "CMD"), name
        assert service["deploy"]["resources"]["limits"]["memory"], name


def test_every_node_runs_one_probe_task_filling_its_probe_volume() -> None:
    """Global mode: a node Swarm adds gets the HTTP health check probe with no setup; the
    task writes only its volume (read-only root) and is on a network of its own."""
    probe = rendered(instance="demo")["services"]["probe"]
    assert probe["deploy"]["mode"] == "global" and "replicas" not in probe["deploy"]
    assert probe["volumes"] == [{"type": "volume", "source": "probe", "target": "/probe"}]
    assert probe["read_only"] is True and probe["networks"] == ["isolated"]
    assert rendered(instance="demo")["volumes"]["probe"]["name"] == "demo-probe"


def test_ports_are_host_mode_and_configurable() -> None:
    """Proxy and dashboard ports come from the settings, published in host mode."""
    services = rendered(http_port=8080, https_port=8443, dashboard_port=9000)["services"]
    published = {
        name: {(p["published"], p["mode"]) for p in s.get("ports", [])}
        for name, s in services.items()
    }
    assert published["proxy"] == {(8080, "host"), (8443, "host")}
    assert published["api"] == {(9000, "host")}


def test_controllers_are_replicated_only_where_the_lease_makes_it_safe() -> None:
    """The four known controllers act only as leader: the setting; one that says it cannot
    share its work with a second replica: one."""
    services = rendered(controller_replicas=2)["services"]
    for name in ("routes", "services", "volumes", "builds"):
        assert services[f"controller-{name}"]["deploy"]["replicas"] == 2, name
    only = rendered((lonely.ENTRY,), controller_replicas=2)["services"]["controller-lonely"]
    assert only["deploy"]["replicas"] == 1


def test_one_manager_runs_one_replica_of_each_controller() -> None:
    """One manager: a second replica beside the first would only cost a process."""
    services = rendered(managers=1)["services"]
    for name in CONTROLLERS:
        deploy = services[f"controller-{name}"]["deploy"]
        assert deploy["replicas"] == 1, name
        assert deploy["placement"] == {"constraints": [ON_A_MANAGER]}, name


def test_several_managers_run_two_replicas_of_each_controller_on_different_ones() -> None:
    """Two or more managers: 2 replicas, at most one per server, so a loss leaves one."""
    for managers in (2, 3):
        services = rendered(managers=managers)["services"]
        for name in CONTROLLERS:
            placement = services[f"controller-{name}"]["deploy"]["placement"]
            assert services[f"controller-{name}"]["deploy"]["replicas"] == 2, (managers, name)
            assert placement == {"constraints": [ON_A_MANAGER], "max_replicas_per_node": 1}


def test_replicas_chosen_beyond_the_managers_are_not_held_to_one_per_server() -> None:
    """3 replicas asked for on 2 managers: all run (two share one) rather than one waiting."""
    deploy = rendered(managers=2, controller_replicas=3)["services"]["controller-routes"]["deploy"]
    assert deploy["replicas"] == 3 and "max_replicas_per_node" not in deploy["placement"]
    chosen_one = rendered(managers=3, controller_replicas=1)["services"]["controller-routes"]
    assert chosen_one["deploy"]["replicas"] == 1
    assert "max_replicas_per_node" not in chosen_one["deploy"]["placement"]


def test_the_platform_runs_on_managers_and_only_the_per_node_parts_everywhere() -> None:
    """A worker runs users' services, the probe and the exporters; nothing else of ours."""
    services = rendered(managers=3)["services"]
    everywhere = {"probe", "exporter", "node-exporter"}
    for name, service in services.items():
        deploy = service["deploy"]
        if name in everywhere:
            assert deploy["mode"] == "global" and "placement" not in deploy, name
        else:
            assert deploy["placement"]["constraints"] == [ON_A_MANAGER], name


def test_the_front_network_is_external_so_its_subnet_is_known_before_deploying() -> None:
    """The API trusts forwarded addresses from front's subnet: it must exist first."""
    networks = rendered(instance="demo")["networks"]
    assert networks["front"] == {"external": True, "name": "demo-front"}
    assert set(networks) == {"platform", "front", "isolated"}


def test_secrets_are_files_named_like_the_settings_they_fill() -> None:
    """ZANE_DATABASE_URL is read from /run/secrets/zane_database_url."""
    api = rendered()["services"]["api"]
    targets = {ref["target"] for ref in api["secrets"]}
    assert targets == {
        "zane_database_url",
        "zane_redis_url",
        "zane_logs_redis_url",
        "zane_secret_key",
        "zane_api_admin_password",
    }
    credentials = [key for key in api["environment"] if "PASSWORD" in key or "URL" in key]
    assert credentials == ["ZANE_API_METRICS_URL"]  # Prometheus's address: no credential


def test_a_change_moves_only_the_hash_of_the_services_it_touches() -> None:
    """A new dashboard port changes the api's spec hash, not postgres's."""
    first = expected_hashes(rendered())
    second = expected_hashes(rendered(dashboard_port=9999))
    assert first["api"] != second["api"]
    assert first["postgres"] == second["postgres"]


def state(component: str, spec_hash: str, **overrides: Any) -> ServiceState:
    values: dict[str, Any] = {
        "component": component,
        "service": f"x_{component}",
        "image": "i",
        "replicas": 1,
        "running": 1,
        "update_state": "completed",
        "spec_hash": spec_hash,
        "version": 1,
    }
    return ServiceState(**(values | overrides))


def test_nothing_is_deployed_when_every_service_carries_its_expected_hash() -> None:
    """Same hashes, same set: up to date; a missing or extra service: not."""
    expected = {"api": "a", "redis": "r"}
    assert health.up_to_date([state("api", "a"), state("redis", "r")], expected)
    assert not health.up_to_date([state("api", "a")], expected)
    assert not health.up_to_date([state("api", "old"), state("redis", "r")], expected)


def test_a_deploy_names_the_components_it_would_change() -> None:
    """Changed, missing and extra components are named, sorted; the same ones are not."""
    expected = {"api": "a", "redis": "r", "proxy": "p"}
    deployed = [state("api", "old"), state("proxy", "p"), state("probe", "x")]
    assert health.differing(deployed, expected) == ["api", "probe", "redis"]


def test_a_component_is_pending_until_its_new_spec_runs_every_replica() -> None:
    """Updating, short of replicas, or on an old hash: pending; else ready."""
    expected = {"api": "a", "redis": "r", "postgres": "p"}
    states = [
        state("api", "a", update_state="updating"),
        state("redis", "r", replicas=2, running=1),
        state("postgres", "p"),
    ]
    assert health.pending(states, expected) == ["api", "redis"]


def test_a_rolled_back_update_fails_with_the_component_and_reason() -> None:
    """Waiting would never end: say which component and why."""
    rolled_back = state("api", "old", update_state="rollback_completed", error="exit 1")
    with pytest.raises(health.PlatformFailed, match="api: the update was rollback completed"):
        health.check_not_stuck(rolled_back, "new")


def test_a_secret_group_found_incomplete_is_made_again_as_a_whole() -> None:
    """The database URL must hold the Postgres password: never one without the other."""
    found = {"database_url", "redis_url", "redis_password", "secret_key"}
    found |= {"logs_redis_url", "logs_redis_password", "api_database_url"}
    found |= {"controllers_database_url"}
    plan = plan_secrets(found, GROUPS)
    assert plan.remove == ("database_url",)
    assert set(plan.create) == {"database_url", "postgres_password", "admin_password"}
    assert plan.create["postgres_password"] in plan.create["database_url"]


def test_existing_secrets_are_never_regenerated() -> None:
    """A second up creates nothing (and so prints no admin password)."""
    every = {name for group in GROUPS for name in group.names}
    assert plan_secrets(every, GROUPS).create == {}


def test_auto_asks_the_registry_only_when_asked_to_choose() -> None:
    """local/upstream are taken as given; auto follows the probe."""

    def unreachable() -> bool:
        raise AssertionError("probed")

    assert choose_variant("local", unreachable) == "local"
    assert choose_variant("auto", lambda: True) == "upstream"
    assert choose_variant("auto", lambda: False) == "local"


def test_an_image_tag_follows_its_inputs(tmp_path: Path) -> None:
    """Same content, same tag; an edited file or a marker gives a new one."""
    (tmp_path / "Dockerfile").write_text("FROM x\n")
    first = content_hash([tmp_path])
    assert content_hash([tmp_path]) == first
    assert content_hash([tmp_path], "marker") != first
    (tmp_path / "Dockerfile").write_text("FROM y\n")
    assert content_hash([tmp_path]) != first


def test_the_upstream_variant_builds_from_other_dockerfiles_and_tags() -> None:
    """Local and upstream images never share a tag."""
    local = recipes(repo_root(), "local")
    upstream = recipes(repo_root(), "upstream")
    assert upstream["postgres"].dockerfile == "Dockerfile.upstream"
    assert local["postgres"].tag != upstream["postgres"].tag
    assert local["mariadb"].tag != upstream["mariadb"].tag


def test_the_api_trusts_forwarded_addresses_only_from_the_proxys_front_network() -> None:
    """Behind the proxy the API counts logins per forwarded client, trusting only the front
    network, where no user's container is."""
    platform = Platform("zaneops", PlatformSettings())
    inputs = StackInputs(platform, dict(IMAGES), ENTRIES, ("10.0.3.0/24",))
    api = render(inputs)["services"]["api"]
    assert api["environment"]["ZANE_API_TRUSTED_PROXIES"] == "10.0.3.0/24"
    assert rendered()["services"]["api"]["environment"]["ZANE_API_TRUSTED_PROXIES"] == ""


def test_users_databases_run_the_platforms_own_engine_images() -> None:
    """A database made in the dashboard runs the image the platform built for its own
    Postgres and Redis, and its MariaDB image: nothing more to build or pull on any install."""
    environment = rendered()["services"]["api"]["environment"]
    assert environment["ZANE_API_POSTGRES_IMAGE"] == IMAGES["postgres"]
    assert environment["ZANE_API_REDIS_IMAGE"] == IMAGES["redis"]
    assert environment["ZANE_API_MARIADB_IMAGE"] == IMAGES["mariadb"]


def test_the_committed_example_stack_is_what_up_renders_with_default_settings() -> None:
    """stacks/zaneops.example.yml stays current (regenerate: python -m launcher.platform.stack)."""
    example = (repo_root() / "stacks" / "zaneops.example.yml").read_text()
    assert example == example_text()


def test_sessions_never_share_a_memory_limit_with_logs() -> None:
    """Two Redis: sessions and limits under noeviction, logs under allkeys-lru, each capped."""
    services = rendered()["services"]
    assert services["redis"]["command"][1:] == [
        "--maxmemory",
        "64mb",
        "--maxmemory-policy",
        "noeviction",
    ]
    logs = services["redis-logs"]["command"]
    assert logs[1:] == ["--maxmemory", "256mb", "--maxmemory-policy", "allkeys-lru"]
    assert "zane_logs_redis_url" in {ref["target"] for ref in services["api"]["secrets"]}


def test_with_a_dashboard_domain_the_plain_dashboard_port_is_closed() -> None:
    """The dashboard then exists only behind the proxy, over HTTPS, with Secure cookies."""
    plain = rendered()["services"]["api"]
    served = rendered(dashboard_domain="dash.example.com")["services"]["api"]
    assert plain["ports"] and served["ports"] == []
    assert served["environment"]["ZANE_API_COOKIE_SECURE"] == "true"
    assert plain["environment"]["ZANE_API_COOKIE_SECURE"] == "false"


def secrets_of(service: dict[str, Any]) -> dict[str, str]:
    return {ref["source"]: ref["target"] for ref in service.get("secrets", [])}


def test_each_component_gets_only_the_secrets_it_uses() -> None:
    """The owner's database URL: migrate only. The API: its role's URL as ZANE_DATABASE_URL.
    Controllers: their role's URL and the logs Redis, never the sessions' Redis; the sealing
    key only where sealed values are opened (services, builds, runs, and routes for uploaded
    certificates' keys, notifications for channels, backups for backup targets)."""
    services = rendered()["services"]
    owners = [name for name, s in services.items() if "database_url" in secrets_of(s)]
    assert owners == ["migrate"]
    assert secrets_of(services["api"])["api_database_url"] == "zane_database_url"
    for name in ("routes", "volumes", "services", "builds"):
        controller = secrets_of(services[f"controller-{name}"])
        assert controller["controllers_database_url"] == "zane_database_url", name
        assert "redis_url" not in controller and "admin_password" not in controller, name
    with_key = {n for n, s in services.items() if "secret_key" in secrets_of(s)}
    assert with_key == {
        "api",
        "controller-services",
        "controller-builds",
        "controller-runs",
        "controller-routes",
        "controller-notifications",
        "controller-backups",
    }


def test_no_network_of_the_stack_is_shared_with_users_services() -> None:
    """Users' services sit on their environment's network alone (the networks controller
    attaches the proxy there); the proxy reaches the API and the routes controller over
    front, where no user's container is."""
    services = rendered()["services"]
    used = {network for s in services.values() for network in s.get("networks", [])}
    assert used == {"platform", "front", "isolated"}
    on_isolated = {name for name, s in services.items() if "isolated" in s["networks"]}
    assert on_isolated == {"probe"}
    on_front = {name for name, s in services.items() if "front" in s.get("networks", [])}
    assert on_front == {"proxy", "api", "controller-routes"}


def test_the_app_image_carries_every_package_of_the_project() -> None:
    """A package left out of the image breaks every process at import (the CLI's client/
    once did): the image's sources are the project's root packages."""
    config = tomllib.loads((repo_root() / "pyproject.toml").read_text())
    roots = config["tool"]["importlinter"]["root_packages"]
    assert sorted(APP_SOURCES) == sorted(roots)


def test_prometheus_finds_every_exporter_and_controller_by_dns_and_only_the_api_reads_it() -> None:
    services = rendered()["services"]
    config = yaml.safe_load(services["metrics"]["environment"]["PROMETHEUS_CONFIG"])
    jobs = {job["job_name"]: job["dns_sd_configs"][0] for job in config["scrape_configs"]}
    assert jobs["containers"] == {"names": ["tasks.exporter"], "type": "A", "port": 9101}
    assert jobs["controllers"]["names"] == [f"tasks.controller-{name}" for name in CONTROLLERS]
    assert config["global"]["scrape_interval"] == "15s"
    readers = [n for n, s in services.items() if "ZANE_API_METRICS_URL" in s.get("environment", {})]
    assert readers == ["api"]
    assert services["api"]["environment"]["ZANE_API_METRICS_URL"] == "http://metrics:9090"
    assert "secrets" not in services["metrics"] and services["metrics"]["networks"] == ["platform"]


def test_the_exporter_runs_on_every_node_and_its_health_check_samples_nothing() -> None:
    exporter = rendered()["services"]["exporter"]
    assert exporter["deploy"]["mode"] == "global" and "replicas" not in exporter["deploy"]
    assert exporter["command"] == ["metrics-exporter"]
    assert exporter["healthcheck"]["test"][1].endswith(":9101/healthz")
    assert exporter["networks"] == ["platform"] and "secrets" not in exporter
