"""Uploaded certificates: loaded for their host instead of one on demand while in date, and
what the domain's status says of them as time passes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from controllers.routes.caddy_config import Layout, merge, owned_config, owned_part
from controllers.routes.certificate_state import (
    condition_of,
    seconds_to_next_change,
    state_of,
)
from controllers.routes.entries import Row, build_entries, parse_row
from tests.support.certificates import self_signed
from zaneops.common.secrets import SecretBox, new_key

LAYOUT = Layout(instance="t1", https=True, internal_suffixes=(".localhost",))
NOW = datetime(2026, 12, 7, tzinfo=UTC)
SERVICE = str(uuid.uuid4())


def row(host: str, certificate: dict[str, str] | None = None) -> Row:
    spec: dict[str, object] = {"domain": host, "target": {"service_id": SERVICE, "port": 80}}
    if certificate:
        spec["certificate"] = certificate
    return Row(uuid.uuid4(), 1, spec)


def test_an_uploaded_certificate_is_loaded_and_its_host_left_out_of_on_demand() -> None:
    box = SecretBox(new_key())
    chain, key = self_signed("shop.localhost")
    rows = [
        row("shop.localhost", {"certificate": chain, "private_key": box.seal(key)}),
        row("blog.localhost"),
    ]
    entries = build_entries({r.id: parse_row(r, box.open) for r in rows}, None)
    owned = owned_config(LAYOUT, entries.routes, datetime.now(UTC))
    assert owned.certificates == [
        {"certificate": chain, "key": key, "tags": ["zane-t1-certificate"]}
    ]
    [internal] = owned.policies
    assert internal["subjects"] == ["blog.localhost"]


def test_an_expired_certificate_is_not_loaded_and_its_host_gets_one_on_demand_again() -> None:
    chain, key = self_signed("old.localhost", valid_days=10, started_days_ago=20)
    entries = build_entries(
        {
            r.id: parse_row(r)
            for r in [row("old.localhost", {"certificate": chain, "private_key": key})]
        },
        None,
    )
    owned = owned_config(LAYOUT, entries.routes, datetime.now(UTC))
    assert owned.certificates == []
    assert owned.policies[0]["subjects"] == ["old.localhost"]


def test_a_key_sealed_with_another_key_refuses_the_row_with_the_field() -> None:
    chain, key = self_signed("shop.localhost")
    sealed_elsewhere = SecretBox(new_key()).seal(key)
    parsed = parse_row(
        row("shop.localhost", {"certificate": chain, "private_key": sealed_elsewhere}),
        SecretBox(new_key()).open,
    )
    assert isinstance(parsed, str) and parsed.startswith("certificate.private_key:")


def test_certificates_of_others_are_kept_in_the_merge_and_ours_replaced() -> None:
    chain, key = self_signed("shop.localhost")
    foreign = {"certificate": "theirs", "key": "theirs"}
    current = {"apps": {"tls": {"certificates": {"load_pem": [foreign]}}}}
    entries = build_entries(
        {
            r.id: parse_row(r)
            for r in [row("shop.localhost", {"certificate": chain, "private_key": key})]
        },
        None,
    )
    merged = merge(current, LAYOUT, owned_config(LAYOUT, entries.routes, datetime.now(UTC)))
    loaded = merged["apps"]["tls"]["certificates"]["load_pem"]
    assert foreign in loaded and len(loaded) == 2
    assert len(owned_part(merged, LAYOUT)["certificates"]) == 1


def test_the_status_warns_three_weeks_ahead_and_says_when_it_expired() -> None:
    expires = NOW + timedelta(days=30)
    assert state_of(expires, NOW) == "Valid"
    soon = condition_of(expires, expires - timedelta(days=5))
    assert (soon.reason, soon.status.value) == ("ExpiresSoon", "True")
    assert "in 5 days: upload a renewed one" in soon.message
    gone = condition_of(expires, expires + timedelta(seconds=1))
    assert (gone.reason, gone.status.value) == ("Expired", "False")


def test_the_next_look_is_when_a_certificate_enters_its_warning_time_or_a_day_at_most() -> None:
    assert seconds_to_next_change([], NOW) is None
    in_two_months = NOW + timedelta(days=60)
    assert seconds_to_next_change([in_two_months], NOW) == timedelta(days=1).total_seconds()
    warning_in_an_hour = NOW + timedelta(days=21, hours=1)
    assert seconds_to_next_change([warning_in_an_hour], NOW) == 3600
