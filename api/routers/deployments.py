"""Deployments (snapshots the services controller rolls out) and builds (Git → image)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Response

from api.auth.principal import Ctx, CurrentUser
from api.crud import KindApi, add_item, add_list, load, request_cancel
from api.deployment_rows import new_deployment, snapshot_of
from api.errors import ApiError
from api.schemas import Build, Deployment, phase_of
from api.sealing import mask_build_spec, mask_deployment_spec
from zaneops.specs import BuildSpec, DeploymentPhase, DeploymentSpec
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import StoredObject

router = APIRouter(tags=["deployments"])

DEPLOYMENTS = KindApi(
    Kind.DEPLOYMENTS, DeploymentSpec, Deployment, "deployment", present=mask_deployment_spec
)
BUILDS = KindApi(Kind.BUILDS, BuildSpec, Build, "build", present=mask_build_spec)

add_list(router, DEPLOYMENTS, "/services/{service_id}/deployments", "service_id")
add_item(router, DEPLOYMENTS, "/deployments/{id}", writable=False)
add_list(router, BUILDS, "/deployments/{deployment_id}/builds", "deployment_id")
add_item(router, BUILDS, "/builds/{id}", writable=False)

DeploymentId = Annotated[UUID, Path(alias="id")]
FINISHED = {
    DeploymentPhase.HEALTHY,
    DeploymentPhase.SUCCEEDED,
    DeploymentPhase.FAILED,
    DeploymentPhase.REMOVED,
    DeploymentPhase.CANCELLED,
}


@router.post(
    "/deployments/{id}/rollback",
    response_model=Deployment,
    status_code=201,
    operation_id="rollback_to_deployment",
    summary="Deploy this earlier deployment's snapshot and image again",
)
async def rollback(ctx: Ctx, _: CurrentUser, deployment_id: DeploymentId) -> Any:
    target = await load(ctx, Kind.DEPLOYMENTS, deployment_id)
    if target.parent_id is None:  # every deployment has a service; keeps mypy honest
        raise ApiError(409, "conflict", "this deployment has no service")
    snapshot = target.spec_as(DeploymentSpec)
    new = new_deployment(snapshot_of(target), "rollback", snapshot.image, target.id)
    obj = await ctx.store.create_deployment(target.parent_id, new.id, new.spec, new.build)
    return DEPLOYMENTS.show(obj)


@router.post(
    "/deployments/{id}/cancel",
    response_model=Deployment,
    operation_id="cancel_deployment",
    summary="Ask the controllers to stop a queued, building or starting deployment",
)
async def cancel(ctx: Ctx, _: CurrentUser, deployment_id: DeploymentId, response: Response) -> Any:
    def ended(deployment: StoredObject) -> str | None:
        phase = phase_of(deployment)
        return phase.value if phase in FINISHED else None

    obj = await request_cancel(ctx, Kind.DEPLOYMENTS, deployment_id, ended, response)
    return DEPLOYMENTS.show(obj)
