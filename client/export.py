"""A project as it stands on the platform, written as a manifest that applies to the same
specs: domains name their service by slug, secrets are references (`fromEnv`), defaults are
left out so the file reads like one a person wrote."""

from __future__ import annotations

import re
from typing import Any

import yaml
from pydantic import BaseModel

from zaneops.adapters.platform_api import PlatformApi
from zaneops.specs import DomainSpec, EnvironmentSpec, ProjectSpec, ServiceSpec, VolumeSpec
from zaneops.specs.repository_config import API_VERSION
from zaneops.specs.secrets import secret_paths

from . import resources as r
from .manifest import FROM_ENV
from .plan import APPLIED

# Unions the file must spell with their `type`, even when it is the default one.
TAGGED = ("source", "healthcheck")


def export(api: PlatformApi, project_slug: str) -> str:
    project = r.named(api, r.PROJECTS, project_slug)
    environments = [
        _environment(api, environment)
        for environment in r.children(api, r.ENVIRONMENTS, project["id"])
    ]
    document = {
        "apiVersion": API_VERSION,
        "project": _plain(ProjectSpec, project["spec"]),
        "environments": environments,
    }
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def _environment(api: PlatformApi, environment: r.Resource) -> dict[str, Any]:
    spec = _plain(EnvironmentSpec, environment["spec"])
    services = list(r.children(api, r.SERVICES, environment["id"]))
    slugs = {service["id"]: service["spec"]["slug"] for service in services}
    volumes = [_plain(VolumeSpec, v["spec"]) for v in r.children(api, r.VOLUMES, environment["id"])]
    domains = [domain["spec"] for domain in r.children(api, r.DOMAINS, environment["id"])]
    found: dict[str, Any] = {**spec}
    prefix = str(spec["slug"])
    for name, items in (
        ("volumes", volumes),
        ("services", [_service(s["spec"], prefix) for s in services]),
        ("domains", [_domain(d, slugs, prefix) for d in domains]),
    ):
        if items:
            found[name] = items
    return found


def _service(spec: dict[str, Any], environment: str) -> dict[str, Any]:
    return _referenced(_plain(ServiceSpec, spec), spec, f"{environment}_{spec['slug']}")


def _domain(spec: dict[str, Any], slugs: dict[str, str], environment: str) -> dict[str, Any]:
    plain = _referenced(_plain(DomainSpec, spec), spec, f"{environment}_{spec['domain']}")
    target = plain.get("target")
    if isinstance(target, dict):
        service_id = str(target.pop("service_id"))
        plain["target"] = {"service": slugs.get(service_id, service_id), **target}
    return plain


def _plain(model: type[BaseModel], spec: dict[str, Any]) -> dict[str, Any]:
    """The spec without its defaults, a union's `type` kept, and without the mark of what an
    apply made (where the file is applied, what it makes is marked anew)."""
    checked = model.model_validate(spec)
    plain: dict[str, Any] = checked.model_dump(mode="json", exclude_defaults=True)
    labels = {k: v for k, v in (plain.pop("labels", None) or {}).items() if k != APPLIED}
    if labels:
        plain["labels"] = labels
    for name in TAGGED:
        value = spec.get(name)
        if isinstance(value, dict) and "type" in value and name in plain:
            plain[name] = {"type": value["type"], **plain[name]}
    return plain


def _referenced(plain: dict[str, Any], stored: dict[str, Any], owner: str) -> dict[str, Any]:
    """Each secret replaced by a reference to a variable named after its place."""
    for path in secret_paths(stored):
        target: Any = plain
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = {FROM_ENV: _variable_name(owner, stored, path)}
    return plain


def _variable_name(owner: str, stored: dict[str, Any], path: tuple[Any, ...]) -> str:
    """Named after its place, so no two secrets of an export share a variable:
    PRODUCTION_WEB_API_KEY for the variable API_KEY of the service web of production,
    PRODUCTION_WEB_REGISTRY_PASSWORD, PRODUCTION_SHOP_EXAMPLE_COM_ADMIN_PASSWORD..."""
    if path[0] == "env":
        tail = str(stored["env"][path[1]]["name"])
    elif path[0] == "basic_auth":
        tail = f"{stored['basic_auth'][path[1]]['username']}_PASSWORD"
    elif path[0] == "certificate":
        tail = "CERTIFICATE_KEY"
    else:
        kind = {"image": "REGISTRY", "database": "DATABASE"}.get(stored["source"].get("type"))
        tail = f"{kind or 'GIT'}_{path[-1]}"
    return re.sub(r"[^A-Z0-9_]", "_", f"{owner}_{tail}".upper())
