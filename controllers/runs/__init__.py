"""The runs controller (`zaneops controller run runs`): one-off commands → swarm jobs."""

from __future__ import annotations

from controllers.entry import ControllerEntry, HostAccess
from zaneops.adapters.dependencies import Dependencies
from zaneops.adapters.docker.swarm import Swarm
from zaneops.adapters.redis.log_streams import LogStreams
from zaneops.common.secrets import SecretBox

from .controller import RunsController
from .settings import RunsSettings


def build(deps: Dependencies, settings: RunsSettings | None = None) -> RunsController:
    swarm = Swarm()
    deps.on_close(swarm.close)
    key = deps.installation.secret_key
    return RunsController(
        deps.installation,
        settings or RunsSettings(),
        rows=deps.store,
        swarm=swarm,
        streams=LogStreams(deps.logs),
        open_secret=SecretBox(key).open if key else (lambda value: value),
    )


ENTRY = ControllerEntry(
    name="runs",
    build=build,
    settings=(RunsSettings,),
    needs_sealing_key=True,
    host_access=frozenset({HostAccess.DOCKER_SOCKET}),
    memory="128M",
)

__all__ = ["ENTRY", "RunsController"]
