"""The app factory: routers under /api/v1, error handlers, and the context's lifetime."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from api.body_limit import BodyLimit
from api.context import ApiContext
from api.dashboard import Dashboard, dashboard_folder
from api.errors import ERROR_RESPONSES, install_error_handlers
from api.routers import (
    account,
    auth,
    backup_targets,
    backups,
    backups_overview,
    databases,
    deployments,
    logs,
    metrics,
    misc,
    notifications,
    platform_backups,
    projects,
    routing,
    runs,
    servers,
    services,
    ssh_hosts,
    volume_snapshots,
    webhooks,
)
from api.settings import ApiSettings
from zaneops.common.settings import InstallationSettings

PREFIX = "/api/v1"
ROUTERS = (
    misc,
    auth,
    account,
    projects,
    services,
    databases,
    backups,
    backup_targets,
    backups_overview,
    platform_backups,
    volume_snapshots,
    routing,
    deployments,
    runs,
    logs,
    webhooks,
    ssh_hosts,
    notifications,
    metrics,
    servers,
)


def create_app(
    settings: ApiSettings | None = None, installation: InstallationSettings | None = None
) -> FastAPI:
    chosen = settings or ApiSettings()
    shared = installation or InstallationSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.context = await ApiContext.open(chosen, shared)
        # Everything loaded so far lives as long as the process: keep it out of the garbage
        # collector's full passes, which otherwise stall a request for tens of milliseconds.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            await app.state.context.close()

    app = FastAPI(
        title="ZaneOps API",
        version="1",
        description="Edits specs and reads status; the controllers do the rest.",
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=None,  # the Swagger UI loads scripts from a CDN; the document is enough
        redoc_url=None,
        lifespan=lifespan,
    )
    install_error_handlers(app)
    for module in ROUTERS:
        app.include_router(module.router, prefix=PREFIX, responses=ERROR_RESPONSES)
    folder = dashboard_folder(chosen.dashboard_dir)
    if folder is not None:
        app.add_middleware(Dashboard, folder=folder)
    app.add_middleware(BodyLimit, limit_for=body_limits(chosen))
    if chosen.trusted_proxies:
        # Behind Caddy every request comes from the proxy: trust its X-Forwarded-For only.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=chosen.trusted_proxies)
    return app


def body_limits(settings: ApiSettings) -> Callable[[str], int]:
    """The body limit of a path: the webhook trigger's own, else the API's."""
    webhooks = f"{PREFIX}/webhooks/"

    def limit_for(path: str) -> int:
        if path.startswith(webhooks):
            return settings.webhook_max_body_bytes
        return settings.max_body_bytes

    return limit_for
