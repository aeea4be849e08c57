"""The spec models refuse inconsistent specs where a person can see why, and keep good ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from pydantic import BaseModel, ValidationError

import zaneops.specs
from zaneops.specs import (
    SPEC_MODELS,
    BuildSpec,
    CommandHealthcheck,
    DeploymentSpec,
    DomainSpec,
    EnvironmentSpec,
    GitSource,
    HttpHealthcheck,
    ImageSource,
    ProjectSpec,
    RegistryCredentials,
    ServiceSpec,
    VolumeSpec,
)
from zaneops.specs.backup import overdue
from zaneops.specs.kinds import Kind

SERVICE_ID = "7d3c1f0e-4b2a-4f5e-9c8d-1a2b3c4d5e6f"
DEPLOYMENT_ID = "0b9f6a52-3c1d-4e7f-8a9b-c0d1e2f3a4b5"
IMAGE = {"type": "image", "image": "nginx:1.27"}
GIT = {"type": "git", "repository_url": "https://github.com/acme/app.git"}
SERVICE = {"slug": "web", "source": IMAGE}
TARGET = {"service_id": SERVICE_ID, "port": 8080}

# One valid spec of every kind.
SAMPLES: dict[str, dict[str, Any]] = {
    "projects": {"slug": "shop", "name": "Shop"},
    "environments": {"slug": "production", "variables": {"LOG_LEVEL": "info"}},
    "services": {
        **SERVICE,
        "env": [{"name": "PORT", "value": "8080"}],
        "resources": {"cpu_limit": "1", "memory_limit": "512Mi"},
        "healthcheck": {"type": "http", "port": 8080, "path": "/healthz"},
        "ports": [{"published": 5432, "target": 5432}],
        "volumes": [{"volume": "data", "container_path": "/data"}],
    },
    "deployments": {"service_spec": SERVICE, "image": "nginx:1.27", "trigger": "deploy"},
    "domains": {"domain": "shop.example.com", "target": TARGET},
    "volumes": {"slug": "data"},
    "builds": {"deployment_id": DEPLOYMENT_ID, "source": GIT},
}


def service(**changes: Any) -> dict[str, Any]:
    return {**SERVICE, **changes}


def git(**changes: Any) -> dict[str, Any]:
    return service(source={**GIT, **changes})


def healthcheck(kind: str = "command", **changes: Any) -> dict[str, Any]:
    first = {"port": 80} if kind == "http" else {"command": ["true"]}
    return service(healthcheck={"type": kind, **first, **changes})


DB_MOUNT = {"volume": "db-data", "container_path": "/var/lib/postgresql/data"}
DB_VERSION = ("source", "database", "version")
DB_PASSWORD = ("source", "database", "credentials", "password")
DB_USER = ("source", "database", "credentials", "username")


def database(**changes: Any) -> dict[str, Any]:
    """A Postgres database's spec, as the API makes it, with `changes` in place."""
    credentials = {"username": "app", "password": "p" * 24, "database": "app"}
    for name in ("username", "password"):
        if name in changes:
            credentials[name] = changes.pop(name)
    source = {"type": "database", "engine": "postgres", "version": changes.pop("version", "15")}
    return {
        "slug": "db",
        "source": {**source, "credentials": credentials},
        "volumes": [DB_MOUNT],
        **changes,
    }


def bad(model: type[BaseModel], data: dict[str, Any], message: str, loc: tuple[Any, ...]) -> Any:
    return pytest.param(model, data, message, loc, id=f"{model.__name__}:{'.'.join(map(str, loc))}")


