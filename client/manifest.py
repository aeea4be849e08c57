"""The declarative file: a project with its environments, services, volumes and domains.

    apiVersion: zaneops.dev/v1
    project: {slug: shop, name: Shop}
    environments:
      - slug: production
        variables: {LOG_LEVEL: info}
        volumes: [{slug: data}]
        services:
          - slug: web
            source: {type: image, image: nginx:1.25}
            env: [{name: API_KEY, secret: true, value: {fromEnv: SHOP_API_KEY}}]
        domains:
          - {domain: shop.example.com, target: {service: web, port: 80}}

Each object is the spec the API takes, checked by the same models, with two differences:
a domain names its service by slug (`target.service`), and a secret is never in the file in
clear: it is `{fromEnv: NAME}`, read from the environment of whoever applies the file.
"""

from __future__ import annotations

import copy
import os
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from zaneops.common.yaml_marks import (
    Marked,
    Path,
    Problem,
    YamlProblem,
    load,
    problem_line,
    validation_problems,
)
from zaneops.specs import DomainSpec, EnvironmentSpec, ProjectSpec, ServiceSpec, VolumeSpec
from zaneops.specs.repository_config import API_VERSION
from zaneops.specs.secrets import secret_paths

FROM_ENV = "fromEnv"
TOP_KEYS = {"apiVersion", "project", "environments"}
ENVIRONMENT_KEYS = {"slug", "variables", "labels", "services", "volumes", "domains"}
PLACEHOLDER_SERVICE = uuid.UUID(int=0)  # a domain's service id, until its slug is resolved
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
RESERVED_PREFIX = "ZANE_"  # ZANE_URL, ZANE_TOKEN: never copied into a spec


