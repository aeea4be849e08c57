"""A plan carried out: each object created or replaced through the API, in order, and told
as it goes. A refusal stops the apply and says what was applied and what was not: the file
can be fixed and applied again, which completes it (what is already so is left alone)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from zaneops.adapters.platform_api import ApiRefused, PlatformApi

from .plan import Plan, Step, resolve_service

Say = Callable[[str], None]

# Where an object of each kind is created: under its parent's path.
CREATED_UNDER = {
    "project": "/projects",
    "environment": "/projects/{parent}/environments",
    "volume": "/environments/{parent}/volumes",
    "service": "/environments/{parent}/services",
    "domain": "/environments/{parent}/domains",
}
ITEM_PATHS = {
    "project": "/projects/{id}",
    "environment": "/environments/{id}",
    "volume": "/volumes/{id}",
    "service": "/services/{id}",
    "domain": "/domains/{id}",
}


@dataclass
class Outcome:
    applied: list[Step] = field(default_factory=list)
    failed: Step | None = None
    refusal: ApiRefused | None = None
    not_applied: list[Step] = field(default_factory=list)


def apply(api: PlatformApi, plan: Plan, say: Say) -> Outcome:
    outcome = Outcome()
    pending = plan.changes
    for index, step in enumerate(pending):
        try:
            _apply_one(api, step)
        except ApiRefused as refusal:
            outcome.failed, outcome.refusal = step, refusal
            outcome.not_applied = pending[index + 1 :]
            return outcome
        outcome.applied.append(step)
        say(f"{step.action}d {step.kind} {step.address}")
    return outcome


def _apply_one(api: PlatformApi, step: Step) -> None:
    if step.pruned:
        api.delete(ITEM_PATHS[step.kind].format(id=step.id))
        return
    body = resolve_service(step) if step.kind == "domain" else step.desired
    if step.current is None:
        parent = step.parent.id if step.parent else None
        created = api.post(CREATED_UNDER[step.kind].format(parent=parent), body).body
        step.id = created["id"]
        return
    path = ITEM_PATHS[step.kind].format(id=step.id)
    api.put(path, body, int(step.current["generation"]))
