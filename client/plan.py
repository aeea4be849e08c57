"""What applying a manifest would do: each object created, updated (field by field) or left
as it is, in the order the API needs them (a project before its environments, a service
before the domains that route to it). Reading the platform changes nothing."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from zaneops.adapters.platform_api import PlatformApi
from zaneops.common.secrets import MASK
from zaneops.specs.secrets import secret_paths

from . import resources as r
from .manifest import PLACEHOLDER_SERVICE, DesiredEnvironment, Manifest
from .spec_diff import FieldChange, changes, flat_name


@dataclass
class Step:
    """One object of the manifest, and what applying it does."""

    kind: str  # project | environment | volume | service | domain
    address: str  # shop, shop/production, shop/production/web, ...
    desired: dict[str, Any]
    current: r.Resource | None
    fields: list[FieldChange]
    parent: Step | None = None  # whose id a creation needs (the project of an environment...)
    service: Step | None = None  # the service a domain routes to
    id: str | None = None  # known once it exists
    pruned: bool = False  # made by an earlier apply, no longer in the file: deleted

    @property
    def action(self) -> str:
        if self.pruned:
            return "delete"
        if self.current is None:
            return "create"
        return "update" if self.fields else "unchanged"


@dataclass
class Plan:
    steps: list[Step] = field(default_factory=list)

    @property
    def changes(self) -> list[Step]:
        return [step for step in self.steps if step.action != "unchanged"]


# Marks what an apply created: only those may be pruned, never what a person made elsewhere.
APPLIED = "zaneops.dev/applied"
# Deletions go last, children first.
PRUNE_ORDER = ("domain", "service", "volume", "environment")


def plan(
    api: PlatformApi, manifest: Manifest, update_secrets: bool = False, prune: bool = False
) -> Plan:
    planner = _Planner(api, update_secrets)
    project = planner.step(
        "project", manifest.project["slug"], manifest.project, planner.project(manifest)
    )
    for environment in manifest.environments:
        planner.environment(project, environment)
    if prune:
        planner.prune(project, {str(e.spec["slug"]) for e in manifest.environments})
    return planner.result


class _Planner:
    def __init__(self, api: PlatformApi, update_secrets: bool) -> None:
        self.api = api
        self.update_secrets = update_secrets
        self.result = Plan()
        # environment address → (kind, address, object) of what it has and the file not
        self._unnamed: dict[str, list[tuple[str, str, r.Resource]]] = {}

    def prune(self, project: Step, environments: set[str]) -> None:
        """Delete steps for what an earlier apply made and the file no longer names."""
        unnamed = [
            (kind, f"{environment}/{address}", obj)
            for environment, found in self._unnamed.items()
            for kind, address, obj in found
        ]
        if project.id is not None:
            unnamed += [
                ("environment", f"{project.address}/{e['spec']['slug']}", e)
                for e in r.children(self.api, r.ENVIRONMENTS, project.id)
                if e["spec"]["slug"] not in environments
            ]
        applied = [item for item in unnamed if APPLIED in (item[2]["spec"].get("labels") or {})]
        for kind in PRUNE_ORDER:
            for found_kind, address, obj in applied:
                if found_kind == kind:
                    self.result.steps.append(
                        Step(kind, address, {}, obj, [], id=obj["id"], pruned=True)
                    )

    def project(self, manifest: Manifest) -> r.Resource | None:
        return _named(self.api, r.PROJECTS, str(manifest.project["slug"]))

    def step(
        self,
        kind: str,
        address: str,
        desired: dict[str, Any],
        current: r.Resource | None,
        parent: Step | None = None,
    ) -> Step:
        sent = self._with_kept_secrets(_marked(kind, desired, current), current)
        secrets = [flat_name(sent, path) for path in secret_paths(sent)]
        fields = changes(current and current["spec"], sent, secrets)
        found = Step(kind, address, sent, current, fields, parent)
        found.id = current["id"] if current else None
        self.result.steps.append(found)
        return found

    def environment(self, project: Step, desired: DesiredEnvironment) -> None:
        slug = str(desired.spec["slug"])
        current = _named(self.api, r.ENVIRONMENTS, slug, project.id)
        step = self.step("environment", f"{project.address}/{slug}", desired.spec, current, project)
        existing = _existing(self.api, step.id)
        self._unnamed[step.address] = _left_out(existing, desired)
        for volume in desired.volumes:
            address = f"{step.address}/volumes/{volume['slug']}"
            self.step("volume", address, volume, existing["volumes"].get(volume["slug"]), step)
        services = {}
        for service in desired.services:
            address = f"{step.address}/{service['slug']}"
            found = existing["services"].get(service["slug"])
            services[service["slug"]] = self.step("service", address, service, found, step)
        for domain in desired.domains:
            target = services.get(domain.service) if domain.service else None
            spec = _routed_to(domain.spec, target)
            key = _domain_key(spec)
            current = existing["domains"].get(key)
            address = f"{step.address}/domains/{spec['domain']}{_path_of(spec)}"
            self.step("domain", address, spec, current, step).service = target

    def _with_kept_secrets(
        self, desired: dict[str, Any], current: r.Resource | None
    ) -> dict[str, Any]:
        """A secret the platform already holds for the same thing is sent back masked (kept
        as stored), unless asked to update secrets: the platform cannot say whether it
        equals the file's. One for a new certificate, or a source that moved, is sent."""
        if current is None or self.update_secrets:
            return desired
        kept: dict[str, Any] = copy.deepcopy(desired)
        for path in secret_paths(desired):
            stored = current["spec"]
            if _stored(stored, desired, path) and _same_holder(stored, desired, path):
                _set(kept, path, MASK)
        return kept


