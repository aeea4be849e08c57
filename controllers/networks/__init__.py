"""The networks controller (`zaneops controller run networks`): environments' networks, and
the proxy attached to each, so no environment's service reaches another's."""

from __future__ import annotations

from controllers.entry import ControllerEntry, HostAccess
from zaneops.adapters.dependencies import Dependencies
from zaneops.adapters.docker.networks import EnvironmentNetworks

from .controller import NetworksController
from .settings import NetworksSettings


def build(deps: Dependencies, settings: NetworksSettings | None = None) -> NetworksController:
    engine = EnvironmentNetworks()
    deps.on_close(engine.close)
    return NetworksController(deps.installation, settings or NetworksSettings(), deps.store, engine)


ENTRY = ControllerEntry(
    name="networks",
    build=build,
    settings=(NetworksSettings,),
    host_access=frozenset({HostAccess.DOCKER_SOCKET}),
    memory="128M",
)

__all__ = ["ENTRY", "NetworksController"]
