"""Is the platform up? From what Swarm reports per service, pure (unit-tested with states)."""

from __future__ import annotations

from zaneops.adapters.docker.platform import ServiceState

# Swarm keeps a task with a health check in "starting" until the check passes, so a running
# task of the current spec is a healthy one.
UPDATING = {"updating", "rollback_started"}
STUCK = {"paused", "rollback_paused", "rollback_completed"}


class PlatformFailed(Exception):
    """A component cannot become healthy without a change (a failed, rolled back update)."""


def is_ready(state: ServiceState, expected_hash: str) -> bool:
    return (
        state.spec_hash == expected_hash
        and state.running >= state.replicas
        and state.update_state not in UPDATING
    )


def describe(state: ServiceState, expected_hash: str) -> str:
    if is_ready(state, expected_hash):
        return f"{state.component}: {state.running}/{state.replicas} healthy"
    if state.update_state in UPDATING:
        return f"{state.component}: updating ({state.running}/{state.replicas} on the new spec)"
    reason = f" (last error: {state.error})" if state.error else ""
    return f"{state.component}: {state.running}/{state.replicas} starting{reason}"


def check_not_stuck(state: ServiceState, expected_hash: str) -> None:
    if state.update_state in STUCK and state.spec_hash != expected_hash:
        raise PlatformFailed(
            f"{state.component}: the update was {state.update_state.replace('_', ' ')}"
            f"{f' ({state.error})' if state.error else ''}; see `zaneops logs {state.component}`"
        )


def pending(states: list[ServiceState], expected: dict[str, str]) -> list[str]:
    """Components not healthy yet on their expected spec (missing ones included), in order."""
    by_component = {state.component: state for state in states}
    return [
        component
        for component, wanted in expected.items()
        if component not in by_component or not is_ready(by_component[component], wanted)
    ]


def up_to_date(states: list[ServiceState], expected: dict[str, str]) -> bool:
    """Every expected service exists with the expected spec hash and nothing else is there:
    then `docker stack deploy` would change nothing, and is not run."""
    return not differing(states, expected)


def differing(states: list[ServiceState], expected: dict[str, str]) -> list[str]:
    """The components a deploy would change: new, changed or gone (sorted)."""
    deployed = {state.component: state.spec_hash for state in states}
    names = set(deployed) | set(expected)
    return sorted(name for name in names if deployed.get(name) != expected.get(name))