def _marked(kind: str, desired: dict[str, Any], current: r.Resource | None) -> dict[str, Any]:
    """A new object (not the project: the file is the project) is marked as made by apply;
    an object that carries the mark keeps it."""
    labels = dict(desired.get("labels") or {})
    held = (current["spec"].get("labels") or {}) if current else {}
    if kind != "project" and (current is None or APPLIED in held):
        labels[APPLIED] = "true"
    return {**desired, "labels": labels} if labels or "labels" in desired else desired


def _left_out(
    existing: dict[str, dict[Any, r.Resource]], desired: DesiredEnvironment
) -> list[tuple[str, str, r.Resource]]:
    named = {
        "services": {s["slug"] for s in desired.services},
        "volumes": {v["slug"] for v in desired.volumes},
        "domains": {_domain_key(d.spec) for d in desired.domains},
    }
    left = []
    for plural, kind in (("services", "service"), ("volumes", "volume"), ("domains", "domain")):
        for key, obj in existing[plural].items():
            if key not in named[plural]:
                left.append((kind, _address_of(kind, obj), obj))
    return left


def _address_of(kind: str, obj: r.Resource) -> str:
    spec = obj["spec"]
    if kind == "domain":
        return f"domains/{spec['domain']}{_path_of(spec)}"
    return f"volumes/{spec['slug']}" if kind == "volume" else str(spec["slug"])


def _named(
    api: PlatformApi, kind: r.Kind, name: str, parent_id: str | None = None
) -> r.Resource | None:
    if kind.parent_plural is not None and parent_id is None:
        return None  # its parent is created by this plan: nothing of it exists yet
    try:
        return r.named(api, kind, name, parent_id)
    except r.NotFoundByName:
        return None


def _existing(api: PlatformApi, environment_id: str | None) -> dict[str, dict[Any, r.Resource]]:
    """The environment's services, volumes and domains as they are, by what names them."""
    found: dict[str, dict[Any, r.Resource]] = {"services": {}, "volumes": {}, "domains": {}}
    if environment_id is None:
        return found
    for kind in (r.SERVICES, r.VOLUMES):
        found[kind.plural] = {i["spec"]["slug"]: i for i in r.children(api, kind, environment_id)}
    found["domains"] = {
        _domain_key(i["spec"]): i for i in r.children(api, r.DOMAINS, environment_id)
    }
    return found


def _domain_key(spec: dict[str, Any]) -> tuple[str, str]:
    return str(spec["domain"]), str(spec.get("base_path", "/"))


def _path_of(spec: dict[str, Any]) -> str:
    base = str(spec.get("base_path", "/"))
    return "" if base == "/" else base


def _routed_to(spec: dict[str, Any], service: Step | None) -> dict[str, Any]:
    """The domain's spec with its service's id, once known (a new service's is not yet)."""
    target = spec.get("target")
    if not isinstance(target, dict) or service is None or service.id is None:
        return spec
    return {**spec, "target": {**target, "service_id": service.id}}


def resolve_service(step: Step) -> dict[str, Any]:
    """The domain's spec to send, its service created by now."""
    target = step.desired.get("target")
    if isinstance(target, dict) and target.get("service_id") == str(PLACEHOLDER_SERVICE):
        assert step.service is not None and step.service.id is not None
        return {**step.desired, "target": {**target, "service_id": step.service.id}}
    return step.desired


def _stored(current: dict[str, Any], desired: dict[str, Any], path: tuple[Any, ...]) -> bool:
    """Does the platform hold a secret for this place? A variable's or a user's is found by
    its name (the file may list them in another order)."""
    if path[0] in ("env", "basic_auth"):
        key = "name" if path[0] == "env" else "username"
        name = desired[path[0]][path[1]][key]
        held = [item for item in current.get(path[0]) or [] if item.get(key) == name]
        return any(item.get(path[2]) == MASK for item in held)
    return bool(_get(current, path) == MASK)


def _same_holder(current: dict[str, Any], desired: dict[str, Any], path: tuple[Any, ...]) -> bool:
    """A stored key is the certificate's it was uploaded with; stored credentials are for the
    registry or repository they were given for."""
    if path[0] == "certificate":
        pem = ("certificate", "certificate")
        return bool(_get(current, pem) == _get(desired, pem))
    if path[0] == "source":
        fields = (("source", "image"), ("source", "repository_url"))
        return all(_get(current, f) == _get(desired, f) for f in fields)
    return True


def _get(value: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and isinstance(part, int) and part < len(value):
            value = value[part]
        else:
            return None
    return value


def _set(value: Any, path: tuple[Any, ...], new: Any) -> None:
    for part in path[:-1]:
        value = value[part]
    value[path[-1]] = new
