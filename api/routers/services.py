"""Services, their pending changes, and the actions that create deployments."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Response

from api.auth.principal import Ctx, CurrentUser
from api.changes import pending_changes
from api.context import ApiContext
from api.crud import (
    IfMatch,
    KindApi,
    add_create,
    add_item,
    add_list,
    expected_generation,
    load,
    set_etag,
)
from api.database_rules import refuse_database_rewrites
from api.deployment_rows import NewDeployment, Trigger, new_deployment, snapshot_of
from api.errors import ApiError, invalid
from api.routers.deployments import DEPLOYMENTS
from api.schemas import Deployment, PendingChanges, Service
from api.sealing import mask_service_spec, seal_service_spec
from zaneops.common.errors import Conflict
from zaneops.specs import DeploymentSpec, ServiceSpec
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import StoredObject

router = APIRouter(tags=["services"])


async def _seal(
    ctx: ApiContext, spec: dict[str, Any], stored: StoredObject | None, environment_id: UUID | None
) -> dict[str, Any]:
    if environment_id is not None:
        await _mounts_name_volumes(ctx, spec, environment_id)
    await backup_target_exists(ctx, spec)
    if stored is not None:
        refuse_database_rewrites(stored.spec, spec, ctx.secret_box)
    return seal_service_spec(spec, stored.spec if stored else None, ctx.secret_box)


async def _mounts_name_volumes(ctx: ApiContext, spec: dict[str, Any], environment_id: UUID) -> None:
    """Each mount names a live volume of the service's environment (422 on the field if not)."""
    mounts = spec.get("volumes") or []
    if not mounts:
        return
    volumes = await ctx.store.list_children(Kind.VOLUMES, environment_id)
    known = {volume.spec.get("slug") for volume in volumes if not volume.is_deleted}
    for index, mount in enumerate(mounts):
        if mount["volume"] not in known:
            reason = f"no volume {mount['volume']!r} in this environment: create it first"
            raise invalid(f"volumes.{index}.volume", reason, "unknown_volume")


async def backup_target_exists(ctx: ApiContext, spec: dict[str, Any]) -> None:
    """A backup policy's target is a live backup target (422 on the field if not)."""
    target_id = (spec.get("backup") or {}).get("target_id")
    if target_id is None:
        return
    target = await ctx.store.get(Kind.BACKUP_TARGETS, UUID(str(target_id)))
    if target is None or target.is_deleted:
        reason = f"no backup target {target_id}: create it first (the Backup targets page)"
        raise invalid("backup.target_id", reason, "unknown_backup_target")


SERVICES = KindApi(
    Kind.SERVICES,
    ServiceSpec,
    Service,
    "service",
    prepare=_seal,
    present=mask_service_spec,
    follow_ups=(
        ("deploy_service", "id"),
        ("get_changes", "id"),
        ("list_deployments", "service_id"),
        ("create_webhook", "id"),
        ("runtime_logs", "id"),
    ),
)

add_list(router, SERVICES, "/environments/{environment_id}/services", "environment_id")
add_create(router, SERVICES, "/environments/{environment_id}/services", "environment_id")
add_item(router, SERVICES, "/services/{id}")

ServiceId = Annotated[UUID, Path(alias="id")]


async def _live_service(ctx: ApiContext, service_id: UUID) -> StoredObject:
    service = await load(ctx, Kind.SERVICES, service_id)
    if service.is_deleted:
        raise Conflict(f"services/{service_id} is being deleted")
    return service


async def insert_deployment(ctx: ApiContext, service_id: UUID, new: NewDeployment) -> Any:
    obj = await ctx.store.create_deployment(service_id, new.id, new.spec, new.build)
    return DEPLOYMENTS.show(obj)


@router.get(
    "/services/{id}/changes",
    response_model=PendingChanges,
    operation_id="get_changes",
    summary="The diff between the live deployment and the pending spec",
)
async def get_changes(ctx: Ctx, _: CurrentUser, service_id: ServiceId) -> PendingChanges:
    service = await load(ctx, Kind.SERVICES, service_id)
    live = await ctx.store.live_deployment(service_id)
    live_spec = snapshot_of(live) if live else None
    applied = live.spec_as(DeploymentSpec).from_repository if live else None
    from_repository = applied.fields if applied else []
    return PendingChanges(
        live_deployment_id=live.id if live else None,
        generation=service.generation,
        changes=pending_changes(live_spec, service.spec, ctx.secret_box, from_repository),
    )


@router.post(
    "/services/{id}/deploy",
    response_model=Deployment,
    status_code=201,
    operation_id="deploy_service",
    summary="Deploy the service's current spec (a new snapshot)",
)
async def deploy(ctx: Ctx, _: CurrentUser, service_id: ServiceId, if_match: IfMatch = None) -> Any:
    service = await _live_service(ctx, service_id)
    if if_match is not None and expected_generation(if_match) != service.generation:
        raise Conflict(
            f"services/{service_id} is at generation {service.generation}, not {if_match}"
        )
    images = ctx.settings.database_images()
    new = new_deployment(service.spec, "deploy", database_images=images)
    return await insert_deployment(ctx, service_id, new)


async def _live_or_refuse(ctx: ApiContext, service_id: UUID, action: str) -> StoredObject:
    live = await ctx.store.live_deployment(service_id)
    if live is None:
        raise ApiError(
            409, "nothing_deployed", f"nothing to {action}: the service was never deployed"
        )
    return live


@router.post(
    "/services/{id}/redeploy",
    response_model=Deployment,
    status_code=201,
    operation_id="redeploy_service",
    summary="Deploy the live snapshot again (pending changes stay pending)",
)
async def redeploy(ctx: Ctx, _: CurrentUser, service_id: ServiceId) -> Any:
    await _live_service(ctx, service_id)
    live = await _live_or_refuse(ctx, service_id, "redeploy")
    trigger: Trigger = "redeploy"
    images = ctx.settings.database_images()
    new = new_deployment(snapshot_of(live), trigger, database_images=images)
    return await insert_deployment(ctx, service_id, new)


@router.post(
    "/services/{id}/discard",
    response_model=Service,
    operation_id="discard_changes",
    summary="Reset the spec to the live snapshot, dropping pending changes",
)
async def discard(
    ctx: Ctx, _: CurrentUser, service_id: ServiceId, response: Response, if_match: IfMatch = None
) -> Any:
    service = await _live_service(ctx, service_id)
    generation = service.generation if if_match is None else expected_generation(if_match)
    live = await _live_or_refuse(ctx, service_id, "discard to")
    obj = await ctx.store.update_spec(Kind.SERVICES, service_id, snapshot_of(live), generation)
    set_etag(response, obj)
    return SERVICES.show(obj)
