"""What the webhook endpoints answer with."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field


class Delivery(BaseModel):
    """What one call of the trigger did: the audit line a Git host shows for a delivery."""

    result: Literal["deployed", "ignored", "refused"]
    reason: str | None = Field(default=None, description="Why it was ignored or refused.")
    service_id: UUID
    deployment_id: UUID | None = Field(default=None, description="The deployment it created.")
    commit: str | None = Field(
        default=None, description="The pushed commit the build pins; none: the branch's head."
    )
    host: str = Field(description="GitHub, GitLab, Gitea, Forgejo, Gogs or generic.")
    status_code: int = Field(description="The HTTP status the trigger answered.")


class WebhookInfo(BaseModel):
    service_id: UUID
    path: str = Field(description="The trigger's path; prefix it with the API's public origin.")
    url: str = Field(description="The trigger's URL as this request reached the API.")
    token: str = Field(description="The secret part of the path; rotating replaces it.")
    secret: str = Field(
        description="The signing secret: paste it as the webhook's Secret (GitHub, Gitea) "
        "or Secret token (GitLab); signed deliveries are checked with it."
    )
    token_only: bool = Field(
        description="Unsigned calls are accepted (the URL's token is the only credential) "
        "and build the branch's head, never a commit their body names. Off: every call must "
        "be signed."
    )
    created_at: datetime
    rotated_at: datetime
    last_delivery_at: datetime | None
    last_delivery: Delivery | None


class WebhookChoice(BaseModel):
    token_only: bool = Field(
        default=False,
        description="Accept unsigned calls (for a Git host or script that cannot sign); they "
        "build the branch's head only.",
    )
