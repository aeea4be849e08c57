"""Runs: one-off commands in a service's image and environment (its live deployment's), their
outcome and their output (see the logs router)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import structlog
from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, Field

from api.auth.principal import Ctx, CurrentUser
from api.context import ApiContext
from api.crud import (
    KindApi,
    add_item,
    add_list,
    check_storable,
    load,
    request_cancel,
    set_etag,
)
from api.errors import ApiError, ErrorBody
from api.schemas import Run, run_phase_of
from zaneops.common.errors import Conflict
from zaneops.specs import RunPhase, RunSpec
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import StoredObject
from zaneops.specs.run import MAX_ARGUMENTS, RunArgument

log = structlog.get_logger(__name__)
router = APIRouter(tags=["runs"])

RUNS = KindApi(Kind.RUNS, RunSpec, Run, "run")
add_list(router, RUNS, "/services/{service_id}/runs", "service_id")
add_item(router, RUNS, "/runs/{id}", writable=False)

ENDED = {RunPhase.SUCCEEDED, RunPhase.FAILED, RunPhase.CANCELLED}
# Runs of one service going at once: a person's migration and a script, not a fleet.
MAX_ACTIVE_RUNS = 3
ServiceId = Annotated[UUID, Path(alias="id")]
RunId = Annotated[UUID, Path(alias="id")]


class RunRequest(BaseModel):
    model_config = {"extra": "forbid"}

    command: list[RunArgument] = Field(
        min_length=1,
        max_length=MAX_ARGUMENTS,
        description='Arguments, no shell: ["python", "manage.py", "migrate"]; for a shell, '
        '["sh", "-c", "..."].',
    )
    timeout_seconds: int = Field(
        default=3600, ge=1, le=86_400, description="Stopped and FAILED past this long."
    )


@router.post(
    "/services/{id}/run",
    response_model=Run,
    status_code=201,
    operation_id="run_command",
    summary="Run a one-off command with the live deployment's image, variables and volumes",
    responses={429: {"model": ErrorBody, "description": "Too many commands running at once"}},
)
async def run_command(
    ctx: Ctx, _: CurrentUser, service_id: ServiceId, body: RunRequest, response: Response
) -> Any:
    check_storable(body.model_dump(mode="json"))  # a NUL in an argument: 422, not a 500
    service = await load(ctx, Kind.SERVICES, service_id)
    if service.is_deleted:
        raise Conflict(f"services/{service_id} is being deleted")
    live = await ctx.store.live_deployment(service_id)
    if live is None or not (live.spec.get("image")):
        raise ApiError(
            409,
            "nothing_deployed",
            "deploy the service first: a command runs with its live deployment's image",
        )
    recent = await ctx.store.page(Kind.RUNS, service_id, None, 50)
    active = [run for run in recent if run_phase_of(run) not in ENDED]
    if len(active) >= MAX_ACTIVE_RUNS:
        raise ApiError(
            429,
            "too_many_runs",
            f"{len(active)} commands of this service are still running (at most "
            f"{MAX_ACTIVE_RUNS} at once): wait for one to end, or cancel one",
        )
    spec = RunSpec(
        command=body.command, deployment_id=live.id, timeout_seconds=body.timeout_seconds
    )
    obj = await ctx.store.create_under(Kind.RUNS, spec.model_dump(mode="json"), service_id)
    try:
        await _delete_old_runs(ctx, service_id)
    except Exception as exc:  # the run is made: a cleanup that failed is done next time
        log.warning("old runs not deleted", service=str(service_id), error=repr(exc))
    set_etag(response, obj)
    return RUNS.show(obj)


async def _delete_old_runs(ctx: ApiContext, service_id: UUID) -> None:
    """The service keeps its newest runs; older ended ones go (the runs controller's
    finalizer deletes their output). A run still going is never deleted here."""
    kept = ctx.settings.kept_runs
    runs = await ctx.store.page(Kind.RUNS, service_id, None, kept + MAX_ACTIVE_RUNS + 1)
    for run in runs[kept:]:
        if run_phase_of(run) in ENDED and not run.is_deleted:
            await ctx.store.request_delete(Kind.RUNS, run.id)


@router.post(
    "/runs/{id}/cancel",
    response_model=Run,
    operation_id="cancel_run",
    summary="Stop a queued or running command",
)
async def cancel_run(ctx: Ctx, _: CurrentUser, run_id: RunId, response: Response) -> Any:
    def ended(run: StoredObject) -> str | None:
        phase = run_phase_of(run)
        return phase.value if phase in ENDED else None

    return RUNS.show(await request_cancel(ctx, Kind.RUNS, run_id, ended, response))
