"""The volumes controller (`zaneops controller run volumes`): Docker volumes and host folders."""

from __future__ import annotations

from collections.abc import Sequence

from controllers.entry import ControllerEntry, HostAccess, Placement
from zaneops.adapters.dependencies import Dependencies
from zaneops.adapters.docker.volumes import DockerVolumes
from zaneops.adapters.hostfs import HostFolders
from zaneops.common.settings import ZaneSettings

from .controller import VolumesController
from .settings import VolumesSettings


def build(deps: Dependencies, settings: VolumesSettings | None = None) -> VolumesController:
    docker = DockerVolumes()
    deps.on_close(docker.close)
    return VolumesController(
        deps.installation, settings or VolumesSettings(), deps.store, docker, HostFolders()
    )


def stack_settings(place: Placement) -> Sequence[ZaneSettings]:
    """The allow-listed root of host-path volumes, mounted at its own path."""
    return (VolumesSettings.chosen(host_root=place.volumes_root),)


ENTRY = ControllerEntry(
    name="volumes",
    build=build,
    settings=(VolumesSettings,),
    host_access=frozenset({HostAccess.DOCKER_SOCKET, HostAccess.VOLUMES_ROOT}),
    stack_settings=stack_settings,
)

__all__ = ["ENTRY", "VolumesController"]
