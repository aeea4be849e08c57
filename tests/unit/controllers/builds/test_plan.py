"""Pure decisions of the builds controller: tags, next steps, failure messages, log lines."""

from __future__ import annotations

import uuid

import pytest

from controllers.builds.plan import (
    LineSplitter,
    Phase,
    Step,
    build_failure,
    deployment_wants_build,
    image_ref,
    next_step,
    phase_of,
    with_phase,
)
from controllers.services.rollout import build_outcome
from zaneops.specs import ConditionStatus, GitSource, Status

SERVICE = uuid.UUID("0b9a7d52-5a7c-4c1e-9a57-3f1f0e9f7c11")
COMMIT = "0123456789abcdef0123456789abcdef01234567"


def _source(**extra: object) -> GitSource:
    return GitSource.model_validate({"repository_url": "https://git.example.com/a/b", **extra})


def test_the_tag_is_the_commit_and_a_hash_of_the_inputs_under_a_per_service_repository() -> None:
    """<instance>-build/<service>:<commit12>-<8 hex>, lowercase, the same for the same inputs."""
    ref = image_ref("Prod", SERVICE, COMMIT, _source())
    repository, tag = ref.split(":")
    assert repository == f"prod-build/{SERVICE}"
    assert tag.startswith("0123456789ab-") and len(tag) == 12 + 1 + 8
    assert ref == image_ref("Prod", SERVICE, COMMIT, _source())


@pytest.mark.parametrize(
    "change",
    [{"build_args": {"A": "1"}}, {"target": "prod"}, {"dockerfile_path": "x/Dockerfile"}],
)
def test_any_build_input_changes_the_tag(change: dict[str, object]) -> None:
    """Build args, target or Dockerfile path: another image, so another tag."""
    assert image_ref("i", SERVICE, COMMIT, _source(**change)) != image_ref(
        "i", SERVICE, COMMIT, _source()
    )


def test_the_branch_and_credentials_in_the_url_do_not_change_the_tag() -> None:
    """What is built depends on the commit, not on how the repository was reached."""
    plain = image_ref("i", SERVICE, COMMIT, _source())
    other_branch = image_ref("i", SERVICE, COMMIT, _source(branch="dev"))
    with_login = GitSource.model_validate({"repository_url": "https://u:p@git.example.com/a/b"})
    assert plain == other_branch == image_ref("i", SERVICE, COMMIT, with_login)


def _step(phase: Phase | None, **given: object) -> Step:
    values: dict[str, object] = {
        "wanted": True,
        "running": False,
        "attempts": 0,
        "max_attempts": 2,
        "free_slots": 1,
        **given,
    }
    return next_step(phase, **values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("phase", "given", "expected"),
    [
        (Phase.SUCCEEDED, {"wanted": False}, Step.DONE),
        (Phase.CANCELLED, {}, Step.DONE),
        (None, {"wanted": False}, Step.STOP),
        (Phase.BUILDING, {"wanted": False, "running": True}, Step.STOP),
        (Phase.BUILDING, {"running": True}, Step.FOLLOW),
        (None, {}, Step.START),
        (Phase.QUEUED, {"free_slots": 0}, Step.WAIT),
        (Phase.BUILDING, {"attempts": 1}, Step.START),
        (Phase.CLONING, {"attempts": 1, "free_slots": 0}, Step.WAIT),
        (Phase.BUILDING, {"attempts": 2}, Step.GIVE_UP),
    ],
)
def test_next_step(phase: Phase | None, given: dict[str, object], expected: Step) -> None:
    """Finished stays; unwanted stops; ours is followed; orphans retry until out of attempts."""
    assert _step(phase, **given) is expected


@pytest.mark.parametrize(
    ("cancel", "phase", "wanted"),
    [
        (False, None, True),
        (True, None, False),
        (False, "CANCELLED", False),
        (False, "FAILED", False),
    ],
)
def test_a_deployment_wants_its_build_until_cancelled_or_ended(
    cancel: bool, phase: str | None, wanted: bool
) -> None:
    """Cancel requested, superseded (CANCELLED) or failed: its build is no longer needed."""
    assert deployment_wants_build(True, cancel, phase) is wanted
    assert deployment_wants_build(False, False, None) is False


def test_a_build_failure_names_the_last_step_and_quotes_the_last_lines() -> None:
    """BuildFailed: the RUN that failed, the engine's error, then the tail of the log."""
    lines = ["Step 1/2 : FROM busybox", " ---> abc", "Step 2/2 : RUN make", "make: no rule", ""]
    failure = build_failure("returned a non-zero code: 2", lines, tail=2)
    assert failure.reason == "BuildFailed"
    assert failure.message.startswith("Step 2/2 : RUN make failed: returned a non-zero code: 2")
    assert failure.message.endswith("last log lines:\nStep 2/2 : RUN make\nmake: no rule")


def test_the_line_splitter_joins_pieces_into_whole_lines() -> None:
    """The engine sends 'Step 1/3 : X' then '\\n': one line comes out, once whole."""
    splitter = LineSplitter()
    assert splitter.feed("Step 1/3 : X") == []
    assert splitter.feed("\n ---> a\npart") == ["Step 1/3 : X", " ---> a"]
    assert splitter.rest() == ["part"]


def test_phases_move_the_succeeded_condition() -> None:
    """Unknown while running, True when built, False when failed; finished_at set at the end."""
    running = with_phase(Status(), Phase.BUILDING, "Building")
    done = with_phase(running, Phase.SUCCEEDED, "Built", image="x:1")
    failed = with_phase(running, Phase.FAILED, "CloneFailed", "no such repository")
    assert running.condition("Succeeded").status is ConditionStatus.UNKNOWN  # type: ignore[union-attr]
    assert done.condition("Succeeded").status is ConditionStatus.TRUE  # type: ignore[union-attr]
    assert failed.condition("Succeeded").status is ConditionStatus.FALSE  # type: ignore[union-attr]
    assert "finished_at" in done.details and "finished_at" not in running.details
    assert phase_of(done) is Phase.SUCCEEDED and phase_of(Status()) is None


def test_a_failed_or_cancelled_build_decides_its_deployment() -> None:
    """FAILED → deployment FAILED (BuildFailed + the cause); CANCELLED → CANCELLED; else wait."""
    failed = with_phase(Status(), Phase.FAILED, "TimedOut", "too slow")
    cancelled = with_phase(Status(), Phase.CANCELLED, "Cancelled", "cancelled on request")
    phase, reason, message = build_outcome(failed)  # type: ignore[misc]
    assert (phase.value, reason) == ("FAILED", "BuildFailed") and "TimedOut" in message
    assert build_outcome(cancelled)[1] == "BuildCancelled"  # type: ignore[index]
    assert build_outcome(with_phase(Status(), Phase.BUILDING, "Building")) is None
