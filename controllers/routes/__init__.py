"""The routes controller (`zaneops controller run routes`): domains → Caddy's routes."""

from __future__ import annotations

from collections.abc import Sequence

from controllers.entry import ControllerEntry, HostAccess, Placement
from zaneops.adapters.caddy.admin import CaddyAdmin
from zaneops.adapters.dependencies import Dependencies
from zaneops.adapters.postgres.domains import DomainReader
from zaneops.adapters.redis.cursors import StoredCursor
from zaneops.adapters.redis.http_logs import HttpLogSink
from zaneops.adapters.redis.stream_keys import tls_log_cursor
from zaneops.common.secrets import SecretBox
from zaneops.common.settings import ZaneSettings

from .controller import RoutesController
from .settings import RoutesSettings

# Where the proxy calls this controller's on-demand TLS `ask` endpoint, on the front network.
ASK_PORT = 9180


def build(deps: Dependencies, settings: RoutesSettings | None = None) -> RoutesController:
    settings = settings or RoutesSettings()
    admin = CaddyAdmin(settings.admin_socket, settings.request_timeout_seconds)
    deps.on_close(admin.close)
    key = deps.installation.secret_key
    return RoutesController(
        deps.installation,
        settings,
        admin,
        DomainReader(deps.pool),
        http_logs=HttpLogSink(deps.logs, deps.installation.instance),
        tls_log_cursor=StoredCursor(deps.logs, tls_log_cursor(deps.installation.instance)),
        open_secret=SecretBox(key).open if key else (lambda value: value),
    )


def stack_settings(place: Placement) -> Sequence[ZaneSettings]:
    """Caddy's admin socket, access log and certificate log in the shared run folder; the
    dashboard's route to the API, and Caddy's `ask` calls back to this controller, over the
    front network."""
    return (
        RoutesSettings.chosen(
            admin_socket=f"{place.caddy_dir}/caddy-admin.sock",
            access_log=f"{place.caddy_dir}/access.log",
            tls_log=f"{place.caddy_dir}/tls.log",
            https=place.https,
            public_https_port=place.public_https_port,
            dashboard_domain=place.dashboard_domain,
            dashboard_upstream=place.api_upstream,
            ask_port=ASK_PORT,
            ask_url=f"http://{place.own_host}:{ASK_PORT}/ask",
        ),
    )


ENTRY = ControllerEntry(
    name="routes",
    build=build,
    settings=(RoutesSettings,),
    host_access=frozenset({HostAccess.CADDY_ADMIN}),
    needs_sealing_key=True,  # opens uploaded certificates' private keys
    proxy_network=True,
    # Replicated too: only the leader loads Caddy and forwards its access log (resuming at
    # the cursor stored in Redis); a follower answers Caddy's `ask` from its preview.
    stack_settings=stack_settings,
)

__all__ = ["ENTRY", "RoutesController"]
