"""What every request handler needs, opened once per process and kept on app.state."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from redis.asyncio import Redis

from api.auth.sessions import SessionStore
from api.auth.throttle import LoginThrottle
from api.settings import ApiSettings
from api.webhooks.throttle import WebhookLimiter
from zaneops.adapters.postgres.accounts import AccountStore
from zaneops.adapters.postgres.api_store import ApiStore
from zaneops.adapters.postgres.webhooks import WebhookStore
from zaneops.secrets import SecretBox, SecretsUnavailable


@dataclass
class ApiContext:
    settings: ApiSettings
    store: ApiStore
    accounts: AccountStore
    redis: Redis
    sessions: SessionStore
    throttle: LoginThrottle
    secret_box: SecretBox | None
    webhooks: WebhookStore
    webhook_limiter: WebhookLimiter

    @classmethod
    async def open(cls, settings: ApiSettings) -> ApiContext:
        store = await ApiStore.open(settings.database_url, max_size=settings.db_pool_size)
        redis = Redis.from_url(settings.redis_url)
        return cls(
            settings=settings,
            store=store,
            accounts=AccountStore(store.pool),
            redis=redis,
            sessions=SessionStore(redis, settings.api_redis_prefix, settings.session_ttl_seconds),
            throttle=LoginThrottle(
                redis, settings.api_redis_prefix, settings.login_attempts_per_minute
            ),
            secret_box=_secret_box(settings.secret_key),
            webhooks=WebhookStore(store.pool),
            webhook_limiter=WebhookLimiter(
                redis, settings.api_redis_prefix, settings.webhook_requests_per_minute
            ),
        )

    async def close(self) -> None:
        await self.redis.aclose()
        await self.store.close()


def _secret_box(key: str) -> SecretBox | None:
    """None without a key: the API still runs, and refuses only requests that store secrets."""
    try:
        return SecretBox(key)
    except (SecretsUnavailable, ValueError):
        return None


def context(request: Request) -> ApiContext:
    found: ApiContext = request.app.state.context
    return found
