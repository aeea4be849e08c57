"""Backup targets: S3-compatible stores where databases keep their backups, chosen in a
database's backup policy. The secret key is checked in clear, sealed before it is stored, and
masked when read; the backups controller alone opens it."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter

from api.context import ApiContext
from api.crud import KindApi, add_create, add_item, add_list
from api.errors import ApiError, invalid
from api.schemas import BackupTarget
from api.sealing import seal_sent_secret
from zaneops.common.secrets import MASK
from zaneops.specs.backup_targets import (
    DESTINATION_FIELDS,
    SECRET_FIELDS,
    BackupTargetSpec,
    clear_secret_problem,
)
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import StoredObject

router = APIRouter(tags=["backups"])
Spec = dict[str, Any]
MAX_TARGETS = 50
# Where a target's objects are: fixed while backups are kept there.
PLACE_FIELDS = ("endpoint", "region", "bucket", "prefix")


async def seal_target(
    ctx: ApiContext, spec: Spec, current: StoredObject | None, _: UUID | None
) -> Spec:
    """Names are unique; the secret key sealed (a masked one keeps the stored one while the
    store, bucket and key id stay the same)."""
    others = [
        t
        for t in await ctx.store.page(Kind.BACKUP_TARGETS, None, None, MAX_TARGETS + 1)
        if not t.is_deleted and (current is None or t.id != current.id)
    ]
    if current is None and len(others) >= MAX_TARGETS:
        raise ApiError(409, "too_many_targets", f"at most {MAX_TARGETS} backup targets")
    if any(t.spec.get("name") == spec["name"] for t in others):
        raise invalid("name", "another backup target has this name", "duplicate_name")
    if current is not None:
        await _same_place_while_used(ctx, current, spec)
    stored = _stored_secrets(current, spec)
    sealed = {field: _sealed(ctx, field, spec[field], stored.get(field)) for field in SECRET_FIELDS}
    return {**spec, **sealed}


async def _same_place_while_used(ctx: ApiContext, current: StoredObject, sent: Spec) -> None:
    """A backup's object is found where its target says: the place may not move under
    backups kept there (they would be lost to the platform, and never deleted)."""
    moved = [field for field in PLACE_FIELDS if current.spec.get(field) != sent.get(field)]
    if moved and await ctx.store.backups_kept_in(current.id):
        raise invalid(
            moved[0],
            "backups are kept in this target: its endpoint, region, bucket and folder stay as "
            "they are (add another target for a new place)",
            "target_in_use",
        )


def _stored_secrets(current: StoredObject | None, sent: Spec) -> Spec:
    """The secrets a masked value may keep: only while the destination is the same."""
    if current is None:
        return {}
    moved = [field for field in DESTINATION_FIELDS if current.spec.get(field) != sent.get(field)]
    return {} if moved else {field: current.spec.get(field) for field in SECRET_FIELDS}


def _sealed(ctx: ApiContext, field: str, value: str, stored: str | None) -> str:
    return seal_sent_secret(
        ctx.secret_box,
        field,
        value,
        stored,
        problem=clear_secret_problem,
        why_nothing_stored="nothing is stored for it, or the endpoint, bucket or access key "
        "id changed (a stored secret never follows them)",
    )


def mask_target(spec: Spec) -> Spec:
    return {**spec, **{field: MASK for field in SECRET_FIELDS if spec.get(field) is not None}}


async def not_in_use(ctx: ApiContext, target: StoredObject) -> None:
    """Backups kept there would be lost to the platform (and could not be deleted); a policy
    naming it would fail every scheduled backup."""
    kept = await ctx.store.backups_kept_in(target.id)
    if kept:
        raise ApiError(
            409,
            "in_use",
            f"{kept} backups are kept in this target: delete them first (their files go "
            "with them), or keep the target",
        )
    named = await ctx.store.policies_naming(target.id)
    if named:
        raise ApiError(
            409,
            "in_use",
            f"{named} databases keep their backups in this target (or volumes their "
            "snapshots; the platform's own policy counts as one): choose another place in "
            "their backup schedule first",
        )


BACKUP_TARGETS = KindApi(
    Kind.BACKUP_TARGETS,
    BackupTargetSpec,
    BackupTarget,
    "backup_target",
    prepare=seal_target,
    present=mask_target,
    guard_delete=not_in_use,
)

add_list(router, BACKUP_TARGETS, "/backup-targets", None)
add_create(router, BACKUP_TARGETS, "/backup-targets", None)
add_item(router, BACKUP_TARGETS, "/backup-targets/{id}")
