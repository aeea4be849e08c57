"""A database's container variables, and {{services.<slug>.<KEY>}} in other services' ones.

Pure: the plan keeps passwords sealed (its hash is a label), they are opened here only when
the container's environment is written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from zaneops.specs import ServiceSpec
from zaneops.specs.databases import SERVICE_REFERENCE, DatabaseSource, connection_of


class DatabaseReferenceError(Exception):
    """A variable names a service or a value that is not there; the message says which."""


@dataclass(frozen=True)
class DatabaseRef:
    """A database of the environment as another service sees it (its password sealed)."""

    slug: str
    source_json: str  # the DatabaseSource, as stored: compared whole in the plan's hash

    @classmethod
    def of(cls, slug: str, source: DatabaseSource) -> DatabaseRef:
        return cls(slug, source.model_dump_json())

    @property
    def source(self) -> DatabaseSource:
        return DatabaseSource.model_validate_json(self.source_json)


def database_refs(
    spec: ServiceSpec, databases: Mapping[str, DatabaseSource]
) -> tuple[DatabaseRef, ...]:
    """The databases the spec's variables name, each reference checked (service, key)."""
    named: set[str] = set()
    for var in spec.env:
        for match in SERVICE_REFERENCE.finditer(var.value):
            slug, key = match[1], match[2]
            source = databases.get(slug)
            if source is None:
                raise DatabaseReferenceError(
                    f"env.{var.name}: refers to {match[0]}, but the environment has no "
                    f"database service {slug!r}"
                )
            keys = connection_of(slug, source, "").values()
            if key not in keys:
                known = ", ".join(sorted(keys))
                raise DatabaseReferenceError(
                    f"env.{var.name}: {match[0]}: {slug} has no {key}; known: {known}"
                )
            named.add(slug)
    return tuple(DatabaseRef.of(slug, databases[slug]) for slug in sorted(named))


def referenced_slugs(spec: ServiceSpec) -> set[str]:
    """The services the spec's variables name in {{services.<slug>.<KEY>}}."""
    return {match[1] for var in spec.env for match in SERVICE_REFERENCE.finditer(var.value)}


def server_variables(source: DatabaseSource, open_secret: Callable[[str], str]) -> dict[str, str]:
    """What the engine's image reads at its first start (and the health check after)."""
    password = open_secret(source.credentials.password)
    names = _VARIABLE_NAMES.get(source.engine)
    if names is None:  # Redis: one password
        return {"REDIS_PASSWORD": password}
    user, secret, database = names
    return {
        user: source.credentials.username,
        secret: password,
        database: source.credentials.database,
    }


# The user, password and database variables of each engine's image (as its official one).
_VARIABLE_NAMES = {
    "postgres": ("POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"),
    "mariadb": ("MARIADB_USER", "MARIADB_PASSWORD", "MARIADB_DATABASE"),
}


def resolve_services(
    value: str,
    databases: Iterable[DatabaseRef],
    open_secret: Callable[[str], str],
) -> str:
    """`value` with each {{services.<slug>.<KEY>}} replaced by the database's value."""
    by_slug: Mapping[str, DatabaseRef] = {ref.slug: ref for ref in databases}

    def substitute(match: re.Match[str]) -> str:
        source = by_slug[match[1]].source  # checked when the plan was made
        password = open_secret(source.credentials.password)
        return connection_of(match[1], source, password).values()[match[2]]

    return SERVICE_REFERENCE.sub(substitute, value)
