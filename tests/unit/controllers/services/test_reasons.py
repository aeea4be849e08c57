"""Why a deployment failed, as a person reads it: never Swarm's raw words alone."""

from __future__ import annotations

from typing import Any

from controllers.services.reasons import refine
from controllers.services.rollout import Phase, Verdict, explain
from tests.support.fake_swarm import task_of
from zaneops.adapters.docker.models import ContainerState, HealthCheckRun, SwarmTask
from zaneops.specs import ServiceSpec

HTTP_CHECK = {"type": "http", "port": 80, "path": "/ready"}


def ended(state: str, **extra: Any) -> SwarmTask:
    return task_of({}, state, **extra)


def spec(**fields: Any) -> ServiceSpec:
    return ServiceSpec.model_validate(
        {"slug": "web", "source": {"type": "image", "image": "nginx:1"}, **fields}
    )


def checked(*outputs: str) -> ContainerState:
    runs = tuple(
        HealthCheckRun(f"2026-12-02T00:00:0{i}.5Z", 1, output) for i, output in enumerate(outputs)
    )
    return ContainerState(
        exit_code=None, oom_killed=False, health_status="unhealthy", health_log=runs
    )


def test_a_container_that_exits_zero_is_told_a_service_must_keep_running() -> None:
    """Swarm says "complete: finished"; the person is asked whether they meant a job."""
    verdict = explain(ended("complete", message="finished", exit_code=0))
    assert verdict.reason == "ExitedWithZero"
    assert "code 0" in verdict.message and "job" in verdict.message
    assert "finished" not in verdict.message


def test_a_missing_command_is_named() -> None:
    error = (
        "starting container failed: OCI runtime create failed: runc create failed: unable to "
        'start container process: exec: "no-such-server": executable file not found in $PATH'
    )
    verdict = explain(ended("rejected", error=error))
    assert verdict.reason == "CommandNotFound"
    assert "'no-such-server' is not in the image" in verdict.message


def test_an_exit_by_signal_names_the_signal_and_an_oom_kill_names_the_limit() -> None:
    killed = explain(ended("failed", error="task: non-zero exit (137)", exit_code=137))
    assert killed.reason == "ContainerExited" and "SIGKILL (exit code 137)" in killed.message
    oom = ContainerState(exit_code=137, oom_killed=True)
    refined = refine(killed, oom, spec(resources={"memory_limit": "64Mi"}))
    assert refined.reason == "OutOfMemory"
    assert "memory limit (64 MiB)" in refined.message and "memory_limit" in refined.message


def test_a_failing_http_check_gives_the_path_and_the_last_answers_with_their_times() -> None:
    answers = [f"GET /ready on port 80: answered 404 Not Found in {n} ms" for n in (3, 2, 4, 2)]
    verdict = explain(ended("failed", error="task: unhealthy container"))
    refined = refine(verdict, checked(*answers), spec(healthcheck=HTTP_CHECK))
    assert refined.reason == "HealthCheckFailing"
    assert refined.message.startswith("the health check (GET /ready on port 80) kept failing")
    assert refined.message.count("404 Not Found") == 3  # the last three, not all five
    assert "at 00:00:03 UTC: GET /ready on port 80: answered 404 Not Found in 2 ms" in (
        refined.message
    )


def test_nothing_listening_on_the_checked_port_is_said_so() -> None:
    refused = "GET /ready on port 80: connection refused: nothing listens on port 80"
    verdict = Verdict(Phase.FAILED, "TimedOut", "not healthy 60s after it started")
    refined = refine(verdict, checked(refused, refused), spec(healthcheck=HTTP_CHECK))
    assert refined.reason == "PortNotListening"
    assert "nothing listens on port 80" in refined.message and "0.0.0.0" in refined.message


def test_a_probe_missing_on_the_node_points_at_the_probe_service() -> None:
    missing = 'OCI runtime exec failed: exec: "/.zane/zane-probe": no such file or directory'
    verdict = explain(ended("failed", error="task: unhealthy container"))
    refined = refine(verdict, checked(missing), spec(healthcheck=HTTP_CHECK))
    assert refined.reason == "ProbeMissing" and "probe service" in refined.message


def test_a_command_check_quotes_its_command_and_a_gone_container_changes_nothing() -> None:
    check = {"type": "command", "command": ["pg_isready", "-h", "127.0.0.1"]}
    verdict = explain(ended("failed", error="task: unhealthy container"))
    refined = refine(verdict, checked("no response"), spec(healthcheck=check))
    assert "(the command pg_isready -h 127.0.0.1) kept failing" in refined.message
    assert "no response" in refined.message
    assert refine(verdict, None, spec(healthcheck=check)) == verdict


def test_an_exit_after_failing_checks_is_blamed_on_the_check_not_the_program() -> None:
    """Swarm stops an unhealthy nginx (SIGQUIT: exit 0, "complete: finished"); the reason is
    the check's last answers, not "did you mean a job"."""
    answer = "GET /healthz on port 80: answered 404 Not Found in 1 ms (healthy needs 2xx or 3xx)"
    verdict = explain(ended("complete", message="finished", exit_code=0))
    refined = refine(verdict, checked(answer, answer), spec(healthcheck=HTTP_CHECK))
    assert refined.reason == "HealthCheckFailing" and "404 Not Found" in refined.message


def test_only_failures_after_the_last_passing_check_count_and_a_healthy_timeout_is_not_blamed() -> (
    None
):
    """Failures during the start period followed by a pass are history: a time-out while the
    check passes (a replica no node could take) is not "the health check kept failing"."""
    early = HealthCheckRun("2026-12-02T00:00:01Z", 1, "GET /ready on port 80: connection refused")
    passed = HealthCheckRun("2026-12-02T00:00:02Z", 0, "GET /ready on port 80: answered 200 OK")
    healthy = ContainerState(None, False, "healthy", (early, passed))
    timed_out = Verdict(Phase.FAILED, "TimedOut", "not healthy 60s after it started")
    assert refine(timed_out, healthy, spec(healthcheck=HTTP_CHECK)) == timed_out


def test_an_oom_flag_without_a_kill_does_not_hide_the_real_exit_and_times_are_utc() -> None:
    """Docker flags OOMKilled when any process of the container was (a worker); an exit 1 is
    still the program's own. Docker dates checks in its own zone; we say UTC."""
    exited = explain(ended("failed", error="task: non-zero exit (1)", exit_code=1))
    flagged = ContainerState(exit_code=1, oom_killed=True)
    assert refine(exited, flagged, spec()).reason == "ContainerExited"
    late = HealthCheckRun("2026-12-02T02:00:05.5+02:00", 1, "GET /ready on port 80: answered 500")
    state = ContainerState(None, False, "unhealthy", (late,))
    failing = explain(ended("failed", error="task: unhealthy container"))
    assert "at 00:00:05 UTC:" in refine(failing, state, spec(healthcheck=HTTP_CHECK)).message
