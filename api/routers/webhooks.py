"""Auto-deploy webhooks: one per service, managed by its users, triggered by Git hosts.

The trigger is public (a Git host has no session): the token in its path is the credential,
and a signature, when the host sends one, proves the host knows the webhook's secret.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import JSONResponse

from api.auth.principal import Ctx, CurrentUser
from api.auth.secrets import hash_token
from api.context import ApiContext
from api.crud import load
from api.errors import ApiError
from api.schemas import inline_schema
from api.webhooks.delivery import deliver
from api.webhooks.payload import PushBody
from api.webhooks.schemas import Delivery, WebhookChoice, WebhookInfo
from zaneops.adapters.postgres.webhooks import Webhook
from zaneops.common.errors import NotFound, Unavailable
from zaneops.common.secrets import SecretBox, SecretsUnavailable
from zaneops.specs.kinds import Kind

router = APIRouter(tags=["webhooks"])

TOKEN_PREFIX = "zwh_"
TRIGGER_PATH = "/api/v1/webhooks/{token}"
ServiceId = Annotated[UUID, Path(alias="id")]


def _box(ctx: ApiContext) -> SecretBox:
    if ctx.secret_box is None:
        raise Unavailable("ZANE_SECRET_KEY is not set: a webhook's token cannot be stored")
    return ctx.secret_box


def _show(ctx: ApiContext, webhook: Webhook, request: Request) -> WebhookInfo:
    try:
        token = _box(ctx).open(webhook.sealed_token)
        secret = _box(ctx).open(webhook.sealed_secret)
    except SecretsUnavailable as exc:
        raise Unavailable(f"{exc}: rotate the webhook") from exc
    path = TRIGGER_PATH.format(token=token)
    return WebhookInfo(
        service_id=webhook.service_id,
        path=path,
        url=str(request.base_url).rstrip("/") + path,
        token=token,
        secret=secret,
        token_only=webhook.token_only,
        created_at=webhook.created_at,
        rotated_at=webhook.rotated_at,
        last_delivery_at=webhook.last_delivery_at,
        last_delivery=webhook.last_delivery,  # a dict: pydantic validates it into a Delivery
    )


def _fresh_credentials(ctx: ApiContext) -> tuple[str, str, str]:
    """(token hash, sealed token, sealed secret) of a new token and secret."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    box = _box(ctx)
    return hash_token(token), box.seal(token), box.seal(secrets.token_urlsafe(32))


async def _existing(ctx: ApiContext, service_id: UUID) -> Webhook:
    await load(ctx, Kind.SERVICES, service_id)
    webhook = await ctx.webhooks.get(service_id)
    if webhook is None:
        raise NotFound(f"services/{service_id} has no webhook: create one")
    return webhook


@router.get(
    "/services/{id}/webhook",
    response_model=WebhookInfo,
    operation_id="get_webhook",
    summary="The service's auto-deploy webhook: URL, secret and last delivery",
)
async def get_webhook(
    ctx: Ctx, _: CurrentUser, service_id: ServiceId, request: Request
) -> WebhookInfo:
    return _show(ctx, await _existing(ctx, service_id), request)


@router.post(
    "/services/{id}/webhook",
    response_model=WebhookInfo,
    status_code=201,
    operation_id="create_webhook",
    summary="Create the service's webhook (one per service; 409 if it has one)",
)
async def create_webhook(
    ctx: Ctx,
    _: CurrentUser,
    service_id: ServiceId,
    request: Request,
    choice: WebhookChoice | None = None,
) -> WebhookInfo:
    await load(ctx, Kind.SERVICES, service_id)
    token_only = choice.token_only if choice else False
    webhook = await ctx.webhooks.create(service_id, *_fresh_credentials(ctx), token_only)
    return _show(ctx, webhook, request)


@router.put(
    "/services/{id}/webhook",
    response_model=WebhookInfo,
    operation_id="update_webhook",
    summary="Choose whether unsigned calls are accepted (token-only)",
)
async def update_webhook(
    ctx: Ctx, _: CurrentUser, service_id: ServiceId, request: Request, choice: WebhookChoice
) -> WebhookInfo:
    await _existing(ctx, service_id)
    webhook = await ctx.webhooks.set_token_only(service_id, choice.token_only)
    return _show(ctx, webhook, request)


@router.post(
    "/services/{id}/webhook/rotate",
    response_model=WebhookInfo,
    operation_id="rotate_webhook",
    summary="New token and secret; the old URL stops working at once",
)
async def rotate_webhook(
    ctx: Ctx, _: CurrentUser, service_id: ServiceId, request: Request
) -> WebhookInfo:
    await _existing(ctx, service_id)
    webhook = await ctx.webhooks.rotate(service_id, *_fresh_credentials(ctx))
    return _show(ctx, webhook, request)


@router.delete(
    "/services/{id}/webhook",
    status_code=204,
    operation_id="delete_webhook",
    summary="Remove the service's webhook; pushes no longer deploy",
)
async def delete_webhook(ctx: Ctx, _: CurrentUser, service_id: ServiceId) -> None:
    await _existing(ctx, service_id)
    await ctx.webhooks.delete(service_id)


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


TRIGGER_RESPONSES: dict[int | str, dict[str, Any]] = {
    201: {"model": Delivery, "description": "Deployed: the deployment's id and pinned commit"},
    202: {"model": Delivery, "description": "Ignored: another branch, no watched file, ..."},
    400: {"description": "The body is not JSON (or not UTF-8)"},
    403: {
        "description": "Unsigned (and the webhook is not token-only), or a signature or "
        "X-Gitlab-Token that does not match the webhook's secret"
    },
    404: {"description": "No webhook has this token"},
    409: {"description": "The service is not built from Git, or is being deleted"},
    413: {"description": "The payload is too large"},
    429: {"description": "Too many calls from this address: wait a minute"},
}


@router.post(
    "/webhooks/{token}",
    response_model=Delivery,
    status_code=201,
    operation_id="trigger_webhook",
    summary="Deploy on a push (GitHub, GitLab, Gitea/Forgejo or a plain POST); no session",
    responses=TRIGGER_RESPONSES,
    openapi_extra={
        "requestBody": {
            "required": False,
            "content": {"application/json": {"schema": inline_schema(PushBody)}},
        },
        "security": [],
    },
)
async def trigger_webhook(
    ctx: Ctx, token: Annotated[str, Path(max_length=200)], request: Request
) -> Response:
    if not await ctx.webhook_limiter.allow(_client(request)):
        raise ApiError(429, "too_many_requests", "too many webhook calls: wait a minute")
    raw = await request.body()  # bounded by BodyLimit (ZANE_API_WEBHOOK_MAX_BODY_BYTES)
    webhook = await ctx.webhooks.by_token_hash(hash_token(token))
    if webhook is None:
        raise ApiError(404, "not_found", "no webhook has this token")
    delivery = await deliver(ctx, webhook, request.headers, raw)
    return JSONResponse(delivery.model_dump(mode="json"), status_code=delivery.status_code)
