"""Live domain rows → route entries: validated, ordered, and checked against the dashboard's."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import ValidationError

from zaneops.common.naming import service_alias
from zaneops.common.secrets import SecretsUnavailable
from zaneops.specs.certificates import expiry_of
from zaneops.specs.problems import validation_message
from zaneops.specs.routing import DomainSpec, host_matches, is_password_hash


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
class CanonicalHost:
    """The www. variant of a domain: visitors are sent to the same path on `host`."""

    host: str


# The security headers preset: HTTPS only from now on, no sniffing, framed only by the site
# itself, the origin alone sent to other sites.
SECURITY_HEADERS = (
    ("Strict-Transport-Security", "max-age=31536000"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "SAMEORIGIN"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
)


@dataclass(frozen=True)
class Certificate:
    """An uploaded certificate, its key opened, served for the domain's host."""

    chain: str  # PEM, the domain's certificate first
    key: str  # PEM
    expires_at: datetime


@dataclass(frozen=True)
class Edge:
    """What the proxy does before a request reaches its destination (hashable: a route's
    Caddy JSON is cached by its entry)."""

    users: tuple[tuple[str, str], ...] = ()  # (name, bcrypt hash)
    allow: tuple[str, ...] = ()  # networks; empty: everyone
    deny: tuple[str, ...] = ()
    headers: tuple[tuple[str, str], ...] = ()  # set on every answer
    compress: bool = False
    max_body: int | None = None
    maintenance: str | None = None  # the page's message, when switched on


def edge_of(spec: DomainSpec) -> Edge:
    headers = (SECURITY_HEADERS if spec.security_headers else ()) + tuple(
        spec.response_headers.items()
    )
    return Edge(
        users=tuple((user.username, user.password) for user in spec.basic_auth),
        allow=tuple(spec.allow_networks),
        deny=tuple(spec.deny_networks),
        headers=_last_of_each_name(headers),
        compress=spec.compress,
        max_body=spec.max_body_size,
        maintenance=spec.maintenance_message if spec.maintenance else None,
    )


