"""The notifications controller (`zaneops controller run notifications`): events read from the
statuses other controllers write, told to the channels that hear them, each message delivered
with retries and logged."""

from __future__ import annotations

from collections.abc import Sequence

from controllers.entry import ControllerEntry, Placement
from zaneops.adapters.dependencies import Dependencies
from zaneops.adapters.messaging import Messenger
from zaneops.adapters.postgres.notifications import NotificationLog
from zaneops.adapters.prometheus import Prometheus
from zaneops.common.secrets import SecretBox, SecretsUnavailable
from zaneops.common.settings import ZaneSettings

from .controller import NotificationsController
from .settings import NotificationsSettings


def build(
    deps: Dependencies, settings: NotificationsSettings | None = None
) -> NotificationsController:
    settings = settings or NotificationsSettings()
    messenger = Messenger(settings.timeout_seconds, settings.allow_local_addresses)
    deps.on_close(messenger.close)
    key = deps.installation.secret_key
    metrics = Prometheus(settings.metrics_url) if settings.metrics_url else None
    if metrics is not None:
        deps.on_close(metrics.close)
    return NotificationsController(
        settings,
        rows=deps.store,
        log=NotificationLog(deps.pool),
        sender=messenger,
        open_secret=SecretBox(key).open if key else _cannot_open,
        metrics=metrics,
    )


def _cannot_open(_: str) -> str:
    raise SecretsUnavailable("this controller has no ZANE_SECRET_KEY")


def stack_settings(place: Placement) -> Sequence[ZaneSettings]:
    """Links in messages lead to the dashboard's domain, when it has one; metric alerts are
    checked in the platform's Prometheus."""
    chosen: dict[str, str] = {"metrics_url": place.metrics_url}
    if place.dashboard_domain:
        chosen["dashboard_url"] = f"https://{place.dashboard_domain}"
    return (NotificationsSettings.chosen(**chosen),)


ENTRY = ControllerEntry(
    name="notifications",
    build=build,
    settings=(NotificationsSettings,),
    needs_sealing_key=True,
    stack_settings=stack_settings,
)

__all__ = ["ENTRY", "NotificationsController"]
