"""A host belongs to the environment that routed it first: found by index, not by scan.

The index must refuse exactly what a scan over every accepted route refuses (the rule as
first written), on any mix of names, wildcards and environments.
"""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from controllers.routes.entries import RouteEntry, Upstream, build_entries
from zaneops.specs.routing import hosts_overlap

HOSTS = ["a.x.com", "b.x.com", "*.x.com", "x.com", "*.a.x.com", "c.a.x.com", "y.com", "*.y.com"]
ENVIRONMENTS = [uuid.UUID(int=1), uuid.UUID(int=2), uuid.UUID(int=3)]


def entry(host: str, environment: uuid.UUID) -> RouteEntry:
    return RouteEntry(uuid.uuid4(), host, "/", False, Upstream("srv:80"), environment)


def refused_by_scan(entries: list[RouteEntry]) -> set[uuid.UUID]:
    """The rule by its definition: refused if an earlier accepted route of another
    environment overlaps its host."""
    accepted: list[RouteEntry] = []
    refused: set[uuid.UUID] = set()
    for candidate in entries:
        if any(
            r.environment_id != candidate.environment_id and hosts_overlap(r.host, candidate.host)
            for r in accepted
        ):
            assert candidate.domain_id is not None
            refused.add(candidate.domain_id)
        else:
            accepted.append(candidate)
    return refused


@given(st.lists(st.tuples(st.sampled_from(HOSTS), st.sampled_from(ENVIRONMENTS)), max_size=12))
def test_the_index_refuses_exactly_what_a_scan_of_every_route_refuses(
    drawn: list[tuple[str, uuid.UUID]],
) -> None:
    entries = [entry(host, environment) for host, environment in drawn]
    built = build_entries({e.domain_id: e for e in entries if e.domain_id}, None)
    assert set(built.rejected) == refused_by_scan(entries)


def test_a_wildcard_over_names_of_two_environments_is_refused_even_if_one_is_its_own() -> None:
    """a.x.com (env 1) and b.x.com (env 2) both stand; *.x.com of env 1 would take b's."""
    first, second = entry("a.x.com", ENVIRONMENTS[0]), entry("b.x.com", ENVIRONMENTS[1])
    wildcard = entry("*.x.com", ENVIRONMENTS[0])
    built = build_entries({e.domain_id: e for e in (first, second, wildcard) if e.domain_id}, None)
    assert list(built.rejected) == [wildcard.domain_id]
    assert "b.x.com is already routed by another environment" in built.rejected[wildcard.domain_id]