def _last_of_each_name(headers: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """A header of the preset set again by hand keeps the hand-set value."""
    chosen: dict[str, tuple[str, str]] = {}
    for name, value in headers:
        chosen[name.lower()] = (name, value)
    return tuple(chosen.values())


@dataclass(frozen=True)
class RouteEntry:
    """One host + base path and where it leads; domain_id None is the dashboard route."""

    domain_id: UUID | None
    host: str
    base_path: str
    strip_prefix: bool
    destination: Upstream | RedirectTo | CanonicalHost
    environment_id: UUID | None = None  # whose host it is; None: the platform's own
    edge: Edge = Edge()
    www_variant: str | None = None  # also answered, redirecting here (see variant_of)
    certificate: Certificate | None = None

    @property
    def is_wildcard(self) -> bool:
        return self.host.startswith("*.")

    def covers(self, host: str, path: str) -> bool:
        """Does a request for host+path land on this entry (ignoring more specific ones)?"""
        return host_matches(self.host, host) and path_under(self.base_path, path)


def path_under(base_path: str, path: str) -> bool:
    return base_path in ("/", path) or path.startswith(base_path + "/")


@dataclass(frozen=True)
class Row:
    """What the planner needs of a domain row."""

    id: UUID
    generation: int
    spec: Mapping[str, Any]
    environment_id: UUID | None = None


def entry_from_spec(
    domain_id: UUID,
    spec: DomainSpec,
    environment_id: UUID | None = None,
    certificate: Certificate | None = None,
) -> RouteEntry:
    destination: Upstream | RedirectTo
    if spec.target is not None:
        dial = f"{service_alias(spec.target.service_id)}:{spec.target.port}"
        destination = Upstream(dial, spec.target.service_id)
    else:
        assert spec.redirect is not None  # the spec guarantees exactly one destination
        destination = RedirectTo(spec.redirect.url, spec.redirect.permanent)
    return RouteEntry(
        domain_id,
        spec.domain,
        spec.base_path,
        spec.strip_prefix,
        destination,
        environment_id,
        edge_of(spec),
        spec.www_variant if spec.redirect_www else None,
        certificate,
    )


def variant_of(entry: RouteEntry) -> RouteEntry | None:
    """The entry of the domain's www. variant, redirecting to it, if it has one."""
    if entry.www_variant is None:
        return None
    return RouteEntry(
        entry.domain_id,
        entry.www_variant,
        "/",
        False,
        CanonicalHost(entry.host),
        entry.environment_id,
    )


def dashboard_entry(domain: str, upstream: str) -> RouteEntry | None:
    if not domain:
        return None
    return RouteEntry(None, domain.lower(), "/", False, Upstream(upstream))


@dataclass(frozen=True)
class Entries:
    """The routes to serve (most specific first) and the rows refused, with the reason."""

    routes: tuple[RouteEntry, ...]
    rejected: Mapping[UUID, str]


def specificity(entry: RouteEntry) -> tuple[bool, int, str, str]:
    """Exact hosts before wildcards, then the longest base path first; then a stable order."""
    return (entry.is_wildcard, -len(entry.base_path), entry.host, entry.base_path)


def parse_row(
    row: Row, open_secret: Callable[[str], str] = lambda value: value
) -> RouteEntry | str:
    """The row's route entry, or why its spec is refused ('field: reason')."""
    try:
        spec = DomainSpec.model_validate(row.spec)
    except ValidationError as error:
        return validation_message(error)
    unhashed = [n for n, user in enumerate(spec.basic_auth) if not is_password_hash(user.password)]
    if unhashed:
        return (
            f"basic_auth.{unhashed[0]}.password: not stored hashed (a row written around the "
            "API): set the password through the API"
        )
    certificate = None
    if spec.certificate is not None:
        try:
            key = open_secret(spec.certificate.private_key)
        except SecretsUnavailable as exc:
            return f"certificate.private_key: {exc}: upload the key again"
        chain = spec.certificate.certificate
        certificate = Certificate(chain, key, expiry_of(chain))
    return entry_from_spec(row.id, spec, row.environment_id, certificate)


def build_entries(parsed: Mapping[UUID, RouteEntry | str], dashboard: RouteEntry | None) -> Entries:
    """Order the parsed rows into routes; refused rows are reported, the others still served.

    `parsed` comes oldest row first: a host belongs to the environment that routed it first,
    so a later row of another environment (the same host, or a wildcard covering one) is
    refused instead of taking its traffic. The dashboard's host is the platform's: no row
    may route any path of it. Linear in the rows: owners are found by host, not by scan.
    """
    routes: list[RouteEntry] = [dashboard] if dashboard else []
    owners = HostOwners()
    rejected: dict[UUID, str] = {}
    for domain_id, entry in parsed.items():
        refusal = entry if isinstance(entry, str) else _refusal(entry, owners, dashboard)
        if refusal is not None:
            rejected[domain_id] = refusal
        elif isinstance(entry, RouteEntry):
            for accepted in (entry, variant_of(entry)):
                if accepted is not None:
                    routes.append(accepted)
                    owners.add(accepted)
    return Entries(tuple(sorted(routes, key=specificity)), rejected)


class HostOwners:
    """The first accepted route of each host, found in constant time by what can overlap a
    host: the same name, the wildcard one label up, or (for a wildcard) any name under it.
    Overlapping accepted routes share one environment, except names under one parent: those
    are kept per environment, so a wildcard is checked against each."""

    def __init__(self) -> None:
        self._by_host: dict[str, RouteEntry] = {}
        # "example.com" → environment → its first route of a name one label under it
        self._by_parent: dict[str, dict[UUID | None, RouteEntry]] = {}

    def add(self, entry: RouteEntry) -> None:
        self._by_host.setdefault(entry.host, entry)
        if not entry.is_wildcard:
            under = self._by_parent.setdefault(_parent(entry.host), {})
            under.setdefault(entry.environment_id, entry)

    def of_another_environment(self, entry: RouteEntry) -> RouteEntry | None:
        """The first accepted route of another environment that overlaps the entry's host."""
        host = entry.host
        if entry.is_wildcard:
            candidates = [self._by_host.get(host), *self._by_parent.get(host[2:], {}).values()]
        else:
            candidates = [self._by_host.get(host), self._by_host.get("*." + _parent(host))]
        others = (c for c in candidates if c is not None)
        return next((c for c in others if c.environment_id != entry.environment_id), None)


def _parent(host: str) -> str:
    return host.partition(".")[2]


def _refusal(entry: RouteEntry, owners: HostOwners, dashboard: RouteEntry | None) -> str | None:
    variant = variant_of(entry)
    said = _host_refusal(entry, owners, dashboard, "domain")
    if said is None and variant is not None:
        said = _host_refusal(variant, owners, dashboard, "redirect_www")
    return said


def _host_refusal(
    entry: RouteEntry, owners: HostOwners, dashboard: RouteEntry | None, field: str
) -> str | None:
    # Exact hosts come before wildcards in route order: only the exact host can shadow it.
    if dashboard is not None and entry.host == dashboard.host:
        return f"{field}: {entry.host} is reserved for the dashboard"
    owner = owners.of_another_environment(entry)
    if owner is not None:
        return (
            f"{field}: {owner.host} is already routed by another environment (domain "
            f"{owner.domain_id}): a host belongs to one environment"
        )
    return None


def resolve(routes: Sequence[RouteEntry], host: str, path: str) -> RouteEntry | None:
    """The entry Caddy serves host+path from: the first that covers it, in route order."""
    host = host.partition(":")[0].lower()
    return next((entry for entry in routes if entry.covers(host, path)), None)
