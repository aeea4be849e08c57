"""The services controller (`zaneops controller run services`): deployments → swarm services."""

from __future__ import annotations

from controllers.entry import ControllerEntry, HostAccess
from zaneops.adapters.dependencies import Dependencies
from zaneops.adapters.docker.log_follow import LogFollower
from zaneops.adapters.docker.swarm import Swarm
from zaneops.adapters.redis.log_streams import LogStreams
from zaneops.common.secrets import SecretBox

from .controller import ServicesController
from .settings import ServicesSettings


def build(deps: Dependencies, settings: ServicesSettings | None = None) -> ServicesController:
    swarm = Swarm()
    deps.on_close(swarm.close)
    follower = LogFollower()
    deps.on_close(follower.aclose)
    key = deps.installation.secret_key
    return ServicesController(
        deps.installation,
        settings or ServicesSettings(),
        rows=deps.store,
        swarm=swarm,
        streams=LogStreams(deps.logs),
        log_follower=follower,
        open_secret=SecretBox(key).open if key else (lambda value: value),
    )


ENTRY = ControllerEntry(
    name="services",
    build=build,
    settings=(ServicesSettings,),
    needs_sealing_key=True,
    host_access=frozenset({HostAccess.DOCKER_SOCKET}),
)

__all__ = ["ENTRY", "ServicesController"]
