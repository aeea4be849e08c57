"""Metric alerts decided purely: the share of the summed limit, above for the whole window
once it is measured, and one message per spell, above and back under."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from controllers.notifications.alerts import above_event, checks_of, recovered_event
from controllers.notifications.events import Place
from zaneops.specs import ServiceSpec

SERVICE = uuid.uuid4()
PLACE = Place(uuid.uuid4(), "shop", "prod", SERVICE, "web")
FIRED = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


def spec(**extra: object) -> ServiceSpec:
    return ServiceSpec.model_validate(
        {"slug": "web", "source": {"type": "image", "image": "nginx"}, **extra}
    )


def test_each_alert_is_a_share_of_every_replica_s_limit_together() -> None:
    alerts = [
        {"metric": "cpu", "above_percent": 80, "for_minutes": 5},
        {"metric": "memory", "above_percent": 90},
    ]
    found = checks_of(
        SERVICE,
        spec(replicas=3, resources={"cpu_limit": 0.5, "memory_limit": "64Mi"}, alerts=alerts),
    )
    assert [c.limit for c in found] == [1.5, 3 * 64 * 1024 * 1024]
    cpu = found[0].above_query()
    assert f'service_id="{SERVICE}"' in cpu and "[5m:15s]" in cpu and ">= 19" in cpu
    assert "/ 1.5 * 100" in cpu
    no_limit = checks_of(SERVICE, spec(alerts=[alerts[0]]))
    assert no_limit[0].limit == 1.0  # of one core


def test_a_spell_is_told_above_and_back_under_under_keys_of_its_own() -> None:
    (check,) = checks_of(SERVICE, spec(alerts=[{"metric": "cpu", "above_percent": 80}]))
    above = above_event(check, PLACE, 93.4, FIRED, "https://z.test")
    under = recovered_event(check, PLACE, 12.0, FIRED, now=FIRED, base="https://z.test")
    assert above.title == "CPU above 80 %: shop/prod/web" and "93 %" in above.text
    assert under.type.value == "metric.recovered" and "12 %" in under.text
    assert above.key.startswith(check.prefix) and under.key.startswith(check.prefix)
    assert above.key != under.key and above.link == f"https://z.test/services/{SERVICE}/metrics"


def test_a_memory_alert_needs_a_memory_limit_and_an_alert_is_set_once() -> None:
    with pytest.raises(ValidationError, match=r"set resources\.memory_limit"):
        spec(alerts=[{"metric": "memory", "above_percent": 90}])
    with pytest.raises(ValidationError, match="two cpu alerts at 80 %"):
        spec(alerts=[{"metric": "cpu", "above_percent": 80}] * 2)
