"""The backups controller (`zaneops controller run backups`): dumps of databases, each
verified by a restore, on request or on their service's schedule."""

from __future__ import annotations

from collections.abc import Sequence

from controllers.entry import ControllerEntry, HostAccess, Placement
from zaneops.adapters.dependencies import Dependencies
from zaneops.adapters.docker.dumps import DatabaseDumps
from zaneops.common.settings import ZaneSettings

from .controller import BackupsController
from .settings import BackupsSettings


def build(deps: Dependencies, settings: BackupsSettings | None = None) -> BackupsController:
    dumps = DatabaseDumps()
    deps.on_close(dumps.close)
    return BackupsController(deps.installation, settings or BackupsSettings(), deps.store, dumps)


def stack_settings(place: Placement) -> Sequence[ZaneSettings]:
    """The backups folder, on the host at its own path."""
    return (BackupsSettings.chosen(root=place.backups_root),)


ENTRY = ControllerEntry(
    name="backups",
    build=build,
    settings=(BackupsSettings,),
    host_access=frozenset({HostAccess.DOCKER_SOCKET, HostAccess.BACKUPS_ROOT}),
    stack_settings=stack_settings,
)

__all__ = ["ENTRY", "BackupsController"]
