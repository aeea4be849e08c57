"""A database's container variables and {{services.<slug>.<KEY>}} in other services (pure)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from controllers.services.plan import (
    MountedVolume,
    PlanError,
    Rollout,
    container_env,
    make_plan,
)
from zaneops.specs import DeploymentSpec, VolumeSpec
from zaneops.specs.databases import DatabaseSource

SEALED = "sealed:pw"  # what the fake opener turns into the password
PASSWORD = "p@ss/word"  # needs escaping in a URL


def opener(value: str) -> str:
    return PASSWORD if value == SEALED else value


def postgres(**credentials: Any) -> DatabaseSource:
    return DatabaseSource.model_validate(
        {
            "engine": "postgres",
            "version": "15",
            "credentials": {"password": SEALED, **credentials},
        }
    )


def plan(
    service: dict[str, Any],
    databases: dict[str, DatabaseSource],
    volumes: dict[str, MountedVolume] | None = None,
) -> Any:
    spec = {
        "service_spec": {"slug": "web", "source": {"type": "image", "image": "x:1"}, **service},
        "image": "x:1",
        "trigger": "deploy",
    }
    return make_plan(
        instance="t",
        service_id=uuid.uuid4(),
        environment_id=uuid.uuid4(),
        deployment_id=uuid.uuid4(),
        deployment=DeploymentSpec.model_validate(spec),
        shared_variables={},
        volumes=volumes or {},
        rollout=Rollout(5, 10, 2),
        databases=databases,
    )


def test_a_service_gets_the_databases_url_with_the_password_opened_and_escaped() -> None:
    env = [
        {"name": "DATABASE_URL", "value": "{{services.db.DATABASE_URL}}"},
        {"name": "PGHOST", "value": "{{ services.db.HOST }}:{{services.db.PORT}}"},
    ]
    made = plan({"env": env}, {"db": postgres(username="shop"), "other": postgres()})
    variables = container_env(made, opener)
    assert "DATABASE_URL=postgresql://shop:p%40ss%2Fword@db:5432/app" in variables
    assert "PGHOST=db:5432" in variables
    assert [ref.slug for ref in made.databases] == ["db"]  # only what it names
    assert PASSWORD not in made.hash and PASSWORD not in str(made.databases)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("{{services.nope.DATABASE_URL}}", "no database service 'nope'"),
        ("{{services.cache.USER}}", "cache has no USER; known: DATABASE_URL, HOST"),
    ],
)
def test_a_reference_to_nothing_is_refused_naming_the_variable(value: str, message: str) -> None:
    redis = DatabaseSource.model_validate(
        {"engine": "redis", "version": "7", "credentials": {"password": SEALED}}
    )
    with pytest.raises(PlanError, match=r"env\.X: .*") as caught:
        plan({"env": [{"name": "X", "value": value}]}, {"cache": redis})
    assert message in str(caught.value)


def test_a_database_container_gets_what_its_engine_reads_at_first_start() -> None:
    source = postgres(username="shop", database="orders").model_dump(mode="json")
    mount = {"volume": "db-data", "container_path": "/var/lib/postgresql/data"}
    volumes = {"db-data": MountedVolume(uuid.uuid4(), VolumeSpec(slug="db-data"))}
    made = plan({"slug": "db", "source": source, "volumes": [mount]}, {}, volumes)
    variables = container_env(made, opener)
    assert "POSTGRES_USER=shop" in variables
    assert f"POSTGRES_PASSWORD={PASSWORD}" in variables
    assert "POSTGRES_DB=orders" in variables
    assert PASSWORD not in made.hash


def test_a_changed_database_password_changes_the_plan_of_the_services_using_it() -> None:
    env = [{"name": "URL", "value": "{{services.db.DATABASE_URL}}"}]
    first = plan({"env": env}, {"db": postgres()})
    second = plan({"env": env}, {"db": postgres(password="sealed:other")})
    assert first.databases != second.databases


def mariadb(**credentials: Any) -> DatabaseSource:
    return DatabaseSource.model_validate(
        {
            "engine": "mariadb",
            "version": "10.11",
            "credentials": {"password": SEALED, **credentials},
        }
    )


def test_a_mariadb_container_gets_the_variables_its_image_reads_at_first_start() -> None:
    source = mariadb(username="shop", database="orders").model_dump(mode="json")
    mount = {"volume": "db-data", "container_path": "/var/lib/mysql"}
    volumes = {"db-data": MountedVolume(uuid.uuid4(), VolumeSpec(slug="db-data"))}
    made = plan({"slug": "db", "source": source, "volumes": [mount]}, {}, volumes)
    variables = container_env(made, opener)
    assert {"MARIADB_USER=shop", f"MARIADB_PASSWORD={PASSWORD}", "MARIADB_DATABASE=orders"} <= set(
        variables
    )
    assert PASSWORD not in made.hash


def test_a_service_gets_a_mariadbs_url_in_the_mysql_scheme_apps_take() -> None:
    env = [
        {"name": "DATABASE_URL", "value": "{{services.db.DATABASE_URL}}"},
        {"name": "DB", "value": "{{services.db.USER}}@{{services.db.HOST}}:{{services.db.PORT}}"},
    ]
    variables = container_env(plan({"env": env}, {"db": mariadb()}), opener)
    assert "DATABASE_URL=mysql://app:p%40ss%2Fword@db:3306/app" in variables
    assert "DB=app@db:3306" in variables
