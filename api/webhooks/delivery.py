"""One call of the public trigger, from the raw request to a deployment or a reason why not."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from api.context import ApiContext
from api.deployment_rows import new_deployment
from api.errors import ApiError
from api.webhooks.decide import Deploy, decide
from api.webhooks.payload import NotAPush, Push, event_of, read_push
from api.webhooks.schemas import Delivery
from api.webhooks.signatures import is_signed, signature_problem
from zaneops.adapters.postgres.webhooks import Webhook
from zaneops.common.errors import Unavailable
from zaneops.common.secrets import SecretsUnavailable
from zaneops.specs import GitSource, ServiceSpec
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import StoredObject


def _secret(ctx: ApiContext, webhook: Webhook) -> str:
    if ctx.secret_box is None:
        raise Unavailable("ZANE_SECRET_KEY is not set: the webhook's secret cannot be read")
    try:
        return ctx.secret_box.open(webhook.sealed_secret)
    except SecretsUnavailable as exc:
        raise Unavailable(str(exc)) from exc


async def _git_service(ctx: ApiContext, webhook: Webhook) -> StoredObject:
    service = await ctx.store.get(Kind.SERVICES, webhook.service_id)
    if service is None or service.is_deleted:
        raise ApiError(409, "service_deleted", "the service is being deleted")
    if not isinstance(service.spec_as(ServiceSpec).source, GitSource):
        raise ApiError(
            409,
            "not_a_git_source",
            "the service runs a registry image, not a Git repository: a push has nothing to "
            "build (use POST /services/{id}/redeploy to pull the image again)",
        )
    return service


async def _act(
    ctx: ApiContext, webhook: Webhook, push: Push | NotAPush, trust_body: bool
) -> Delivery:
    service = await _git_service(ctx, webhook)
    base: dict[str, Any] = {"service_id": service.id, "host": push.host}
    if isinstance(push, NotAPush):
        return Delivery(result="ignored", reason=push.reason, status_code=202, **base)
    source = service.spec_as(ServiceSpec).source
    assert isinstance(source, GitSource)  # _git_service refused any other
    verdict = decide(push, source)
    if not isinstance(verdict, Deploy):
        return Delivery(result="ignored", reason=verdict.reason, status_code=202, **base)
    commit = verdict.commit if trust_body else None
    new = new_deployment(service.spec, "webhook", commit=commit)
    await ctx.store.create_deployment(service.id, new.id, new.spec, new.build)
    return Delivery(result="deployed", deployment_id=new.id, commit=commit, status_code=201, **base)


async def deliver(
    ctx: ApiContext, webhook: Webhook, headers: Mapping[str, str], raw: bytes
) -> Delivery:
    """Checks the proof, reads the push, acts; every outcome is recorded on the webhook."""
    try:
        signed = _check_proof(ctx, webhook, headers, raw)
        delivery = await _act(ctx, webhook, read_push(headers, raw), trust_body=signed)
    except ApiError as exc:
        await _record_refusal(ctx, webhook, event_of(headers)[0], exc)
        raise
    await ctx.webhooks.record_delivery(webhook.service_id, delivery.model_dump(mode="json"))
    return delivery


def _check_proof(ctx: ApiContext, webhook: Webhook, headers: Mapping[str, str], raw: bytes) -> bool:
    """True for a right signature; False for an unsigned call its webhook accepts (token-only);
    else 403. An unsigned body must never choose what is built with the service's secrets."""
    if not is_signed(headers):
        if webhook.token_only:
            return False
        raise ApiError(403, "unsigned", UNSIGNED)
    problem = signature_problem(headers, raw, _secret(ctx, webhook))
    if problem is not None:
        raise ApiError(403, "bad_signature", problem)
    return True


UNSIGNED = (
    "the call is not signed: configure the webhook's secret in your Git host (GitHub/Gitea: "
    "Secret; GitLab: Secret token), or make this webhook token-only (a token-only call builds "
    "the branch's head, never a commit named in its body)"
)


async def _record_refusal(ctx: ApiContext, webhook: Webhook, host: str, exc: ApiError) -> None:
    refused = Delivery(
        result="refused",
        reason=exc.message,
        service_id=webhook.service_id,
        host=host,
        status_code=exc.status,
    )
    await ctx.webhooks.record_delivery(webhook.service_id, refused.model_dump(mode="json"))
