"""Domains and volumes of an environment."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter

from api.context import ApiContext
from api.crud import KindApi, add_create, add_item, add_list
from api.errors import invalid
from api.schemas import Domain, Volume
from zaneops.common.errors import InUse
from zaneops.specs import DomainSpec, VolumeSpec
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import StoredObject

router = APIRouter(tags=["domains and volumes"])


async def _target_in_environment(
    ctx: ApiContext, spec: dict[str, Any], _: StoredObject | None, environment_id: UUID | None
) -> dict[str, Any]:
    """A domain may only send traffic to a live service of its own environment."""
    target = spec.get("target")
    if target is None:
        return spec
    service = await ctx.store.get(Kind.SERVICES, UUID(target["service_id"]))
    if service is None or service.is_deleted or service.parent_id != environment_id:
        raise invalid(
            "target.service_id",
            "no such service in this environment",
            "unknown_service",
        )
    return spec


async def _not_mounted(ctx: ApiContext, volume: StoredObject) -> None:
    """Refuse (409) to delete a volume a live service of its environment mounts."""
    assert volume.parent_id is not None, "a volume belongs to an environment"
    slug = volume.spec.get("slug")
    users = sorted(
        str(service.spec.get("slug"))
        for service in await ctx.store.list_children(Kind.SERVICES, volume.parent_id)
        if not service.is_deleted and slug in mounted_volumes(service.spec)
    )
    if users:
        raise InUse(
            f"volume {slug} is mounted by {', '.join(users)}: remove the mount from "
            "those services, or delete them, first"
        )


def mounted_volumes(service_spec: dict[str, Any]) -> set[str]:
    return {str(mount.get("volume")) for mount in service_spec.get("volumes") or []}


DOMAINS = KindApi(Kind.DOMAINS, DomainSpec, Domain, "domain", prepare=_target_in_environment)
VOLUMES = KindApi(Kind.VOLUMES, VolumeSpec, Volume, "volume", guard_delete=_not_mounted)

for _api in (DOMAINS, VOLUMES):
    add_list(router, _api, f"/environments/{{environment_id}}/{_api.plural}", "environment_id")
    add_create(router, _api, f"/environments/{{environment_id}}/{_api.plural}", "environment_id")
    add_item(router, _api, f"/{_api.plural}/{{id}}")
