"""The backups controller (`zaneops controller run backups`): dumps of databases, each
verified by a restore, on request or on their service's schedule, kept in the backups folder
or uploaded to a backup target (an S3-compatible store)."""

from __future__ import annotations

from collections.abc import Sequence

from controllers.entry import ControllerEntry, HostAccess, Placement
from zaneops.adapters.dependencies import Dependencies
from zaneops.adapters.docker.dumps import DatabaseDumps
from zaneops.adapters.docker.snapshots import SnapshotContainers
from zaneops.adapters.s3 import ObjectStores
from zaneops.common.secrets import SecretBox, SecretsUnavailable
from zaneops.common.settings import ZaneSettings

from .controller import BackupsController
from .settings import BackupsSettings
from .targets import TargetFiles


def build(deps: Dependencies, settings: BackupsSettings | None = None) -> BackupsController:
    dumps = DatabaseDumps()
    deps.on_close(dumps.close)
    stores = ObjectStores()
    deps.on_close(stores.close)
    key = deps.installation.secret_key
    targets = TargetFiles(deps.store, stores, SecretBox(key).open if key else _cannot_open)
    snapshots = SnapshotContainers()
    deps.on_close(snapshots.close)
    settings = settings or BackupsSettings()
    return BackupsController(
        deps.installation,
        settings,
        deps.store,
        dumps,
        targets,
        snapshots=snapshots,
        sealing_key=key or None,
    )


def _cannot_open(_: str) -> str:
    raise SecretsUnavailable("this controller has no ZANE_SECRET_KEY")


def stack_settings(place: Placement) -> Sequence[ZaneSettings]:
    """The backups folder, on the host at its own path; snapshots run in the app image."""
    image = {"snapshot_image": place.own_image} if place.own_image else {}
    return (BackupsSettings.chosen(root=place.backups_root, **image),)


ENTRY = ControllerEntry(
    name="backups",
    build=build,
    settings=(BackupsSettings,),
    host_access=frozenset({HostAccess.DOCKER_SOCKET, HostAccess.BACKUPS_ROOT}),
    needs_sealing_key=True,  # a backup target's secret key; snapshot repositories' passwords
    stack_settings=stack_settings,
)

__all__ = ["ENTRY", "BackupsController"]
