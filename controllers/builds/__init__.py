"""The builds controller (`zaneops controller run builds`): Git source → image → deployment."""

from __future__ import annotations

from collections.abc import Sequence

from controllers.entry import ControllerEntry, HostAccess, Placement
from zaneops.adapters.dependencies import Dependencies
from zaneops.adapters.docker.builds import DockerBuilds
from zaneops.adapters.git import Git
from zaneops.adapters.postgres.ssh_hosts import SshHostKeys
from zaneops.adapters.redis.log_streams import LogStreams
from zaneops.common.secrets import SecretBox
from zaneops.common.settings import ZaneSettings

from .controller import BuildsController
from .settings import BuildsSettings


def build(deps: Dependencies, settings: BuildsSettings | None = None) -> BuildsController:
    settings = settings or BuildsSettings()
    docker = DockerBuilds()
    deps.on_close(docker.close)
    key = deps.installation.secret_key
    return BuildsController(
        deps.installation,
        settings,
        rows=deps.store,
        docker=docker,
        git=Git(settings.git_timeout_seconds),
        host_keys=SshHostKeys(deps.store.pool),
        streams=LogStreams(deps.logs),
        box=SecretBox(key) if key else None,
    )


def stack_settings(place: Placement) -> Sequence[ZaneSettings]:
    """Checkouts in the platform's builds folder, mounted at its own path."""
    return (BuildsSettings.chosen(workdir=place.builds_workdir),)


ENTRY = ControllerEntry(
    name="builds",
    build=build,
    settings=(BuildsSettings,),
    needs_sealing_key=True,
    host_access=frozenset({HostAccess.DOCKER_SOCKET, HostAccess.BUILDS_WORKDIR}),
    memory="512M",
    stack_settings=stack_settings,
)

__all__ = ["ENTRY", "BuildsController"]
