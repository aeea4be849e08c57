"""The platform's stack: a compose v3.8 document for `docker stack deploy`, rendered from the
settings, the image tags and the registered controllers. Pure: same inputs, same document.

Every service runs in dnsrr mode (this kernel has no IPVS), publishes ports in host mode, has
a health check, a restart policy and limits, and carries its own spec hash, so `zaneops up`
can tell that nothing changed without asking Swarm to update anything.
"""

from __future__ import annotations

import hashlib
import json
import sys

import yaml

from controllers.entry import ControllerEntry
from controllers.registry import ENTRIES
from launcher.platform.components import by_name
from launcher.platform.secrets import secret_name, stack_secret_names
from launcher.platform.settings import Platform, PlatformSettings
from launcher.platform.stack_parts import (
    LOGS_REDIS_LIMITS,
    REDIS_LIMITS,
    Json,
    StackInputs,
    labels,
)
from launcher.platform.stack_services import (
    api,
    controller,
    exporter,
    logs_redis,
    metrics,
    migrate,
    node_exporter,
    postgres,
    probe,
    proxy,
    redis,
)
from zaneops.common import naming

# What callers use from here (tests, the installer), whichever module defines it.
__all__ = [
    "LOGS_REDIS_LIMITS",
    "REDIS_LIMITS",
    "StackInputs",
    "example_text",
    "expected_hashes",
    "render",
    "stack_text",
]


def render(inputs: StackInputs) -> Json:
    """The whole compose document, each service labelled with the hash of its own spec."""
    services = {
        "postgres": postgres(inputs),
        "redis": redis(inputs),
        "redis-logs": logs_redis(inputs),
        "migrate": migrate(inputs),
        "proxy": proxy(inputs),
        "probe": probe(inputs),
        "api": api(inputs),
        "metrics": metrics(inputs),
        "exporter": exporter(inputs),
        "node-exporter": node_exporter(inputs),
        **{entry.component: controller(inputs, entry) for entry in by_name(inputs.controllers)},
    }
    document: Json = {
        "version": "3.8",
        "services": services,
        "networks": networks(inputs.platform.instance),
        "volumes": volumes(inputs.platform.instance),
        "secrets": secret_definitions(inputs),
    }
    shared = {key: document[key] for key in ("networks", "volumes", "secrets")}
    for name, service in services.items():
        service["deploy"]["labels"][naming.LABEL_SPEC_HASH] = spec_hash(service, shared)
        service["deploy"]["labels"][naming.LABEL_COMPONENT] = name
    return document


def stack_text(document: Json) -> str:
    """The stack file as written to disk."""
    header = "# Rendered by `zaneops up`; edit the settings, not this file.\n"
    return header + yaml.safe_dump(document, sort_keys=False)


EXAMPLE_IMAGES = {
    "app": "zaneops/app:<hash>",
    "postgres": "zaneops/postgres:<hash>",
    "redis": "zaneops/redis:<hash>",
    "mariadb": "zaneops/mariadb:<hash>",
    "proxy": "zaneops/caddy:<hash>",
    "probe": "zaneops/probe:<hash>",
    "metrics": "zaneops/metrics:<hash>",
    "node-exporter": "zaneops/node-exporter:<hash>",
}


def example_text(controllers: tuple[ControllerEntry, ...] = ENTRIES) -> str:
    """stacks/zaneops.example.yml: what `zaneops up` deploys with default settings."""
    # model_construct: the defaults, not this machine's ZANE_* variables
    defaults = Platform("zaneops", PlatformSettings.model_construct())
    inputs = StackInputs(defaults, EXAMPLE_IMAGES, controllers, ("10.0.1.0/24",))
    return stack_text(render(inputs))


def spec_hash(service: Json, shared: Json) -> str:
    text = json.dumps({"service": service, "shared": shared}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def expected_hashes(document: Json) -> dict[str, str]:
    """component -> spec hash, as the deployed services must carry them."""
    return {
        name: service["deploy"]["labels"][naming.LABEL_SPEC_HASH]
        for name, service in document["services"].items()
    }


# --- top-level objects ----------------------------------------------------------------------


def networks(instance: str) -> Json:
    """Two overlays, and the probe's own. platform: the data stores and the platform's
    processes. front: the proxy, the API and the routes controller, and nothing of users':
    external, so its subnet is known to the API's trusted proxies before deploying (`zaneops
    up` creates it).
    Users' services are on their environment's network only, never on these."""
    return {
        "platform": {
            "driver": "overlay",
            "name": f"{instance}-platform",
            "labels": labels(instance),
        },
        "front": {"external": True, "name": naming.front_network(instance)},
        # The probe service's alone: a stack service must be on some network.
        "isolated": {
            "driver": "overlay",
            "internal": True,
            "name": f"{instance}-isolated",
            "labels": labels(instance),
        },
    }


def volumes(instance: str) -> Json:
    named = (
        "postgres-data",
        "redis-data",
        "redis-logs-data",
        "proxy-config",
        "proxy-data",
        "metrics-data",
    )
    return {
        **{name: {"name": f"{instance}-{name}", "labels": labels(instance)} for name in named},
        "probe": {"name": naming.probe_volume(instance), "labels": labels(instance)},
    }


def secret_definitions(inputs: StackInputs) -> Json:
    instance = inputs.platform.instance
    return {
        name: {"external": True, "name": secret_name(instance, name)}
        for name in stack_secret_names()
    }


if __name__ == "__main__":  # python -m launcher.platform.stack > stacks/zaneops.example.yml
    sys.stdout.write(example_text())
