"""Domains and volumes of an environment."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter

from api.context import ApiContext
from api.crud import KindApi, add_create, add_item, add_list
from api.domain_secrets import hash_passwords, mask_domain_secrets, seal_certificate_key
from api.errors import invalid
from api.routers.services import backup_target_exists
from api.schemas import Domain, Volume
from zaneops.common.errors import Conflict, InUse
from zaneops.specs import DomainSpec, VolumeSpec
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import StoredObject
from zaneops.specs.routing import hosts_overlap
from zaneops.specs.storage import host_paths_overlap

router = APIRouter(tags=["domains and volumes"])


async def _domain_rules(
    ctx: ApiContext, spec: dict[str, Any], current: StoredObject | None, environment_id: UUID | None
) -> dict[str, Any]:
    """A domain routes to its own environment, on a host no other environment routes, and
    never on the dashboard's host (which receives every login)."""
    host = str(spec["domain"])
    dashboard = ctx.settings.dashboard_domain.lower()
    if dashboard and host == dashboard:  # a wildcard covering it is fine: exact hosts win
        raise invalid("domain", f"{dashboard} is the dashboard's own domain", "reserved_domain")
    await _host_unclaimed(ctx, host, current, environment_id)
    target = spec.get("target")
    if target is not None:
        await _target_in_environment(ctx, UUID(target["service_id"]), environment_id)
    return spec


async def _host_unclaimed(
    ctx: ApiContext, host: str, current: StoredObject | None, environment_id: UUID | None
) -> None:
    for claim in await ctx.store.live_domains():
        same_row = current is not None and claim.id == current.id
        other_environment = not same_row and claim.environment_id != environment_id
        if other_environment and hosts_overlap(claim.value, host):
            raise Conflict(
                f"{claim.value} is routed by another environment: a host (and the "
                "wildcard covering it) belongs to one environment"
            )


async def _target_in_environment(
    ctx: ApiContext, service_id: UUID, environment_id: UUID | None
) -> None:
    """A domain may only send traffic to a live service of its own environment."""
    service = await ctx.store.get(Kind.SERVICES, service_id)
    if service is None or service.is_deleted or service.parent_id != environment_id:
        raise invalid("target.service_id", "no such service in this environment", "unknown_service")


async def _volume_rules(
    ctx: ApiContext, spec: dict[str, Any], current: StoredObject | None, _: UUID | None
) -> dict[str, Any]:
    """No two host-path volumes may share a folder, in any environment: one inside another
    would let a container swap the inner one for a link to the host's root."""
    await backup_target_exists(ctx, spec)  # of its snapshot policy
    path = spec.get("host_path")
    if spec.get("kind") != "host_path" or not isinstance(path, str):
        return spec
    for claim in await ctx.store.live_host_paths():
        if (current is None or claim.id != current.id) and host_paths_overlap(claim.value, path):
            raise Conflict(
                f"host_path {path} overlaps {claim.value}, the folder of another volume: "
                "host folders may not be the same, nor lie in one another"
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


async def _prepare_domain(
    ctx: ApiContext, spec: dict[str, Any], current: StoredObject | None, environment_id: UUID | None
) -> dict[str, Any]:
    checked = await _domain_rules(ctx, spec, current, environment_id)
    hashed = await hash_passwords(ctx, checked, current)
    return seal_certificate_key(ctx, hashed, current)


DOMAINS = KindApi(
    Kind.DOMAINS, DomainSpec, Domain, "domain", prepare=_prepare_domain, present=mask_domain_secrets
)
VOLUMES = KindApi(
    Kind.VOLUMES,
    VolumeSpec,
    Volume,
    "volume",
    prepare=_volume_rules,
    guard_delete=_not_mounted,
    follow_ups=(("list_volume_snapshots", "id"), ("snapshot_volume", "id")),
)

for _api in (DOMAINS, VOLUMES):
    add_list(router, _api, f"/environments/{{environment_id}}/{_api.plural}", "environment_id")
    add_create(router, _api, f"/environments/{{environment_id}}/{_api.plural}", "environment_id")
    add_item(router, _api, f"/{_api.plural}/{{id}}")