BAD_SPECS = [
    # ProjectSpec
    bad(ProjectSpec, {"slug": "Shop", "name": "Shop"}, "must be lowercase", ("slug",)),
    bad(ProjectSpec, {"slug": "shop", "name": "   "}, "at least 1 character", ("name",)),
    bad(ProjectSpec, {"slug": "shop", "name": "x" * 101}, "at most 100 characters", ("name",)),
    bad(
        ProjectSpec,
        {"slug": "shop", "name": "Shop", "description": "x" * 1001},
        "at most 1000 characters",
        ("description",),
    ),
    bad(
        ProjectSpec,
        {"slug": "shop", "name": "Shop", "owner": "me"},
        "Extra inputs are not permitted",
        ("owner",),
    ),
    # EnvironmentSpec
    bad(
        EnvironmentSpec,
        {"slug": "prod", "variables": {"1A": "x"}},
        "must not start with a digit",
        ("variables", "1A", "[key]"),
    ),
    bad(
        EnvironmentSpec,
        {"slug": "prod", "variables": {"BIG": "x" * 32769}},
        "at most 32 KiB",
        ("variables", "BIG"),
    ),
    # ServiceSpec: the source
    bad(ServiceSpec, service(source={}), "whose type is 'image', 'git' or 'database'", ("source",)),
    bad(ServiceSpec, service(source={"type": "docker"}), "'git' or 'database'", ("source",)),
    bad(ServiceSpec, service(source="nginx"), "'git' or 'database'", ("source",)),
    # ServiceSpec: a database
    bad(ServiceSpec, database(version="16"), "PostgreSQL 16 is not offered", DB_VERSION),
    bad(ServiceSpec, database(replicas=2), "a database runs as one container", ("replicas",)),
    bad(ServiceSpec, database(mode="job"), "a database keeps running", ("mode",)),
    bad(ServiceSpec, database(volumes=[]), "a database keeps its data on a volume", ("volumes",)),
    bad(
        ServiceSpec,
        database(volumes=[{**DB_MOUNT, "read_only": True}]),
        "mount one, writable, at /var/lib/postgresql/data",
        ("volumes",),
    ),
    bad(ServiceSpec, database(password=""), "at least 1 character", DB_PASSWORD),
    bad(
        ServiceSpec,
        database(backup={"schedule": "every night"}),
        "is not a cron expression of 5 fields",
        ("backup", "schedule"),
    ),
    bad(
        ServiceSpec,
        database(backup={"schedule": "0 3 * * *", "keep_last": 0}),
        "greater than or equal to 1",
        ("backup", "keep_last"),
    ),
    bad(
        ServiceSpec,
        service(backup={"schedule": "0 3 * * *"}),
        "scheduled backups are for PostgreSQL, MariaDB and Redis databases",
        ("backup",),
    ),
    bad(ServiceSpec, database(username="App; drop"), "should match pattern", DB_USER),
    bad(
        ServiceSpec,
        service(source={"type": "image", "image": "Nginx"}),
        "must be lowercase",
        ("source", "image", "image"),
    ),
    bad(
        ServiceSpec,
        service(source={**IMAGE, "tag": "latest"}),
        "Extra inputs are not permitted",
        ("source", "image", "tag"),
    ),
    bad(
        ServiceSpec,
        service(source={**IMAGE, "credentials": {"username": "bot"}}),
        "Field required",
        ("source", "image", "credentials", "password"),
    ),
    bad(
        ServiceSpec,
        git(repository_url="github.com/acme/app"),
        "a repository URL must be https://",
        ("source", "git", "repository_url"),
    ),
    bad(ServiceSpec, git(branch="a..b"), "must not contain '..'", ("source", "git", "branch")),
    bad(
        ServiceSpec,
        git(repository_url="git@github.com:acme/app.git", credentials={"token": "t"}),
        "a token is sent only over https",
        ("source", "git", "credentials"),
    ),
    bad(
        ServiceSpec,
        git(credentials={"ssh_key": "-----BEGIN OPENSSH PRIVATE KEY-----"}),
        "a deploy key is used over ssh",
        ("source", "git", "credentials"),
    ),
    bad(
        ServiceSpec,
        git(repository_url="http://git.example.com/app.git", credentials={"token": "t"}),
        "a token is sent only over https",
        ("source", "git", "credentials"),
    ),
    bad(
        ServiceSpec,
        git(repository_url="/srv/git/app", credentials={"token": "t"}),
        "a token is sent only over https",
        ("source", "git", "credentials"),
    ),
    bad(ServiceSpec, git(commit="xyz"), "7 to 40 hexadecimal", ("source", "git", "commit")),
    bad(
        ServiceSpec,
        git(dockerfile_path="../Dockerfile"),
        "must stay inside the repository",
        ("source", "git", "dockerfile_path"),
    ),
    bad(ServiceSpec, git(context="/src"), "drop the leading '/'", ("source", "git", "context")),
    bad(
        ServiceSpec,
        git(build_args={"BAD-NAME": "1"}),
        "only letters, digits and '_'",
        ("source", "git", "build_args", "BAD-NAME", "[key]"),
    ),
    bad(ServiceSpec, git(target=""), "at least 1 character", ("source", "git", "target")),
    bad(
        ServiceSpec,
        git(watch_paths=["src/**", ""]),
        "at least 1 character",
        ("source", "git", "watch_paths", 1),
    ),
    # ServiceSpec: env, replicas, resources
    bad(
        ServiceSpec,
        service(env=[{"name": "PORT", "value": "1"}, {"name": "PORT", "value": "2"}]),
        "the variable 'PORT' is defined twice",
        ("env",),
    ),
    bad(
        ServiceSpec,
        service(env=[{"name": "MY-VAR", "value": "1"}]),
        "only letters, digits and '_'",
        ("env", 0, "name"),
    ),
    bad(ServiceSpec, service(replicas=101), "less than or equal to 100", ("replicas",)),
    bad(ServiceSpec, service(replicas=-1), "greater than or equal to 0", ("replicas",)),
    bad(
        ServiceSpec,
        service(resources={"cpu_limit": "500m", "cpu_reservation": 1}),
        "the cpu reservation (1.0 cores) must not exceed the cpu limit (0.5 cores)",
        ("resources", "cpu_reservation"),
    ),
    bad(
        ServiceSpec,
        service(resources={"memory_limit": "512Mi", "memory_reservation": "1Gi"}),
        "the memory reservation (1073741824 bytes) must not exceed the memory limit "
        "(536870912 bytes)",
        ("resources", "memory_reservation"),
    ),
    bad(
        ServiceSpec,
        service(resources={"cpu_limit": "lots"}),
        "millicores like 500m",
        ("resources", "cpu_limit"),
    ),
    # ServiceSpec: health checks
    bad(
        ServiceSpec,
        service(healthcheck={"type": "tcp", "port": 80}),
        "a health check is an object whose type is 'http' or 'command'",
        ("healthcheck",),
    ),
    bad(
        ServiceSpec,
        service(healthcheck={"type": "http"}),
        "Field required",
        ("healthcheck", "http", "port"),
    ),
    bad(
        ServiceSpec,
        healthcheck("http", path="healthz"),
        "must start with '/'",
        ("healthcheck", "http", "path"),
    ),
    bad(
        ServiceSpec,
        healthcheck("http", interval="10s", timeout="15s"),
        "the timeout (15s) must not be longer than the interval (10s)",
        ("healthcheck", "http", "timeout"),
    ),
    bad(
        ServiceSpec,
        healthcheck(interval="2s"),
        "the timeout (5s) must not be longer than the interval (2s)",
        ("healthcheck", "command", "timeout"),
    ),
    bad(
        ServiceSpec,
        healthcheck(start_period="25h"),
        "at most 24h",
        ("healthcheck", "command", "start_period"),
    ),
    bad(
        ServiceSpec,
        healthcheck(retries=0),
        "greater than or equal to 1",
        ("healthcheck", "command", "retries"),
    ),
    bad(
        ServiceSpec,
        healthcheck(retries=101),
        "less than or equal to 100",
        ("healthcheck", "command", "retries"),
    ),
    bad(
        ServiceSpec,
        healthcheck(command=[]),
        "at least 1 item",
        ("healthcheck", "command", "command"),
    ),
    # ServiceSpec: ports, volumes, restart policy
    bad(
        ServiceSpec,
        service(ports=[{"published": 8080, "target": 80}, {"published": 8080, "target": 81}]),
        "the port 8080/tcp is published twice",
        ("ports",),
    ),
    bad(
        ServiceSpec,
        service(ports=[{"published": 53, "target": 53, "protocol": "sctp"}]),
        "Input should be 'tcp' or 'udp'",
        ("ports", 0, "protocol"),
    ),
    bad(
        ServiceSpec,
        service(ports=[{"published": 0, "target": 53}]),
        "between 1 and 65535",
        ("ports", 0, "published"),
    ),
    bad(
        ServiceSpec,
        service(
            volumes=[
                {"volume": "a", "container_path": "/data/"},
                {"volume": "b", "container_path": "/data"},
            ]
        ),
        "two volumes are mounted at '/data'",
        ("volumes",),
    ),
    bad(
        ServiceSpec,
        service(volumes=[{"volume": "data", "container_path": "/"}]),
        "mounting over '/'",
        ("volumes", 0, "container_path"),
    ),
    bad(
        ServiceSpec,
        service(volumes=[{"volume": "Data", "container_path": "/data"}]),
        "must be lowercase",
        ("volumes", 0, "volume"),
    ),
    bad(
        ServiceSpec,
        service(restart_policy="always"),
        "'on-failure', 'any' or 'none'",
        ("restart_policy",),
    ),
    bad(ServiceSpec, service(colour="blue"), "Extra inputs are not permitted", ("colour",)),
    bad(
        ServiceSpec, service(labels={"Team": "a"}), "a label's key is", ("labels", "Team", "[key]")
    ),
    bad(ServiceSpec, service(labels={"team": "a\nb"}), "one line", ("labels", "team")),
    # DeploymentSpec
    bad(
        DeploymentSpec,
        {"service_spec": SERVICE, "trigger": "manual"},
        "'deploy', 'redeploy', 'rollback' or 'webhook'",
        ("trigger",),
    ),
    bad(
        DeploymentSpec,
        {"service_spec": SERVICE, "trigger": "rollback"},
        "a rollback must name the deployment it restores",
        ("rollback_of",),
    ),
    bad(
        DeploymentSpec,
        {"service_spec": SERVICE, "trigger": "deploy", "rollback_of": DEPLOYMENT_ID},
        "only a rollback restores another deployment",
        ("rollback_of",),
    ),
    bad(
        DeploymentSpec,
        {"service_spec": SERVICE, "trigger": "deploy", "image": "foo:"},
        "the tag after ':' is empty",
        ("image",),
    ),
    bad(
        DeploymentSpec,
        {"service_spec": SERVICE, "trigger": "webhook", "commit_sha": "main"},
        "7 to 40 hexadecimal",
        ("commit_sha",),
    ),
    bad(
        DeploymentSpec,
        {"service_spec": service(slug="-web"), "trigger": "deploy"},
        "must start with a letter",
        ("service_spec", "slug"),
    ),
    # DomainSpec
    bad(DomainSpec, {"domain": "a.example.com"}, "exactly one of target", ()),
    bad(DomainSpec, {"domain": "a.example.com"}, "neither is set", ()),
    bad(
        DomainSpec,
        {"domain": "a.example.com", "target": TARGET, "redirect": {"url": "https://b.com"}},
        "set exactly one of target (a service) or redirect (a URL); both are set",
        (),
    ),
    bad(
        DomainSpec,
        {"domain": "a.example.com", "redirect": {"url": "https://b.com"}, "strip_prefix": True},
        "strip_prefix applies to traffic sent to a service, not to a redirect",
        ("strip_prefix",),
    ),
    bad(
        DomainSpec,
        {"domain": "a.example.com", "redirect": {"url": "b.com"}},
        "starting with http:// or https://",
        ("redirect", "url"),
    ),
    bad(
        DomainSpec,
        {"domain": "a.example.com", "target": {"service_id": "web", "port": 80}},
        "valid UUID",
        ("target", "service_id"),
    ),
    bad(
        DomainSpec,
        {"domain": "a.example.com", "target": {**TARGET, "port": 70000}},
        "between 1 and 65535",
        ("target", "port"),
    ),
    bad(DomainSpec, {"domain": "*foo.com", "target": TARGET}, "whole leftmost label", ("domain",)),
    bad(
        DomainSpec,
        {"domain": "a.example.com", "base_path": "/a?b=1", "target": TARGET},
        "must not contain '?' or '#'",
        ("base_path",),
    ),
    # VolumeSpec
    bad(
        VolumeSpec,
        {"slug": "data", "kind": "host_path"},
        "a host_path volume needs a host_path",
        ("host_path",),
    ),
    bad(
        VolumeSpec,
        {"slug": "data", "host_path": "/srv/data"},
        "a named volume has no host_path",
        ("host_path",),
    ),
    bad(
        VolumeSpec,
        {"slug": "data", "kind": "host_path", "host_path": "srv/data"},
        "a host path must be absolute",
        ("host_path",),
    ),
    bad(VolumeSpec, {"slug": "data", "kind": "nfs"}, "'named' or 'host_path'", ("kind",)),
    # BuildSpec
    bad(BuildSpec, {"source": GIT}, "Field required", ("deployment_id",)),
    bad(
        BuildSpec,
        {"deployment_id": DEPLOYMENT_ID, "source": {**GIT, "type": "image"}},
        "Input should be 'git'",
        ("source", "type"),
    ),
    bad(
        BuildSpec,
        {"deployment_id": DEPLOYMENT_ID, "source": GIT, "timeout": "25h"},
        "at most 24h",
        ("timeout",),
    ),
]


