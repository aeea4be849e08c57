"""Restarts of users' containers on this engine, counted from the Engine's event stream: a
container started in a task slot of a deployment that already started one there is a restart
(Swarm replaces a container that stopped with a new one in the same slot). A deployment's
first container in each slot is the deployment itself, not a restart; so is a new slot (a
scale up). Counts live in this process: after its own restart, a slot's next start is taken
for its first (at most one restart per slot not counted)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any

import docker
import structlog
from docker.errors import DockerException
from requests import RequestException

from zaneops.adapters.docker.container_stats import task_slot
from zaneops.common import naming

log = structlog.get_logger()
OWNER_PREFIX = "services/"
MAX_SLOTS = 50_000  # slots remembered; the oldest forgotten first
MAX_DEPLOYMENTS = 5_000  # deployments counted (a series each); the least recent dropped first
RETRY_SECONDS = 2.0


class RestartCounter:
    """Pure: each start event in, restarts per (service, deployment) out."""

    def __init__(self, max_slots: int = MAX_SLOTS) -> None:
        self._started: OrderedDict[tuple[str, str, str], None] = OrderedDict()
        self._max_slots = max_slots
        self._lock = threading.Lock()
        self.restarts: OrderedDict[tuple[str, str], int] = OrderedDict()

    def started(self, labels: Mapping[str, str]) -> None:
        owner = str(labels.get(naming.LABEL_OWNER, ""))
        if not owner.startswith(OWNER_PREFIX):
            return  # not a user's service
        service_id = owner.removeprefix(OWNER_PREFIX)
        deployment_id = str(labels.get("zane.deployment", ""))
        slot = _slot(str(labels.get("com.docker.swarm.task.name", "")))
        key, deployment = (service_id, deployment_id, slot), (service_id, deployment_id)
        with self._lock:
            again = key in self._started
            self._started[key] = None
            self._started.move_to_end(key)
            self.restarts[deployment] = self.restarts.get(deployment, 0) + int(again)
            self.restarts.move_to_end(deployment)
            _bound(self._started, self._max_slots)
            _bound(self.restarts, MAX_DEPLOYMENTS)

    def counts(self) -> list[tuple[str, str, int]]:
        with self._lock:
            return [(s, d, n) for (s, d), n in self.restarts.items()]


def _bound(remembered: OrderedDict[Any, Any], most: int) -> None:
    while len(remembered) > most:
        remembered.popitem(last=False)


def _slot(task_name: str) -> str:
    """A global service's task slot names its node; a container outside a task is its own."""
    return task_slot(task_name) or task_name


class RestartWatcher:
    """Follows the Engine's container start events of the instance on a thread of its own,
    again after any error (the Engine restarting), into a RestartCounter."""

    def __init__(self, instance: str, counter: RestartCounter) -> None:
        self.instance = instance
        self.counter = counter
        # The event stream has no read timeout (docker-py's): it is opened again after an
        # error, from the last event counted.
        self._client = docker.from_env()
        self._stopped = threading.Event()
        self._last_nano = 0  # the newest event counted: a stream opened again skips up to it
        self._thread = threading.Thread(target=self._follow, daemon=True, name="restarts")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._client.close()

    def _follow(self) -> None:
        while not self._stopped.is_set():
            try:
                self._count(self._events())
            except (DockerException, RequestException, OSError) as exc:
                if self._stopped.is_set():
                    return
                log.info("container events interrupted", error=str(exc))
            time.sleep(RETRY_SECONDS)

    def _events(self) -> Iterable[dict[str, Any]]:
        filters = {
            "type": "container",
            "event": "start",
            "label": [f"{naming.LABEL_INSTANCE}={self.instance}"],
        }
        since = self._last_nano // 1_000_000_000 if self._last_nano else None
        events: Iterable[dict[str, Any]] = self._client.events(
            decode=True, filters=filters, since=since
        )
        return events

    def _count(self, events: Iterable[dict[str, Any]]) -> None:
        for event in events:
            if self._stopped.is_set():
                return
            nano = int(event.get("timeNano") or 0)
            if nano and nano <= self._last_nano:
                continue  # seen before the stream was opened again
            self._last_nano = max(self._last_nano, nano)
            self.counter.started((event.get("Actor") or {}).get("Attributes") or {})
