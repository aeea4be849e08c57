"""Events read from rows' statuses: which status tells what, and that the same status always
gives the same key (an event seen twice is sent once)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from controllers.notifications.controller import _service_id
from controllers.notifications.events import Place, event_of
from zaneops.specs import Condition, ConditionStatus, Status
from zaneops.specs.kinds import Kind
from zaneops.specs.notifications import EventType
from zaneops.specs.objects import StoredObject

PLACE = Place(
    project_id=uuid.uuid4(),
    project="shop",
    environment="production",
    service_id=uuid.uuid4(),
    service="web",
)
BASE = "https://zane.example.test"
WHEN = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def row(
    kind: Kind, spec: dict[str, Any], conditions: list[Condition], **details: Any
) -> StoredObject:
    now = datetime.now(UTC)
    return StoredObject(
        kind=kind,
        id=uuid.uuid4(),
        spec=spec,
        generation=1,
        status=Status(conditions=conditions, details=details),
        finalizers=(),
        deleted_at=None,
        created_at=now,
        updated_at=now,
        parent_id=PLACE.service_id,
    )


def said(type_: str, status: ConditionStatus, message: str = "") -> Condition:
    return Condition(
        type=type_, status=status, reason="R", message=message, last_transition_time=WHEN
    )


def deployment(
    phase: str, *, git: bool = False, image: str | None = "img", **spec: Any
) -> StoredObject:
    source = {"type": "git"} if git else {"type": "image"}
    body = {"service_spec": {"source": source}, "image": image, "trigger": "deploy", **spec}
    ok = ConditionStatus.TRUE if phase == "HEALTHY" else ConditionStatus.FALSE
    message = "exited with code 3\nlast log lines:\nboom"
    return row(Kind.DEPLOYMENTS, body, [said("Deployed", ok, message)], phase=phase)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (deployment("FAILED"), EventType.DEPLOYMENT_FAILED),
        (deployment("FAILED", git=True, image=None), EventType.BUILD_FAILED),
        (deployment("FAILED", git=True), EventType.DEPLOYMENT_FAILED),
        (deployment("HEALTHY"), EventType.DEPLOYMENT_SUCCEEDED),
        (deployment("HEALTHY", trigger="rollback"), EventType.DEPLOYMENT_ROLLED_BACK),
        (deployment("STARTING"), None),
        (deployment("REMOVED"), None),
        (deployment("CANCELLED"), None),
    ],
)
def test_a_deployment_tells_of_its_end(given: StoredObject, expected: EventType | None) -> None:
    event = event_of(given, PLACE, BASE)
    assert (event.type if event else None) == expected


def test_a_failure_names_the_service_says_why_without_log_lines_and_links_to_it() -> None:
    event = event_of(deployment("FAILED"), PLACE, BASE)
    assert event is not None
    assert event.title == "Deployment failed: shop/production/web"
    assert "exited with code 3" in event.text and "boom" not in event.text
    assert event.link == f"{BASE}/services/{PLACE.service_id}/deployments"
    assert event.occurred_at == WHEN  # when it failed, not when its status was last written


def test_the_same_status_gives_the_same_key_and_no_dashboard_means_no_link() -> None:
    failed = deployment("FAILED")
    first, second = event_of(failed, PLACE, ""), event_of(failed, PLACE, "")
    assert first is not None and second is not None
    assert first.key == second.key and first.link is None


def service(available: ConditionStatus, current: str | None, target: str | None) -> StoredObject:
    details = {
        "current_deployment_id": current,
        "target_deployment_id": target,
        "desired_replicas": 1,
    }
    return row(Kind.SERVICES, {}, [said("Available", available, "0/1 replicas running")], **details)


@pytest.mark.parametrize(
    ("given", "tells"),
    [
        (service(ConditionStatus.FALSE, "d1", "d1"), True),
        (service(ConditionStatus.TRUE, "d1", "d1"), False),
        (service(ConditionStatus.FALSE, "d1", "d2"), False),  # a deployment under way
        (service(ConditionStatus.FALSE, None, "d1"), False),  # never ran yet
    ],
)
def test_a_service_is_down_only_when_its_live_deployment_stops(
    given: StoredObject, tells: bool
) -> None:
    event = event_of(given, PLACE, BASE)
    assert (event is not None) == tells
    if event is not None:
        assert (
            event.group == f"service:{given.id}:unavailable"
            and event.type.value == "service.unavailable"
        )


def test_each_time_a_service_goes_down_is_its_own_key_in_one_group() -> None:
    down = service(ConditionStatus.FALSE, "d1", "d1")
    later = said("Available", ConditionStatus.FALSE, "again").model_copy(
        update={"last_transition_time": WHEN + timedelta(seconds=5)}
    )
    again = replace(down, status=Status(conditions=[later], details=down.status.details))
    first, second = event_of(down, PLACE, BASE), event_of(again, PLACE, BASE)
    assert first is not None and second is not None
    assert first.key != second.key and first.group == second.group


def test_backups_and_scheduled_jobs_tell_of_failures_only() -> None:
    failed = row(
        Kind.BACKUPS,
        {"service_id": str(PLACE.service_id)},
        [said("Verified", ConditionStatus.FALSE, "disk full")],
        phase="FAILED",
    )
    verified = row(Kind.BACKUPS, {"service_id": str(PLACE.service_id)}, [], phase="VERIFIED")
    job = row(
        Kind.RUNS,
        {"cron_job": "nightly"},
        [said("Completed", ConditionStatus.FALSE, "exit 2")],
        phase="FAILED",
        exit_code=2,
    )
    by_hand = row(Kind.RUNS, {"cron_job": None}, [], phase="FAILED")
    backup_event, job_event = event_of(failed, PLACE, BASE), event_of(job, PLACE, BASE)
    assert backup_event is not None and backup_event.type is EventType.BACKUP_FAILED
    assert "disk full" in backup_event.text
    assert job_event is not None and job_event.type is EventType.JOB_FAILED
    assert "nightly" in job_event.title and "code 2" in job_event.text
    assert event_of(verified, PLACE, BASE) is None and event_of(by_hand, PLACE, BASE) is None


def domain(certificate: Condition | None, **spec: Any) -> StoredObject:
    body = {"domain": "shop.example.com", "target": {"service_id": str(PLACE.service_id)}, **spec}
    return row(Kind.DOMAINS, body, [certificate] if certificate else [])


def certificate(status: ConditionStatus, reason: str, message: str = "") -> Condition:
    return Condition(
        type="Certificate",
        status=status,
        reason=reason,
        message=message,
        last_transition_time=WHEN,
    )


def test_a_certificate_that_cannot_be_issued_is_told_once_per_failing_spell() -> None:
    """Certificate False/IssueFailed → certificate.failed, keyed by when the spell began, with
    Caddy's reason, linking to the service's domains."""
    refused = "dial tcp 127.0.0.1:1: connect: connection refused"
    given = domain(certificate(ConditionStatus.FALSE, "IssueFailed", refused))
    event = event_of(given, PLACE, BASE)
    assert event is not None
    assert event.type is EventType.CERTIFICATE_FAILED
    assert event.key == f"certificate:{given.id}:failed:{WHEN.isoformat()}"
    assert event.title == "Certificate cannot be issued: shop.example.com"
    assert refused in event.text
    assert event.link == f"{BASE}/services/{PLACE.service_id}/domains"
    assert (event.service_id, event.subject_id, event.occurred_at) == (
        PLACE.service_id,
        given.id,
        WHEN,
    )
    later = certificate(ConditionStatus.FALSE, "IssueFailed", "another reason")
    assert event_of(domain(later), PLACE, BASE) is not None
    again = event_of(replace(given, updated_at=WHEN + timedelta(hours=1)), PLACE, BASE)
    assert again is not None and again.key == event.key


@pytest.mark.parametrize(
    "condition",
    [
        None,
        certificate(ConditionStatus.TRUE, "Issued"),
        certificate(ConditionStatus.FALSE, "Expired", "the uploaded certificate expired"),
        certificate(ConditionStatus.TRUE, "Valid"),
        certificate(ConditionStatus.FALSE, "HttpsOff"),
    ],
)
def test_a_domain_tells_nothing_unless_issuance_failed(condition: Condition | None) -> None:
    """An issued certificate, or an uploaded one's state (expired included: its own warning
    comes from the status), is no certificate.failed event."""
    assert event_of(domain(condition), PLACE, BASE) is None


def test_a_domain_belongs_to_the_service_it_sends_traffic_to_and_a_redirect_to_none() -> None:
    assert _service_id(domain(None)) == PLACE.service_id
    redirect = domain(None, target=None, redirect={"url": "https://x.org", "permanent": True})
    assert _service_id(redirect) is None
    assert _service_id(domain(None, target={"service_id": "not-a-uuid"})) is None