@pytest.mark.parametrize(("model", "data", "message", "loc"), BAD_SPECS)
def test_bad_spec_is_refused_with_the_message_on_the_right_field(
    model: type[BaseModel], data: dict[str, Any], message: str, loc: tuple[Any, ...]
) -> None:
    """Each bad spec yields one error, at the field to fix, with a message that says how."""
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    [error] = caught.value.errors()
    assert message in error["msg"]
    assert error["loc"] == loc


@pytest.mark.parametrize(
    ("model", "data", "attribute", "expected"),
    [
        pytest.param(
            ProjectSpec, {"slug": "s", "name": "  Shop "}, "name", "Shop", id="name-trimmed"
        ),
        pytest.param(ProjectSpec, {"slug": "s", "name": "S"}, "description", "", id="description"),
        pytest.param(
            ServiceSpec,
            service(resources={"memory_limit": "1Gi", "memory_reservation": "1Gi"}),
            "resources",
            {
                "cpu_limit": None,
                "cpu_reservation": None,
                "memory_limit": 2**30,
                "memory_reservation": 2**30,
            },
            id="reservation-equal-to-limit",
        ),
        pytest.param(
            ServiceSpec,
            service(resources={"cpu_reservation": "250m"}),
            "resources",
            {
                "cpu_limit": None,
                "cpu_reservation": 0.25,
                "memory_limit": None,
                "memory_reservation": None,
            },
            id="reservation-without-limit",
        ),
        pytest.param(
            ServiceSpec,
            service(
                ports=[
                    {"published": 53, "target": 53},
                    {"published": 53, "target": 53, "protocol": "udp"},
                ]
            ),
            "ports",
            [
                {"published": 53, "target": 53, "protocol": "tcp"},
                {"published": 53, "target": 53, "protocol": "udp"},
            ],
            id="same-port-two-protocols",
        ),
        pytest.param(
            ServiceSpec,
            healthcheck("http", interval="5s", timeout="5s"),
            "healthcheck",
            {
                "type": "http",
                "path": "/",
                "port": 80,
                "interval": 5.0,
                "timeout": 5.0,
                "start_period": 30.0,
                "retries": 3,
            },
            id="timeout-equal-to-interval",
        ),
        pytest.param(
            DeploymentSpec,
            {"service_spec": SERVICE, "trigger": "rollback", "rollback_of": DEPLOYMENT_ID},
            "rollback_of",
            UUID(DEPLOYMENT_ID),
            id="rollback-names-its-target",
        ),
        pytest.param(
            DeploymentSpec,
            {"service_spec": SERVICE, "trigger": "webhook", "commit_sha": "ABCDEF1"},
            "commit_sha",
            "abcdef1",
            id="commit-lowercased",
        ),
        pytest.param(
            DomainSpec,
            {
                "domain": "*.Shop.Example.com",
                "base_path": "/api/",
                "target": TARGET,
                "strip_prefix": True,
            },
            "domain",
            "*.shop.example.com",
            id="domain-lowercased",
        ),
        pytest.param(
            DomainSpec,
            {"domain": "a.example.com", "base_path": "/api/", "target": TARGET},
            "base_path",
            "/api",
            id="base-path-normalised",
        ),
        pytest.param(
            VolumeSpec,
            {"slug": "data", "kind": "host_path", "host_path": "/srv/zane//data/"},
            "host_path",
            "/srv/zane/data",
            id="host-path-normalised",
        ),
        pytest.param(BuildSpec, SAMPLES["builds"], "timeout", 1800.0, id="build-timeout-default"),
        pytest.param(
            BuildSpec,
            {**SAMPLES["builds"], "timeout": "45m"},
            "timeout",
            2700.0,
            id="build-timeout",
        ),
    ],
)
def test_good_spec_is_kept_with_normalised_values(
    model: type[BaseModel], data: dict[str, Any], attribute: str, expected: object
) -> None:
    """Valid specs pass the cross-field rules, and come out normalised."""
    assert model.model_validate(data).model_dump()[attribute] == expected


