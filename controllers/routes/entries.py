"""Live domain rows → route entries: validated, ordered, and checked against the dashboard's."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from pydantic import ValidationError

from zaneops.common.naming import service_alias
from zaneops.specs.routing import DomainSpec


@dataclass(frozen=True)
class Upstream:
    """Traffic goes to host:port; service_id is None for the dashboard's own upstream."""

    dial: str
    service_id: UUID | None = None


@dataclass(frozen=True)
class RedirectTo:
    url: str
    permanent: bool


@dataclass(frozen=True)
class RouteEntry:
    """One host + base path and where it leads; domain_id None is the dashboard route."""

    domain_id: UUID | None
    host: str
    base_path: str
    strip_prefix: bool
    destination: Upstream | RedirectTo

    @property
    def is_wildcard(self) -> bool:
        return self.host.startswith("*.")

    def covers(self, host: str, path: str) -> bool:
        """Does a request for host+path land on this entry (ignoring more specific ones)?"""
        return host_matches(self.host, host) and path_under(self.base_path, path)


def host_matches(pattern: str, host: str) -> bool:
    """Exact match, or `*.example.com` covering exactly one leftmost label."""
    if not pattern.startswith("*."):
        return pattern == host
    label, _, rest = host.partition(".")
    return bool(label) and rest == pattern[2:]


def path_under(base_path: str, path: str) -> bool:
    return base_path in ("/", path) or path.startswith(base_path + "/")


@dataclass(frozen=True)
class Row:
    """What the planner needs of a domain row."""

    id: UUID
    generation: int
    spec: Mapping[str, Any]


def entry_from_spec(domain_id: UUID, spec: DomainSpec) -> RouteEntry:
    destination: Upstream | RedirectTo
    if spec.target is not None:
        dial = f"{service_alias(spec.target.service_id)}:{spec.target.port}"
        destination = Upstream(dial, spec.target.service_id)
    else:
        assert spec.redirect is not None  # the spec guarantees exactly one destination
        destination = RedirectTo(spec.redirect.url, spec.redirect.permanent)
    return RouteEntry(domain_id, spec.domain, spec.base_path, spec.strip_prefix, destination)


def dashboard_entry(domain: str, upstream: str) -> RouteEntry | None:
    if not domain:
        return None
    return RouteEntry(None, domain.lower(), "/", False, Upstream(upstream))


def validation_message(error: ValidationError) -> str:
    """'field: reason' per problem, the way the API reports it."""
    parts = []
    for problem in error.errors():
        field = ".".join(str(part) for part in problem["loc"]) or "spec"
        parts.append(f"{field}: {problem['msg']}")
    return "; ".join(parts)


@dataclass(frozen=True)
class Entries:
    """The routes to serve (most specific first) and the rows refused, with the reason."""

    routes: tuple[RouteEntry, ...]
    rejected: Mapping[UUID, str]


def specificity(entry: RouteEntry) -> tuple[bool, int, str, str]:
    """Exact hosts before wildcards, then the longest base path first; then a stable order."""
    return (entry.is_wildcard, -len(entry.base_path), entry.host, entry.base_path)


def parse_row(row: Row) -> RouteEntry | str:
    """The row's route entry, or why its spec is refused ('field: reason')."""
    try:
        return entry_from_spec(row.id, DomainSpec.model_validate(row.spec))
    except ValidationError as error:
        return validation_message(error)


def build_entries(parsed: Mapping[UUID, RouteEntry | str], dashboard: RouteEntry | None) -> Entries:
    """Order the parsed rows into routes; refused rows are reported, the others still served.

    A row whose spec no longer validates, or that claims the dashboard's domain, is refused
    on its own.
    """
    routes: list[RouteEntry] = [dashboard] if dashboard else []
    rejected: dict[UUID, str] = {}
    reserved = (dashboard.host, dashboard.base_path) if dashboard else None
    for domain_id, entry in parsed.items():
        if isinstance(entry, str):
            rejected[domain_id] = entry
        elif (entry.host, entry.base_path) == reserved:
            rejected[domain_id] = f"domain: {entry.host} is reserved for the dashboard"
        else:
            routes.append(entry)
    return Entries(tuple(sorted(routes, key=specificity)), rejected)


def resolve(routes: Sequence[RouteEntry], host: str, path: str) -> RouteEntry | None:
    """The entry Caddy serves host+path from: the first that covers it, in route order."""
    host = host.partition(":")[0].lower()
    return next((entry for entry in routes if entry.covers(host, path)), None)
