"""Databases in one step: a service running a database engine, its data volume, generated
credentials, a health check that asks the engine, and how other services connect to it."""

from __future__ import annotations

import secrets
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from api.auth.principal import Ctx, CurrentUser
from api.context import ApiContext
from api.crud import load, set_etag, storable_json
from api.errors import ApiError
from api.routers.services import SERVICES
from api.schemas import Service
from api.sealing import open_sealed, seal_service_spec
from zaneops.common.secrets import MASK
from zaneops.specs import ServiceSpec, VolumeSpec
from zaneops.specs.databases import ENGINES, DatabaseEngine, DatabaseSource, connection_of
from zaneops.specs.fields import Port, Slug
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import StoredObject

router = APIRouter(tags=["databases"])
PASSWORD_BYTES = 24  # 32 URL-safe characters: nothing to escape in a URL or a shell


class NewDatabase(BaseModel):
    model_config = {"extra": "forbid"}

    slug: Slug = Field(description="The service's slug, and its host name for other services.")
    engine: DatabaseEngine
    version: str | None = Field(default=None, description="None: the newest offered.")
    public_port: Port | None = Field(
        default=None,
        description="Publish the engine's port on every node at this port (reachable from "
        "outside the server: mind the firewall). None: only services of its environment reach it.",
    )

    @field_validator("version")
    @classmethod
    def _offered(cls, version: str | None, info: ValidationInfo) -> str | None:
        engine = ENGINES.get(str(info.data.get("engine")))
        if version is not None and engine is not None and version not in engine.versions:
            offered = ", ".join(engine.versions)
            raise PydanticCustomError(
                "unknown_database_version",
                f"{engine.title} {version} is not offered here; versions: {offered}",
            )
        return version


class DatabaseConnection(BaseModel):
    engine: str
    host: str = Field(description="Its host name on the environment's network.")
    port: int
    username: str | None = Field(description="None for Redis (one password, no users).")
    database: str | None
    password: str = Field(description="Masked unless revealed.")
    url: str = Field(description="The connection URL (password masked unless revealed).")
    references: dict[str, str] = Field(
        description="What another service's variable may hold to get each value, e.g. "
        "DATABASE_URL: {{services.db.DATABASE_URL}}."
    )


class CreatedDatabase(BaseModel):
    service: Service
    connection: DatabaseConnection = Field(description="Revealed: shown once here.")


def database_spec(new: NewDatabase) -> ServiceSpec:
    engine = ENGINES[new.engine]
    volume = f"{new.slug}-data"
    source = {
        "type": "database",
        "engine": new.engine,
        "version": new.version or engine.versions[-1],
        "credentials": {"password": secrets.token_urlsafe(PASSWORD_BYTES)},
    }
    ports = [{"published": new.public_port, "target": engine.port}] if new.public_port else []
    return ServiceSpec.model_validate(
        {
            "slug": new.slug,
            "source": source,
            "volumes": [{"volume": volume, "container_path": engine.data_path}],
            "resources": {"memory_limit": engine.memory_limit},
            "healthcheck": {"type": "command", "command": readiness_check(new.engine)},
            "ports": ports,
        }
    )


def readiness_check(engine: str) -> list[str]:
    """Asks the engine itself (not only whether its port is open); in both images. MariaDB's
    runs a query as the app's user, its password taken from the container's environment."""
    if engine == "postgres":
        return ["pg_isready", "--quiet", "--host=127.0.0.1", "--username=app", "--dbname=app"]
    if engine == "mariadb":
        return ["mariadb-health"]
    return ["redis-health"]


@router.post(
    "/environments/{environment_id}/databases",
    response_model=CreatedDatabase,
    status_code=201,
    operation_id="create_database",
    summary="Create a database: a service, its data volume and its credentials",
)
async def create_database(
    ctx: Ctx,
    _: CurrentUser,
    environment_id: Annotated[UUID, Path()],
    new: NewDatabase,
    response: Response,
) -> Any:
    spec = database_spec(new)
    volume = VolumeSpec.model_validate({"slug": spec.volumes[0].volume})
    service_json = seal_service_spec(storable_json(spec), None, ctx.secret_box)
    _volume, service = await ctx.store.create_with_volume(
        environment_id, storable_json(volume), service_json
    )
    set_etag(response, service)
    return {"service": SERVICES.show(service), "connection": connection(ctx, service, True)}


@router.get(
    "/services/{id}/connection",
    response_model=DatabaseConnection,
    operation_id="get_connection",
    summary="How to connect to a database service (reveal=true: with its password)",
)
async def getconnection(
    ctx: Ctx,
    _: CurrentUser,
    service_id: Annotated[UUID, Path(alias="id")],
    reveal: Annotated[bool, Query(description="Answer with the password in clear.")] = False,
) -> Any:
    service = await load(ctx, Kind.SERVICES, service_id)
    return connection(ctx, service, reveal)


def connection(ctx: ApiContext, service: StoredObject, reveal: bool) -> DatabaseConnection:
    spec = service.spec_as(ServiceSpec)
    if not isinstance(spec.source, DatabaseSource):
        raise ApiError(409, "not_a_database", f"services/{service.id} is not a database")
    sealed = spec.source.credentials.password
    connection = connection_of(spec.slug, spec.source, MASK)
    if reveal:
        connection = connection_of(spec.slug, spec.source, open_sealed(sealed, ctx.secret_box))
    url = connection.url() if reveal else connection.url(masked=MASK)
    values = connection.values()
    return DatabaseConnection(
        engine=connection.engine,
        host=connection.host,
        port=connection.port,
        username=values.get("USER"),
        database=values.get("NAME"),
        password=connection.password,
        url=url,
        references={key: f"{{{{services.{spec.slug}.{key}}}}}" for key in values},
    )