def test_defaults_are_the_documented_ones() -> None:
    """A minimal service, git source, health check and volume get the documented defaults."""
    spec = ServiceSpec.model_validate(
        git() | {"healthcheck": {"type": "command", "command": ["true"]}}
    )
    assert isinstance(spec.source, GitSource)
    assert (spec.source.branch, spec.source.dockerfile_path, spec.source.context) == (
        "main",
        "Dockerfile",
        ".",
    )
    assert isinstance(spec.healthcheck, CommandHealthcheck)
    timing = (spec.healthcheck.interval, spec.healthcheck.timeout, spec.healthcheck.start_period)
    assert timing == (10.0, 5.0, 30.0)
    assert spec.healthcheck.retries == 3
    assert (spec.replicas, spec.restart_policy, spec.env, spec.ports) == (1, "any", [], [])
    volume = VolumeSpec.model_validate({"slug": "data"})
    assert (volume.kind, volume.read_only, volume.purge_on_delete) == ("named", False, False)


def test_union_members_are_chosen_by_type() -> None:
    """The type field picks the source and health-check models, from JSON or from models."""
    spec = ServiceSpec.model_validate(healthcheck("http"))
    assert isinstance(spec.source, ImageSource)
    assert isinstance(spec.healthcheck, HttpHealthcheck)
    built = ServiceSpec(
        slug="web", source=ImageSource(image="nginx"), healthcheck=HttpHealthcheck(port=80)
    )
    assert isinstance(built.healthcheck, HttpHealthcheck)


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_every_spec_round_trips_through_json(kind: str) -> None:
    """What the store writes as JSON reads back as an equal spec."""
    spec = SPEC_MODELS[kind].model_validate(SAMPLES[kind])
    assert SPEC_MODELS[kind].model_validate_json(spec.model_dump_json()) == spec


