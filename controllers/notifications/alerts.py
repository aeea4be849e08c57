"""Metric alerts, decided purely: what to ask Prometheus for each alert of a service (its share
of the limit, the lowest over the alert's minutes: above means above the whole time), and the
events said when it goes above and when it comes back under."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from zaneops.specs import ServiceSpec
from zaneops.specs.alerts import MetricAlert
from zaneops.specs.notifications import Event, EventType

from .events import Place

STEP = "15s"
SAMPLES_PER_MINUTE = 4


@dataclass(frozen=True)
class AlertCheck:
    service_id: UUID
    alert: MetricAlert
    limit: float  # of all its containers together: each one's limit times the replicas

    @property
    def prefix(self) -> str:
        """Every message of this alert's spells starts with it."""
        return f"alert:{self.service_id}:{self.alert.metric}:{self.alert.above_percent}"

    def _share(self) -> str:
        sel = f'{{service_id="{self.service_id}"}}'  # a UUID: the only value in the query
        used = (
            f"sum(rate(zane_container_cpu_seconds_total{sel}[1m]))"
            if self.alert.metric == "cpu"
            else f"sum(zane_container_memory_bytes{sel})"
        )
        return f"({used} / {self.limit:g} * 100)"

    def above_query(self) -> str:
        """The lowest share over the alert's minutes, once they are all measured (a minute of
        samples is not five minutes above): above the threshold the whole time."""
        window = f"[{self.alert.for_minutes}m:{STEP}]"
        measured = self.alert.for_minutes * SAMPLES_PER_MINUTE - 1
        return (
            f"min_over_time({self._share()}{window})"
            f" and on() (count_over_time({self._share()}{window}) >= {measured})"
        )

    def now_query(self) -> str:
        """The share over the last minute: back under once this is."""
        return f"avg_over_time({self._share()}[1m:{STEP}])"


def checks_of(service_id: UUID, spec: ServiceSpec) -> list[AlertCheck]:
    replicas = max(1, spec.replicas)
    checks = []
    for alert in spec.alerts:
        each = (
            spec.resources.cpu_limit or 1.0
            if alert.metric == "cpu"
            else spec.resources.memory_limit
        )
        if each:
            checks.append(AlertCheck(service_id, alert, float(each) * replicas))
    return checks


def _what(check: AlertCheck) -> str:
    return "CPU" if check.alert.metric == "cpu" else "Memory"


def above_event(
    check: AlertCheck, place: Place, share: float, fired_at: datetime, base: str
) -> Event:
    alert = check.alert
    return Event(
        type=EventType.METRIC_ABOVE,
        key=f"{check.prefix}:above:{fired_at.astimezone(UTC).isoformat()}",
        title=f"{_what(check)} above {alert.above_percent} %: {place.path}"[:200],
        text=(
            f"{place.service} used at least {share:.0f} % of its {alert.metric} limit for "
            f"{alert.for_minutes} min (the alert is above {alert.above_percent} %)."
        ),
        link=f"{base.rstrip('/')}/services/{place.service_id}/metrics" if base else None,
        project_id=place.project_id,
        service_id=place.service_id,
        occurred_at=fired_at,
    )


def recovered_event(
    check: AlertCheck,
    place: Place,
    share: float | None,
    fired_at: datetime,
    *,
    now: datetime,
    base: str,
) -> Event:
    alert = check.alert
    under = f"{share:.0f} %" if share is not None else "nothing measured"
    return Event(
        type=EventType.METRIC_RECOVERED,
        key=f"{check.prefix}:recovered:{fired_at.astimezone(UTC).isoformat()}",
        title=f"{_what(check)} back under {alert.above_percent} %: {place.path}"[:200],
        text=f"{place.service} is back under its alert: {under} of its {alert.metric} limit.",
        link=f"{base.rstrip('/')}/services/{place.service_id}/metrics" if base else None,
        project_id=place.project_id,
        service_id=place.service_id,
        occurred_at=now,
    )
