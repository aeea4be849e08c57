"""Objects by the names people use: `shop`, `shop/production`, `shop/production/web`.

The API addresses objects by id; a person by slug (a domain by its host). Each step lists
the parent's children and picks the one of that name.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from zaneops.adapters.platform_api import PlatformApi

PAGE = 200

Resource = dict[str, Any]


class NotFoundByName(LookupError):
    """No object has that name where it was looked for."""


@dataclass(frozen=True)
class Kind:
    """A kind of object as the CLI lists it: under its parent's path, named by a spec field."""

    plural: str
    name_field: str  # "slug", or "domain" for domains
    parent_plural: str | None  # "projects", "environments", "services", or None (top)


PROJECTS = Kind("projects", "slug", None)
ENVIRONMENTS = Kind("environments", "slug", "projects")
SERVICES = Kind("services", "slug", "environments")
DOMAINS = Kind("domains", "domain", "environments")
VOLUMES = Kind("volumes", "slug", "environments")
DEPLOYMENTS = Kind("deployments", "id", "services")
KINDS = {kind.plural: kind for kind in (PROJECTS, ENVIRONMENTS, SERVICES, DOMAINS, VOLUMES)}


def children(api: PlatformApi, kind: Kind, parent_id: str | None = None) -> Iterator[Resource]:
    """Every live object of `kind` under the parent, page after page."""
    path = f"/{kind.parent_plural}/{parent_id}/{kind.plural}" if parent_id else f"/{kind.plural}"
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": PAGE, **({"cursor": cursor} if cursor else {})}
        page = api.get(path, params).body
        for item in page["items"]:
            if item.get("deleted_at") is None:
                yield item
        cursor = page.get("next_cursor")
        if not cursor:
            return


def named(api: PlatformApi, kind: Kind, name: str, parent_id: str | None = None) -> Resource:
    for item in children(api, kind, parent_id):
        if str(item["spec"].get(kind.name_field)) == name or item["id"] == name:
            return item
    where = f" in {kind.parent_plural[:-1]} {parent_id}" if kind.parent_plural and parent_id else ""
    raise NotFoundByName(f"no {kind.plural[:-1]} named {name!r}{where}")


def find(api: PlatformApi, address: str) -> tuple[Kind, Resource]:
    """project, project/environment, or project/environment/service: the object named."""
    parts = [part for part in address.strip("/").split("/") if part]
    if not 1 <= len(parts) <= 3:
        raise NotFoundByName(f"{address!r}: name a project, project/environment or ...service")
    found = named(api, PROJECTS, parts[0])
    kind = PROJECTS
    for next_kind, part in zip((ENVIRONMENTS, SERVICES), parts[1:], strict=False):
        found, kind = named(api, next_kind, part, found["id"]), next_kind
    return kind, found
