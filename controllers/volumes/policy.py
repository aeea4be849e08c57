"""Pure rules of the volumes controller: where a host path may be, and who mounts a volume.

Paths come in already resolved (symbolic links followed) by the caller, so these rules are
plain comparisons, unit-tested without a filesystem.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

SOCKET_NAMES = ("docker.sock", "containerd.sock", "crio.sock", "podman.sock")


@dataclass(frozen=True)
class Refusal:
    reason: str  # CamelCase, for programs
    message: str  # for a person: what is wrong, and what to do


@dataclass(frozen=True)
class HostRules:
    """The allow-listed root and the protected paths, each given as written and as resolved."""

    root: PurePosixPath  # as configured
    real_root: PurePosixPath  # resolved
    protected: tuple[PurePosixPath, ...]  # as configured and resolved


def host_path_refusal(requested: str, resolved: str, rules: HostRules) -> Refusal | None:
    """Why this host path may not be a volume, or None if it may."""
    wanted, real = PurePosixPath(requested), PurePosixPath(resolved)
    for path in (wanted, real):
        protected = _protected_hit(path, rules)
        if protected is not None:
            return Refusal("HostPathProtected", _protected_message(requested, path, protected))
    if not _strictly_under(wanted, rules.root):
        return Refusal("HostPathOutsideRoot", _outside_message(requested, rules.root))
    if not _strictly_under(real, rules.real_root):
        return Refusal(
            "HostPathEscapesRoot",
            f"host_path {requested} resolves to {resolved} through a symbolic link, outside "
            f"the allowed root {rules.real_root}: point it at a real folder under the root",
        )
    if real != rules.real_root / wanted.relative_to(rules.root):
        return Refusal(
            "HostPathThroughLink",
            f"host_path {requested} is, or goes through, a symbolic link (it resolves to "
            f"{resolved}): Docker would follow it at the next container start; point it at "
            "a real folder",
        )
    return None


def _protected_hit(path: PurePosixPath, rules: HostRules) -> PurePosixPath | None:
    """The protected path this one is, lies in, or would expose (by containing it)."""
    if path == PurePosixPath("/"):
        return path
    for protected in rules.protected:
        inside = path == protected or path.is_relative_to(protected)
        excused = any(
            _strictly_under(path, root) and root.is_relative_to(protected)
            for root in (rules.root, rules.real_root)
        )
        if (inside and not excused) or protected.is_relative_to(path):
            return protected
    return None


def _strictly_under(path: PurePosixPath, root: PurePosixPath) -> bool:
    return path != root and path.is_relative_to(root)


def _protected_message(requested: str, path: PurePosixPath, protected: PurePosixPath) -> str:
    what = _describe(protected)
    via = "" if str(path) == requested else f" (it resolves to {path})"
    return (
        f"host_path {requested}{via} is, lies in or holds {what}, "
        "which is never bound into a container"
    )


def _describe(protected: PurePosixPath) -> str:
    if protected == PurePosixPath("/"):
        return "the host's root folder /"
    if protected.name in SOCKET_NAMES:
        return f"the Docker socket {protected} (it gives control of the host)"
    return f"the protected folder {protected}"


def _outside_message(requested: str, root: PurePosixPath) -> str:
    if PurePosixPath(requested) == root:
        return f"host_path {requested} is the allowed root itself: use a folder under it"
    return (
        f"host_path {requested} is outside the allowed root {root}: host-path volumes must be "
        f"folders under it (setting ZANE_VOLUMES_HOST_ROOT)"
    )


# --- who mounts a volume -------------------------------------------------------------------


def mounted_slugs(service_spec: Mapping[str, Any]) -> set[str]:
    """Slugs of the volumes a service spec (or a deployment's snapshot of it) mounts."""
    mounts = service_spec.get("volumes") or []
    return {str(m["volume"]) for m in mounts if isinstance(m, Mapping) and "volume" in m}


def users_of(slug: str, specs_by_service: Mapping[str, Iterable[Mapping[str, Any]]]) -> list[str]:
    """Services (by name) any of whose specs mounts the slug, sorted."""
    return sorted(
        name
        for name, specs in specs_by_service.items()
        if any(slug in mounted_slugs(spec) for spec in specs)
    )