def test_spec_models_cover_every_kind() -> None:
    """Every kind of row has a spec model, and nothing else does."""
    assert set(SPEC_MODELS) == {kind.value for kind in Kind}


@pytest.mark.parametrize("kind", sorted(SPEC_MODELS))
def test_every_spec_model_has_a_json_schema(kind: str) -> None:
    """The API can publish each spec's schema (the unions use callable discriminators)."""
    schema = SPEC_MODELS[kind].model_json_schema()
    assert schema["additionalProperties"] is False


def test_validated_specs_are_frozen() -> None:
    """A controller cannot edit a spec it has read."""
    spec = ServiceSpec.model_validate(SERVICE)
    with pytest.raises(ValidationError, match="frozen"):
        spec.replicas = 3  # type: ignore[misc]


def test_registry_password_stays_out_of_reprs() -> None:
    """Logging a source does not leak its registry password."""
    credentials = RegistryCredentials(username="bot", password="hunter2")
    source = ImageSource(image="ghcr.io/acme/api", credentials=credentials)
    assert "hunter2" not in repr(source)
    assert source.model_dump()["credentials"]["password"] == "hunter2"


def test_package_exports_every_public_name() -> None:
    """Everything in zaneops.specs.__all__ can be imported from it."""
    missing = [name for name in zaneops.specs.__all__ if not hasattr(zaneops.specs, name)]
    assert missing == []
    assert {"Condition", "ConditionStatus", "Status", "SPEC_MODELS"} <= set(zaneops.specs.__all__)


