"""The SSH host keys of Git servers, pinned at their first use by a build: listed, forgotten."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from api.auth.principal import Ctx, CurrentUser
from zaneops.common.errors import NotFound

router = APIRouter(prefix="/ssh-hosts", tags=["ssh hosts"])


class PinnedHostKey(BaseModel):
    host: str = Field(description="As known_hosts names it: host, or [host]:port.")
    key_type: str = Field(description="e.g. ssh-ed25519.")
    fingerprint: str = Field(description="SHA256:…, as `ssh-keygen -l` shows it.")
    first_seen_at: datetime
    first_seen_for: str = Field(description="The repository whose build reached it first.")


class PinnedHostKeys(BaseModel):
    items: list[PinnedHostKey]


@router.get(
    "",
    response_model=PinnedHostKeys,
    operation_id="list_ssh_host_keys",
    summary="Git servers' SSH host keys, pinned at first use: builds refuse any other",
)
async def list_host_keys(ctx: Ctx, _: CurrentUser) -> PinnedHostKeys:
    return PinnedHostKeys(
        items=[
            PinnedHostKey(
                host=pinned.key.host,
                key_type=pinned.key.key_type,
                fingerprint=pinned.key.fingerprint,
                first_seen_at=pinned.first_seen_at,
                first_seen_for=pinned.first_seen_for,
            )
            for pinned in await ctx.ssh_hosts.listed()
        ]
    )


@router.delete(
    "/{host}",
    status_code=204,
    operation_id="forget_ssh_host",
    summary="Forget a server's keys: the next build pins the keys it presents then",
)
async def forget_host(
    ctx: Ctx, _: CurrentUser, host: Annotated[str, Path(min_length=1, max_length=300)]
) -> None:
    if await ctx.ssh_hosts.forget(host) == 0:
        raise NotFound(f"no SSH host key is pinned for {host}")
