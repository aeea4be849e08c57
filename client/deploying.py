"""Deployments from the CLI: start one, and wait until it is HEALTHY (or SUCCEEDED, for a
job) or ends otherwise, with the reason the services controller gave."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from zaneops.adapters.platform_api import PlatformApi

from .resources import Resource

ENDED = {"HEALTHY", "SUCCEEDED", "FAILED", "CANCELLED", "REMOVED"}
GOOD = {"HEALTHY", "SUCCEEDED"}
POLL_SECONDS = 1.0


@dataclass(frozen=True)
class Ended:
    deployment: Resource
    phase: str
    reason: str  # the Deployed condition's message: what went wrong, in words

    @property
    def succeeded(self) -> bool:
        return self.phase in GOOD


def deploy(api: PlatformApi, service_id: str, how: str = "deploy") -> Resource:
    """`how`: deploy (the current spec) or redeploy (the live deployment again)."""
    deployment: Resource = api.post(f"/services/{service_id}/{how}").body
    return deployment


def wait(
    api: PlatformApi,
    deployment_id: str,
    timeout: float,
    *,
    on_phase: Callable[[str], None] = lambda _: None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Ended | None:
    """The deployment once it ended; None if it had not within `timeout` seconds."""
    deadline, last = clock() + timeout, None
    while True:
        deployment: Resource = api.get(f"/deployments/{deployment_id}").body
        phase = str(deployment.get("phase") or "QUEUED")
        if phase != last:
            on_phase(phase)
            last = phase
        if phase in ENDED:
            return Ended(deployment, phase, _reason(deployment))
        if clock() >= deadline:
            return None
        sleep(POLL_SECONDS)


def _reason(deployment: Resource) -> str:
    for condition in deployment.get("status", {}).get("conditions") or []:
        if condition.get("type") == "Deployed":
            return str(condition.get("message") or condition.get("reason") or "")
    return ""
