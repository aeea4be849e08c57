"""What every request handler needs, opened once per process and kept on app.state."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from fastapi import Request

from api.live_streams import LiveStreams
from api.settings import ApiSettings
from zaneops.adapters.postgres.accounts import AccountStore
from zaneops.adapters.postgres.api_store import ApiStore
from zaneops.adapters.postgres.backup_overview import BackupOverview
from zaneops.adapters.postgres.ssh_hosts import SshHostKeys
from zaneops.adapters.postgres.webhooks import WebhookStore
from zaneops.adapters.prometheus import Prometheus
from zaneops.adapters.redis.connection import DEFAULT_MAX_CONNECTIONS, RedisConnection
from zaneops.adapters.redis.log_streams import LogStreams
from zaneops.adapters.redis.login_throttle import LoginThrottle
from zaneops.adapters.redis.sessions import SessionStore
from zaneops.adapters.redis.webhook_throttle import WebhookLimiter
from zaneops.adapters.s3 import ObjectStores
from zaneops.common.secrets import SecretBox, SecretsUnavailable
from zaneops.common.settings import InstallationSettings


@dataclass
class ApiContext:
    settings: ApiSettings
    installation: InstallationSettings
    store: ApiStore
    accounts: AccountStore
    redis: RedisConnection
    logs: RedisConnection
    sessions: SessionStore
    throttle: LoginThrottle
    log_streams: LogStreams
    secret_box: SecretBox | None
    webhooks: WebhookStore
    ssh_hosts: SshHostKeys
    webhook_limiter: WebhookLimiter
    password_checks: asyncio.Semaphore
    live_streams: LiveStreams
    metrics: Prometheus | None
    backup_overview: BackupOverview
    object_stores: ObjectStores  # backup targets' buckets, for downloads

    @classmethod
    async def open(cls, settings: ApiSettings, installation: InstallationSettings) -> ApiContext:
        store = await ApiStore.open(installation.database_url, max_size=settings.db_pool_size)
        # Each live log stream holds a connection of the logs' Redis while it waits.
        live = settings.live_log_streams + DEFAULT_MAX_CONNECTIONS
        shared = installation.logs_redis == installation.redis_url
        redis = RedisConnection(installation.redis_url, live if shared else DEFAULT_MAX_CONNECTIONS)
        logs = redis if shared else RedisConnection(installation.logs_redis, live)
        prefix = settings.redis_prefix
        return cls(
            settings=settings,
            installation=installation,
            store=store,
            accounts=AccountStore(store.pool),
            redis=redis,
            logs=logs,
            sessions=SessionStore(redis, prefix, settings.session_ttl_seconds),
            throttle=LoginThrottle(redis, prefix, settings.login_attempts_per_minute),
            log_streams=LogStreams(logs),
            secret_box=_secret_box(installation.secret_key),
            webhooks=WebhookStore(store.pool),
            ssh_hosts=SshHostKeys(store.pool),
            webhook_limiter=WebhookLimiter(redis, prefix, settings.webhook_requests_per_minute),
            password_checks=asyncio.Semaphore(settings.concurrent_password_checks),
            live_streams=LiveStreams(settings.live_log_streams),
            metrics=Prometheus(settings.metrics_url) if settings.metrics_url else None,
            backup_overview=BackupOverview(store.pool),
            object_stores=ObjectStores(),
        )

    async def close(self) -> None:
        self.object_stores.close()
        if self.metrics is not None:
            await self.metrics.close()
        await self.redis.close()
        if self.logs is not self.redis:
            await self.logs.close()
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
