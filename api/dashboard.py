"""The dashboard (ui/dist, built by npm) served at the site's root, next to the API.

Every GET or HEAD outside /api is the single-page app's: a file of the build when one
matches, else index.html, so the app's own routes (/projects/..., /services/...) load on
refresh. Nothing under /api is ever answered from here.
"""

from __future__ import annotations

from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

API_PREFIX = "/api"
CHECKOUT_BUILD = Path(__file__).resolve().parents[1] / "ui" / "dist"
# Only what the dashboard itself loads: a script injected into a page cannot call home.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def dashboard_folder(configured: str) -> Path | None:
    """The build to serve: the configured folder, else the checkout's; None if not built."""
    folder = Path(configured) if configured else CHECKOUT_BUILD
    return folder if (folder / "index.html").is_file() else None


def is_api_path(path: str) -> bool:
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")


class _SpaFiles(StaticFiles):
    """Static files whose misses fall back to index.html, never cached (it names the assets)."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            response = await super().get_response(path, scope)
        except HTTPException as exc:
            if exc.status_code != 404:
                raise
            response = await super().get_response("index.html", scope)
        hashed = path.startswith("assets/") and response.status_code == 200
        response.headers["Cache-Control"] = (
            "public, max-age=31536000, immutable" if hashed else "no-cache"
        )
        response.headers.update(SECURITY_HEADERS)
        return response


class Dashboard:
    """ASGI middleware: GET/HEAD outside /api go to the dashboard's files, the rest on."""

    def __init__(self, app: ASGIApp, folder: Path) -> None:
        self.app = app
        self.files = _SpaFiles(directory=folder)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        wanted = scope["type"] == "http" and scope["method"] in ("GET", "HEAD")
        if wanted and not is_api_path(scope["path"]):
            await self.files(scope, receive, send)
            return
        await self.app(scope, receive, send)