class ManifestInvalid(Exception):
    """The file cannot be applied; nothing was changed. Each line: FILE:LINE:COL: path: reason."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


@dataclass
class DesiredDomain:
    spec: dict[str, Any]  # target.service_id is a placeholder until applied
    service: str | None  # the slug of the service it sends traffic to


@dataclass
class DesiredEnvironment:
    spec: dict[str, Any]
    services: list[dict[str, Any]] = field(default_factory=list)
    volumes: list[dict[str, Any]] = field(default_factory=list)
    domains: list[DesiredDomain] = field(default_factory=list)


@dataclass
class Manifest:
    project: dict[str, Any]
    environments: list[DesiredEnvironment]


def read(file_name: str, text: str, environ: Mapping[str, str] | None = None) -> Manifest:
    """The manifest in `text`, checked whole; ManifestInvalid lists every problem found."""
    try:
        marked = load(text)
    except YamlProblem as exc:
        at = f"{exc.mark.line}:{exc.mark.column}:" if exc.mark else ""
        raise ManifestInvalid([f"{file_name}:{at} {exc}"]) from None
    reader = _Reader(marked, os.environ if environ is None else environ)
    manifest = reader.manifest()
    if reader.problems:
        raise ManifestInvalid([problem_line(file_name, marked, p) for p in reader.problems])
    assert manifest is not None
    return manifest


class _Reader:
    def __init__(self, marked: Marked, environ: Mapping[str, str]) -> None:
        self.marked = marked
        self.environ = environ
        self.problems: list[Problem] = []

    def refuse(self, path: Path, reason: str, at_key: bool = False) -> None:
        self.problems.append(Problem(path, reason, at_key))

    def manifest(self) -> Manifest | None:
        document = self.marked.value
        if not isinstance(document, dict):
            self.refuse((), "the file must be a mapping with apiVersion, project, environments")
            return None
        self._keys(document, (), TOP_KEYS)
        if document.get("apiVersion") != API_VERSION:
            self.refuse(("apiVersion",), f"must be {API_VERSION!r}")
        project = self._spec(ProjectSpec, document.get("project"), ("project",))
        environments = self._list(document.get("environments", []), ("environments",))
        desired = [self._environment(raw, ("environments", n)) for n, raw in environments]
        self._unique([e.spec.get("slug") for e in desired if e], ("environments",), "slug")
        return Manifest(project or {}, [e for e in desired if e is not None])

    def _environment(self, raw: Any, path: Path) -> DesiredEnvironment | None:
        if not isinstance(raw, dict):
            self.refuse(path, "an environment is a mapping with a slug")
            return None
        self._keys(raw, path, ENVIRONMENT_KEYS)
        base = {k: raw[k] for k in ("slug", "variables", "labels") if k in raw}
        spec = self._spec(EnvironmentSpec, base, path) or {}
        environment = DesiredEnvironment(spec)
        for n, item in self._list(raw.get("volumes", []), (*path, "volumes")):
            volume = self._spec(VolumeSpec, item, (*path, "volumes", n))
            environment.volumes.append(volume) if volume else None
        for n, item in self._list(raw.get("services", []), (*path, "services")):
            service = self._service(item, (*path, "services", n))
            environment.services.append(service) if service else None
        slugs = {  # every service named in the file, even one refused above
            str(item.get("slug")) for item in raw.get("services") or [] if isinstance(item, dict)
        }
        for n, item in self._list(raw.get("domains", []), (*path, "domains")):
            domain = self._domain(item, (*path, "domains", n), slugs)
            environment.domains.append(domain) if domain else None
        for kind in ("volumes", "services"):
            objects = getattr(environment, kind)
            self._unique([o.get("slug") for o in objects], (*path, kind), "slug")
        return environment

    def _service(self, raw: Any, path: Path) -> dict[str, Any] | None:
        if not isinstance(raw, dict):
            self.refuse(path, "a service is a mapping (a service's spec)")
            return None
        self._secrets_by_reference(raw, path)
        return self._spec(ServiceSpec, self._resolved(raw, path), path)

    def _domain(self, raw: Any, path: Path, services: set[str]) -> DesiredDomain | None:
        if not isinstance(raw, dict):
            self.refuse(path, "a domain is a mapping (a domain's spec)")
            return None
        self._secrets_by_reference(raw, path)
        resolved = self._resolved(raw, path)
        service = None
        target = resolved.get("target")
        if isinstance(target, dict):
            service = target.get("service")
            if "service_id" in target:
                self.refuse((*path, "target", "service_id"), "name the service: target.service")
            elif service not in services:
                self.refuse(
                    (*path, "target", "service"),
                    f"no service {service!r} in this file's environment",
                )
            target = {k: v for k, v in target.items() if k != "service"}
            resolved = {**resolved, "target": {**target, "service_id": str(PLACEHOLDER_SERVICE)}}
        spec = self._spec(DomainSpec, resolved, path, renamed={"service_id": "service"})
        return DesiredDomain(spec, service) if spec is not None else None

    # --- checks ----------------------------------------------------------------------------

    def _spec(
        self,
        model: type[BaseModel],
        raw: Any,
        path: Path,
        renamed: Mapping[str, str] | None = None,
    ) -> dict[str, Any] | None:
        try:
            checked: dict[str, Any] = model.model_validate(raw).model_dump(mode="json")
            return checked
        except ValidationError as exc:
            self.problems.extend(validation_problems(exc, path, renamed))
            return None

    def _keys(self, raw: dict[str, Any], path: Path, allowed: set[str]) -> None:
        for key in raw:
            if key not in allowed:
                known = ", ".join(sorted(allowed))
                self.refuse((*path, key), f"unknown field; known: {known}", at_key=True)

    def _list(self, raw: Any, path: Path) -> list[tuple[int, Any]]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.refuse(path, "must be a list")
            return []
        return list(enumerate(raw))

    def _unique(self, names: list[Any], path: Path, field_name: str) -> None:
        seen: set[Any] = set()
        for n, name in enumerate(names):
            if name in seen:
                self.refuse((*path, n, field_name), f"{name!r} appears twice")
            seen.add(name)

    # --- secrets ---------------------------------------------------------------------------

    def _resolved(self, raw: dict[str, Any], path: Path) -> dict[str, Any]:
        """Each secret's `{fromEnv: NAME}` replaced by the variable's value; a reference
        anywhere else is refused (a file must not copy the runner's variables into specs)."""
        secrets = set(secret_paths(raw))
        resolved: dict[str, Any] = copy.deepcopy(raw)
        for inner in _references(raw):
            if inner not in secrets:
                self.refuse(
                    (*path, *inner),
                    f"{FROM_ENV} is for secrets only: an env var with secret: true, a "
                    "credential, a password or a private key",
                )
                continue
            _put(resolved, inner, self._variable(_at(raw, inner)[FROM_ENV], (*path, *inner)))
        return resolved

    def _variable(self, name: Any, path: Path) -> str:
        if not isinstance(name, str) or not ENV_NAME.fullmatch(name):
            self.refuse(path, f"{FROM_ENV}: {name!r} is not a variable name")
        elif name.startswith(RESERVED_PREFIX):
            self.refuse(path, f"{FROM_ENV}: {RESERVED_PREFIX}* variables are the CLI's own")
        elif name not in self.environ:
            self.refuse(path, f"{FROM_ENV}: the variable {name!r} is not set where this runs")
        else:
            return self.environ[name]
        return ""

    def _secrets_by_reference(self, raw: dict[str, Any], path: Path) -> None:
        for secret_path in secret_paths(raw):
            if not _is_reference(_at(raw, secret_path)):
                self.refuse(
                    (*path, *secret_path),
                    f"a secret is never written in the file: use {{{FROM_ENV}: NAME}} and set "
                    "NAME where the file is applied",
                )


def _is_reference(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {FROM_ENV}


def _references(raw: Any, path: Path = ()) -> list[Path]:
    """Where `{fromEnv: ...}` stands in `raw`."""
    if _is_reference(raw):
        return [path]
    if isinstance(raw, dict):
        return [p for k, v in raw.items() for p in _references(v, (*path, k))]
    if isinstance(raw, list):
        return [p for n, v in enumerate(raw) for p in _references(v, (*path, n))]
    return []


def _put(raw: Any, path: Path, value: Any) -> None:
    for part in path[:-1]:
        raw = raw[part]
    raw[path[-1]] = value


def _at(raw: Any, path: Path) -> Any:
    for part in path:
        try:
            raw = raw[part]
        except (KeyError, IndexError, TypeError):
            return None
    return raw