def test_backups_are_overdue_past_twice_the_schedules_interval() -> None:
    now = datetime(2026, 12, 7, 12, 30, tzinfo=UTC)
    hourly = "0 * * * *"
    assert overdue(hourly, None, now) is None  # nothing scheduled ran yet
    assert overdue(hourly, now - timedelta(minutes=110), now) is None
    late = overdue(hourly, now - timedelta(hours=5), now)
    assert late == "no verified backup for 5 h, while the schedule makes one every 1 h"


def mariadb(**changes: Any) -> dict[str, Any]:
    spec = database(**changes)
    spec["source"] = {**spec["source"], "engine": "mariadb"}
    spec["volumes"] = [{"volume": "db-data", "container_path": "/var/lib/mysql"}]
    return spec


def test_a_mariadb_is_offered_at_10_11_and_refused_at_another_version_at_its_field() -> None:
    assert ServiceSpec.model_validate(mariadb(version="10.11")).source.version == "10.11"
    with pytest.raises(ValidationError) as caught:
        ServiceSpec.model_validate(mariadb(version="11.4"))
    [error] = caught.value.errors()
    assert error["loc"] == DB_VERSION
    assert "MariaDB 11.4 is not offered here; versions: 10.11" in error["msg"]


def test_a_mariadb_may_have_a_backup_schedule_and_keeps_its_data_at_var_lib_mysql() -> None:
    scheduled = mariadb(version="10.11", backup={"schedule": "0 3 * * *"})
    assert ServiceSpec.model_validate(scheduled).backup is not None
    with pytest.raises(ValidationError, match="mount one, writable, at /var/lib/mysql"):
        ServiceSpec.model_validate({**scheduled, "volumes": []})
