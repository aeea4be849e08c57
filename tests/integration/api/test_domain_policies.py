"""A domain's edge policies through the real API: passwords hashed before they are stored
and never shown, a masked one kept, and each policy's bad input refused at its field."""

from __future__ import annotations

import uuid
from typing import Any

import bcrypt
import httpx
import pytest

from tests.integration.api.helpers import body, service
from tests.support.certificates import self_signed
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.common.secrets import MASK, is_sealed
from zaneops.specs.kinds import Kind


async def domain_of(admin: httpx.AsyncClient, **policies: Any) -> tuple[dict[str, Any], str]:
    web = await service(admin)
    spec = {
        "domain": f"d{uuid.uuid4().hex[:6]}.example.com",
        "target": {"service_id": web["id"], "port": 80},
        **policies,
    }
    answer = await admin.post(f"/environments/{web['parent_id']}/domains", json=spec)
    return answer.json(), web["parent_id"]


async def stored_password(store: PostgresStore, domain_id: str, index: int = 0) -> str:
    row = await store.get(Kind.DOMAINS, uuid.UUID(domain_id))
    assert row is not None
    return str(row.spec["basic_auth"][index]["password"])


async def test_a_password_is_stored_hashed_shown_masked_and_kept_when_sent_back_masked(
    admin: httpx.AsyncClient, store: PostgresStore
) -> None:
    users = [{"username": "preview", "password": "correct horse"}]
    created, _ = await domain_of(admin, basic_auth=users)
    assert created["spec"]["basic_auth"] == [{"username": "preview", "password": MASK}]
    hashed = await stored_password(store, created["id"])
    assert bcrypt.checkpw(b"correct horse", hashed.encode())
    again = created["spec"] | {"maintenance": True}  # the masked spec, sent back as read
    headers = {"If-Match": f'"{created["generation"]}"'}
    replaced = body(await admin.put(f"/domains/{created['id']}", json=again, headers=headers), 200)
    assert replaced["spec"]["maintenance"] is True
    assert await stored_password(store, created["id"]) == hashed
    renewed = replaced["spec"] | {"basic_auth": [{"username": "preview", "password": "new one"}]}
    headers = {"If-Match": f'"{replaced["generation"]}"'}
    body(await admin.put(f"/domains/{created['id']}", json=renewed, headers=headers), 200)
    assert bcrypt.checkpw(b"new one", (await stored_password(store, created["id"])).encode())


BAD_POLICIES: list[tuple[dict[str, Any], str, str]] = [
    ({"allow_networks": ["10.0.0.5/8"]}, "allow_networks.0", "did you mean 10.0.0.0/8"),
    ({"deny_networks": ["not-an-ip"]}, "deny_networks.0", "not an IP address"),
    (
        {"basic_auth": [{"username": "a", "password": ""}]},
        "basic_auth.0.password",
        "must not be empty",
    ),
    (
        {"basic_auth": [{"username": "a:b", "password": "x"}]},
        "basic_auth.0.username",
        "no ':'",
    ),
    (
        {"basic_auth": [{"username": "a", "password": MASK}]},
        "basic_auth.0.password",
        "no password is stored",
    ),
    (
        {
            "basic_auth": [
                {"username": "a", "password": bcrypt.hashpw(b"x", bcrypt.gensalt(4)).decode()}
            ]
        },
        "basic_auth.0.password",
        "send the password itself",
    ),
    ({"response_headers": {"X Bad": "v"}}, "response_headers.X Bad.[key]", "spaces"),
    (
        {"response_headers": {"Content-Length": "1"}},
        "response_headers.Content-Length.[key]",
        "proxy",
    ),
    ({"response_headers": {"X-A": "line\r\nbreak"}}, "response_headers.X-A", "line breaks"),
    ({"max_body_size": "1"}, "max_body_size", "between 1Ki and 10Gi"),
    ({"redirect_www": True, "base_path": "/api"}, "", "whole host"),
]


@pytest.mark.parametrize(("policies", "field", "reason"), BAD_POLICIES)
async def test_each_policys_bad_input_is_refused_at_its_field(
    admin: httpx.AsyncClient, policies: dict[str, Any], field: str, reason: str
) -> None:
    answer, environment_id = await domain_of(admin, **policies)
    assert answer.get("code") == "invalid_input", answer
    errors = {error["field"]: error["reason"] for error in answer["errors"]}
    assert field in errors, errors
    assert reason in errors[field]
    listed = body(await admin.get(f"/environments/{environment_id}/domains"), 200)
    assert listed["items"] == []  # nothing half-made


async def test_a_certificate_key_is_stored_sealed_shown_masked_and_checked_against_the_domain(
    admin: httpx.AsyncClient, store: PostgresStore
) -> None:
    web = await service(admin)
    host = f"c{uuid.uuid4().hex[:6]}.example.com"
    chain, key = self_signed(host)
    spec = {
        "domain": host,
        "target": {"service_id": web["id"], "port": 80},
        "certificate": {"certificate": chain, "private_key": key},
    }
    created = body(await admin.post(f"/environments/{web['parent_id']}/domains", json=spec), 201)
    assert created["spec"]["certificate"] == {"certificate": chain, "private_key": MASK}
    row = await store.get(Kind.DOMAINS, uuid.UUID(created["id"]))
    assert row is not None and is_sealed(row.spec["certificate"]["private_key"])
    assert key not in str(row.spec)

    other_chain, _ = self_signed(host)  # a new certificate, sent with the old key masked
    kept_key = created["spec"] | {"certificate": {"certificate": other_chain, "private_key": MASK}}
    headers = {"If-Match": f'"{created["generation"]}"'}
    refused = await admin.put(f"/domains/{created['id']}", json=kept_key, headers=headers)
    said = {e["field"]: e["reason"] for e in refused.json()["errors"]}
    assert "not the certificate's" in said["certificate.private_key"]


CERTIFICATE_PROBLEMS: list[tuple[str, str, str]] = [
    ("elsewhere", "certificate.certificate", "not HOST"),
    ("expired", "certificate.certificate", "expired on"),
    ("mismatch", "certificate.private_key", "not the certificate's"),
    ("garbage", "certificate.certificate", "does not parse"),
]


@pytest.mark.parametrize(("case", "field", "reason"), CERTIFICATE_PROBLEMS)
async def test_a_certificate_that_cannot_serve_the_domain_is_refused_at_its_field(
    admin: httpx.AsyncClient, case: str, field: str, reason: str
) -> None:
    web = await service(admin)
    host = f"c{uuid.uuid4().hex[:6]}.example.com"
    chain, key = self_signed(host)
    if case == "elsewhere":
        chain, key = self_signed("other.example.com")
    elif case == "expired":
        chain, key = self_signed(host, valid_days=5, started_days_ago=10)
    elif case == "mismatch":
        key = self_signed(host)[1]
    elif case == "garbage":
        chain = "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n"
    spec = {
        "domain": host,
        "target": {"service_id": web["id"], "port": 80},
        "certificate": {"certificate": chain, "private_key": key},
    }
    answer = await admin.post(f"/environments/{web['parent_id']}/domains", json=spec)
    said = {e["field"]: e["reason"] for e in body(answer, 422)["errors"]}
    assert reason.replace("HOST", host) in said[field], said
