"""Caddy's certificate log → the Certificate condition of the domains serving each host: which
lines count, which rows they reach, what must never be written over, and how seldom a host
failing at every handshake writes its rows."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from controllers.routes.access_logs import FileTail
from controllers.routes.certificate_state import CERTIFICATE, condition_of
from controllers.routes.controller import _with_certificate
from controllers.routes.entries import Certificate, RouteEntry, Upstream
from controllers.routes.issuance import (
    ISSUE_FAILED,
    ISSUED,
    REWRITE_AFTER_SECONDS,
    IssuanceConditions,
    IssuanceWatcher,
    rows_serving,
    with_issuance,
)
from controllers.routes.tls_log import MAX_LINE_BYTES, MAX_REASON, IssuanceOutcome, parse_tls_line
from tests.support.fake_caddy import StoreDomainRows
from zaneops.runtime.testing import InMemoryStore
from zaneops.specs.kinds import Kind
from zaneops.specs.status import Condition, ConditionStatus, Status

# As Caddy 2.6.2 (Debian's) wrote them when its ACME CA could not be reached.
REFUSED = (
    "registering account [] with server: provisioning client: performing request: Get "
    '"https://127.0.0.1:1/directory": dial tcp 127.0.0.1:1: connect: connection refused'
)
FAILED_LINE = json.dumps(
    {
        "level": "error",
        "ts": 1796645627.83,
        "logger": "tls.obtain",
        "msg": "could not get certificate from issuer",
        "identifier": "fail.example.com",
        "issuer": "127.0.0.1:1-directory",
        "error": REFUSED,
    }
).encode()
WILL_RETRY_LINE = json.dumps(
    {
        "level": "error",
        "logger": "tls.obtain",
        "msg": "will retry",
        "error": f"[fail.example.com] Obtain: {REFUSED}",
        "attempt": 1,
        "retrying_in": 60,
    }
).encode()
OBTAINED_LINE = json.dumps(
    {
        "level": "info",
        "logger": "tls.obtain",
        "msg": "certificate obtained successfully",
        "identifier": "fail.example.com",
    }
).encode()


def line(**fields: Any) -> bytes:
    return json.dumps(fields).encode()


def entry(host: str, row_id: uuid.UUID | None = None, **extra: Any) -> RouteEntry:
    return RouteEntry(row_id or uuid.uuid4(), host, "/", False, Upstream("srv:80"), **extra)


# --- lines ------------------------------------------------------------------------------------


def test_a_failed_attempt_gives_the_host_and_caddys_error() -> None:
    assert parse_tls_line(FAILED_LINE) == IssuanceOutcome("fail.example.com", False, REFUSED)


def test_a_certificate_obtained_or_renewed_is_an_issuance() -> None:
    assert parse_tls_line(OBTAINED_LINE) == IssuanceOutcome("fail.example.com", True)
    renewed = line(logger="tls.renew", msg="certificate renewed successfully", identifier="a.io")
    assert parse_tls_line(renewed) == IssuanceOutcome("a.io", True)


def test_a_cas_complaint_is_a_failure_with_its_problem() -> None:
    complaint = line(
        level="error",
        logger="tls.issuance.acme.acme_client",
        msg="challenge failed",
        identifier="A.Example.com",
        problem={"type": "urn:ietf:params:acme:error:dns", "detail": "NXDOMAIN looking up A"},
    )
    outcome = parse_tls_line(complaint)
    assert outcome == IssuanceOutcome(
        "a.example.com", False, "challenge failed: NXDOMAIN looking up A"
    )


def test_lines_that_say_no_outcome_for_a_host_are_skipped() -> None:
    """The retry notice (no identifier), progress at INFO, other loggers, torn or odd JSON."""
    skipped = [
        WILL_RETRY_LINE,
        line(level="info", logger="tls.obtain", msg="obtaining certificate", identifier="a.io"),
        line(
            level="info",
            logger="tls.issuance.acme",
            msg="waiting on internal rate limiter",
            identifier="a.io",
        ),
        line(level="error", logger="http.log.error", msg=FAILED_LINE.decode(), identifier="a.io"),
        line(level="error", logger="tls.obtain", msg="could not get certificate from issuer"),
        FAILED_LINE[:40],
        b"not json at all",
        b"[1, 2, 3]",
        b'"a string"',
        line(logger=["tls.obtain"], msg="certificate obtained successfully", identifier="a.io"),
    ]
    assert [parse_tls_line(raw) for raw in skipped] == [None] * len(skipped)


def test_a_huge_line_is_skipped_unread() -> None:
    padded = line(
        level="error",
        logger="tls.obtain",
        msg="could not get certificate from issuer",
        identifier="a.io",
        error="x" * MAX_LINE_BYTES,
    )
    assert parse_tls_line(padded) is None


def test_a_host_that_is_no_host_name_is_skipped() -> None:
    """The identifier picks rows: anything but a plain name (an address, a path) is refused."""
    for odd in ["a.io/../x", "a io", "<script>", "x" * 300, "", "a.io\nb.io"]:
        raw = line(logger="tls.obtain", msg="certificate obtained successfully", identifier=odd)
        assert parse_tls_line(raw) is None, odd


def test_caddys_error_is_kept_as_one_line_of_bounded_text() -> None:
    raw = line(
        level="error",
        logger="tls.obtain",
        msg="could not get certificate from issuer",
        identifier="a.io",
        error="first\nsecond\x1b[31m\t" + "y" * 2000,
    )
    outcome = parse_tls_line(raw)
    assert outcome is not None
    assert outcome.reason.startswith("first second [31m y")
    assert len(outcome.reason) == MAX_REASON
    assert all(ord(char) >= 32 for char in outcome.reason)


# --- rows and conditions ----------------------------------------------------------------------


def test_a_hosts_rows_are_those_of_its_exact_host_never_a_wildcard_s_nor_uploaded() -> None:
    exact, other_path, wildcard = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    uploaded = Certificate("chain", "key", datetime.now(UTC) + timedelta(days=30))
    routes = [
        entry("a.example.com", exact),
        entry("a.example.com", other_path),
        entry("*.example.com", wildcard),
        entry("up.example.com", certificate=uploaded),
    ]
    assert rows_serving(routes, "a.example.com") == {exact, other_path}
    # Anyone may make the proxy try a name under a wildcard: its failure is not the row's.
    assert rows_serving(routes, "b.example.com") == set()
    assert rows_serving(routes, "up.example.com") == set()
    assert rows_serving(routes, "nobody.org") == set()


def failed(message: str = REFUSED) -> Condition:
    return Condition(
        type=CERTIFICATE, status=ConditionStatus.FALSE, reason=ISSUE_FAILED, message=message
    )


def issued() -> Condition:
    return Condition(type=CERTIFICATE, status=ConditionStatus.TRUE, reason=ISSUED)


def test_an_uploaded_certificates_condition_is_never_written_over() -> None:
    now = datetime.now(UTC)
    uploaded = Status().with_condition(condition_of(now - timedelta(days=1), now))
    assert with_issuance(uploaded, failed()) is None


def test_issued_only_ends_a_failing_spell_and_the_same_failure_is_not_rewritten() -> None:
    assert with_issuance(Status(), issued()) is None  # never failed: nothing to say
    failing = with_issuance(Status(), failed())
    assert failing is not None and failing.condition(CERTIFICATE) is not None
    assert with_issuance(failing, failed()) is None
    recovered = with_issuance(failing, issued())
    assert recovered is not None
    condition = recovered.condition(CERTIFICATE)
    assert condition is not None and condition.status is ConditionStatus.TRUE


def test_a_load_keeps_the_issuance_condition_but_drops_it_once_https_is_off() -> None:
    """The routes controller rewrites Certificate after each load: without an uploaded
    certificate, what issuance said stays."""
    failing = Status().with_condition(failed())
    now = datetime.now(UTC)
    kept = _with_certificate(failing, None, now, https=True)
    assert kept.condition(CERTIFICATE) == failing.condition(CERTIFICATE)
    assert _with_certificate(failing, None, now, https=False).condition(CERTIFICATE) is None
    uploaded = _with_certificate(failing, now + timedelta(days=90), now, https=True)
    replaced = uploaded.condition(CERTIFICATE)
    assert replaced is not None and replaced.reason == "Valid"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_host_failing_at_every_handshake_is_written_once_a_minute_at_most() -> None:
    clock, row_id = Clock(), uuid.uuid4()
    conditions = IssuanceConditions(clock)
    routes = [entry("a.io", row_id)]
    conditions.observe([IssuanceOutcome("a.io", False, "first")], routes)
    first = conditions.due()
    assert list(first) == [row_id]
    conditions.written(first)
    for attempt in range(100):
        conditions.observe([IssuanceOutcome("a.io", False, f"again {attempt}")], routes)
        assert conditions.due() == {}
    clock.now += REWRITE_AFTER_SECONDS
    assert conditions.due()[row_id].message == "again 99"


def test_a_change_of_state_is_written_at_once() -> None:
    clock, row_id = Clock(), uuid.uuid4()
    conditions = IssuanceConditions(clock)
    routes = [entry("a.io", row_id)]
    conditions.observe([IssuanceOutcome("a.io", False, "no")], routes)
    conditions.written(conditions.due())
    conditions.observe([IssuanceOutcome("a.io", True)], routes)
    assert conditions.due()[row_id].reason == ISSUED


# --- the watcher over a file ------------------------------------------------------------------


class MemoryCursor:
    def __init__(self) -> None:
        self.value: str | None = None

    async def get(self) -> str | None:
        return self.value

    async def set(self, value: str) -> None:
        self.value = value


class CountingRows(StoreDomainRows):
    def __init__(self, store: InMemoryStore) -> None:
        super().__init__(store)
        self.writes = 0

    async def write_statuses(
        self, written: Sequence[tuple[uuid.UUID, int, Status]]
    ) -> set[uuid.UUID]:
        self.writes += 1
        return await super().write_statuses(written)


async def certificate_of(store: InMemoryStore, row_id: uuid.UUID) -> Condition | None:
    row = await store.get(Kind.DOMAINS, row_id)
    return row.status.condition(CERTIFICATE) if row else None


async def failing_domain(store: InMemoryStore) -> tuple[Any, tuple[RouteEntry, ...]]:
    """A domain row of fail.example.com, and the routes loaded for it."""
    project = await store.create(Kind.PROJECTS, {"slug": "p", "name": "P"})
    environment = await store.create(Kind.ENVIRONMENTS, {"slug": "prod"}, project.id)
    row = await store.create(Kind.DOMAINS, {"domain": "fail.example.com"}, environment.id)
    return row, (entry("fail.example.com", row.id),)


async def test_the_watcher_writes_a_failure_then_the_issuance_and_resumes_at_its_cursor(
    tmp_path: Path,
) -> None:
    store = InMemoryStore()
    row, routes = await failing_domain(store)
    log, cursor, rows = tmp_path / "tls.log", MemoryCursor(), CountingRows(store)
    log.write_bytes(b"")

    def watcher() -> IssuanceWatcher:
        return IssuanceWatcher(FileTail(str(log)), cursor, rows, lambda: routes, lambda: True)

    first = watcher()
    await first.step()  # placed at the file's end
    with log.open("ab") as out:
        out.write(FAILED_LINE + b"\n" + WILL_RETRY_LINE + b"\n" + b"{torn\n" + FAILED_LINE + b"\n")
    await first.step()
    failing = await certificate_of(store, row.id)
    assert failing is not None
    assert (failing.status, failing.reason, failing.message) == ("False", ISSUE_FAILED, REFUSED)
    assert rows.writes == 1

    restarted = watcher()  # a new leader: from the stored cursor, the failure is not read again
    await restarted.step()
    assert rows.writes == 1
    with log.open("ab") as out:
        out.write(OBTAINED_LINE + b"\n")
    await restarted.step()
    recovered = await certificate_of(store, row.id)
    assert recovered is not None and (recovered.status, recovered.reason) == ("True", ISSUED)


async def test_a_follower_or_a_replica_with_no_routes_yet_reads_nothing(tmp_path: Path) -> None:
    log, cursor = tmp_path / "tls.log", MemoryCursor()
    log.write_bytes(FAILED_LINE + b"\n")
    rows = CountingRows(InMemoryStore())
    follower = IssuanceWatcher(FileTail(str(log)), cursor, rows, lambda: (), lambda: False)
    starting = IssuanceWatcher(FileTail(str(log)), cursor, rows, lambda: None, lambda: True)
    await follower.step()
    await starting.step()
    assert cursor.value is None and rows.writes == 0


async def test_a_leader_deposed_while_reading_neither_writes_nor_moves_the_cursor(
    tmp_path: Path,
) -> None:
    store = InMemoryStore()
    _, routes = await failing_domain(store)
    log, cursor, rows = tmp_path / "tls.log", MemoryCursor(), CountingRows(store)
    log.write_bytes(b"")
    answers = iter([True, True, True, False, False])  # leader at the start; deposed after
    deposed = IssuanceWatcher(
        FileTail(str(log)), cursor, rows, lambda: routes, lambda: next(answers, False)
    )
    await deposed.step()  # placed at the file's end, the cursor stored
    placed = cursor.value
    with log.open("ab") as out:
        out.write(FAILED_LINE + b"\n")
    await deposed.step()
    assert rows.writes == 0 and cursor.value == placed  # the new leader reads the line again
