"""Schemathesis over the OpenAPI document, authenticated: no input makes the API fail (5xx)."""

from __future__ import annotations

import contextlib
from collections import Counter
from dataclasses import dataclass, field

import httpx
import hypothesis
import hypothesis.errors
import psycopg
import pytest
import redis
import schemathesis
from hypothesis import HealthCheck, Phase, given
from schemathesis import GenerationMode

from tests.support.api import RunningApi, api_settings, bearer_token, serving_in_thread

# Bounded: a few examples per operation and mode keep the whole run well under a minute.
FUZZ_SETTINGS = hypothesis.settings(
    max_examples=6,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def _seed(api: RunningApi, token: str) -> None:
    """Some real objects, so generated requests do not all stop at 404."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=api.base_url + "/api/v1", headers=headers) as client:
        project = client.post("/projects", json={"slug": "seed", "name": "Seed"}).json()
        env = client.post(f"/projects/{project['id']}/environments", json={"slug": "prod"}).json()
        service = {"slug": "web", "source": {"type": "image", "image": "busybox"}}
        created = client.post(f"/environments/{env['id']}/services", json=service).json()
        client.post(f"/services/{created['id']}/deploy").raise_for_status()


@dataclass
class Fuzzer:
    base_url: str
    headers: dict[str, str]
    failures: list[str] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)

    def fuzz(self, operation: schemathesis.APIOperation, mode: GenerationMode) -> None:
        @FUZZ_SETTINGS
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case: schemathesis.Case) -> None:
            try:
                response = case.call(base_url=self.base_url, headers=self.headers, timeout=10)
            except ValueError:  # e.g. "Invalid IPv6 URL": the client cannot even build it
                hypothesis.reject()
            self.statuses[response.status_code] += 1
            if response.status_code >= 500:
                self.failures.append(
                    f"{operation.label} [{mode.value}]: {response.status_code} "
                    f"{response.text[:200]} <- {case.as_curl_command()}"
                )

        # Unsatisfiable: nothing to make invalid (no parameters); the positive run covered it.
        with contextlib.suppress(hypothesis.errors.Unsatisfiable):
            run()


@pytest.mark.timeout(240)
def test_fuzzing_the_openapi_document_finds_no_server_error(database_url: str) -> None:
    """Positive and negative examples of every operation: all answered without a 5xx."""
    with serving_in_thread(api_settings(database_url)) as api:
        token = bearer_token(api)
        _seed(api, token)
        schema = schemathesis.openapi.from_url(api.base_url + "/api/v1/openapi.json")
        # Following a log stream never ends by design; its page twin is fuzzed instead.
        schema = schema.exclude(path_regex="/follow$")
        fuzzer = Fuzzer(api.base_url, {"Authorization": f"Bearer {token}"})
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) > 40
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                fuzzer.fuzz(operation, mode)
    assert fuzzer.failures == []
    # It did reach the handlers: many requests, some accepted, not only refusals.
    assert fuzzer.statuses.total() > 300
    accepted = sum(n for status, n in fuzzer.statuses.items() if status < 300)
    assert accepted > 30, fuzzer.statuses


def _back_to_the_first_state(api: RunningApi, database_url: str) -> None:
    """Every sequence starts from the same rows: what a step reads (a list of sessions, of
    tokens) feeds what the next draws, so state left by an earlier sequence would make
    hypothesis see the same choices lead elsewhere (FlakyStrategyDefinition)."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        # Specs too (projects, services, runs, ...): a slug taken or a run limit reached by
        # an earlier sequence would answer 409 or 429 where the first answered 201.
        tables = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename NOT IN ('zane_users', 'zane_leases', 'alembic_version')"
        ).fetchall()
        names = ", ".join(f'"{name}"' for (name,) in tables)
        conn.execute(f"TRUNCATE {names} CASCADE")  # type: ignore[arg-type]  # names from pg
    # Sessions and rate limits live in Redis, under this API's own prefix.
    with redis.Redis.from_url(api.installation.redis_url) as keys:
        for key in keys.scan_iter(match=api.settings.redis_prefix + "*"):
            keys.delete(key)


@pytest.mark.timeout(300)
def test_link_following_sequences_find_no_server_error(database_url: str) -> None:
    """Stateful: schemathesis chains calls (create a project, then its environments, their
    services, a deploy, ...) from what the API answers, into sequences; none gets a 5xx."""
    with serving_in_thread(api_settings(database_url)) as api:
        schema = schemathesis.openapi.from_url(api.base_url + "/api/v1/openapi.json")
        schema = schema.exclude(path_regex="/follow$")
        machine = schema.as_state_machine()
        statuses: Counter[int] = Counter()
        failures: list[str] = []
        steps: Counter[str] = Counter()

        class Authenticated(machine):  # type: ignore[misc, valid-type]
            token = ""

            def setup(self) -> None:
                _back_to_the_first_state(api, database_url)
                self.token = bearer_token(api)

            def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, object]:
                headers = {"Authorization": f"Bearer {self.token}"}
                return {"base_url": api.base_url, "headers": headers, "timeout": 10}

            def validate_response(
                self, response: object, case: schemathesis.Case, **_: object
            ) -> None:
                status = int(getattr(response, "status_code", 0))
                statuses[status] += 1
                if status < 300 and "{" in case.operation.path:  # an id a step before made
                    steps[case.operation.label] += 1
                if status >= 500:
                    failures.append(f"{case.operation.label}: {status} <- {case.as_curl_command()}")

        Authenticated.run(
            settings=hypothesis.settings(
                max_examples=100,
                stateful_step_count=8,
                derandomize=True,  # the same sequences each run: a failure is reproducible
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
        )
    assert failures == []
    # It did follow links: operations on an object's path id succeeded, with ids earlier
    # steps had made (random ones would all be 404s).
    assert statuses.total() > 60, statuses
    assert sum(steps.values()) >= 1, (steps, statuses)
