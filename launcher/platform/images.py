"""The platform's images: where each is built from, and its tag, derived from what goes in.

A tag is a hash of the build's inputs, so re-running `zaneops up` with nothing changed finds
every image already there (nothing built, no service updated), and any change gives a new tag
that Swarm rolls out. The inputs of the app image are its sources, not the wheels built from
them: the tag is known before anything is built.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Variant = Literal["local", "upstream"]

REPOSITORY = "zaneops"
# Where a variant's images start from: a local base made on the host, or official images.
LOCAL_BASE = "zaneops/debian-base:bookworm"
UPSTREAM_PROBE = "python:3.11-slim"
SKIPPED_PARTS = {"__pycache__", "node_modules", ".mypy_cache", ".pytest_cache"}
APP_SOURCES = ("zaneops", "controllers", "api", "client", "launcher")


@dataclass(frozen=True)
class ImageRecipe:
    component: str  # postgres, redis, mariadb, proxy, probe, metrics, node-exporter, app
    name: str  # repository, e.g. zaneops/app
    context: Path  # folder holding the Dockerfile(s) and files it copies
    dockerfile: str  # Dockerfile or Dockerfile.upstream
    inputs: tuple[Path, ...]  # files and folders whose content decides the tag
    extra: str = ""  # content that is not a file (the app image's marker)

    @property
    def tag(self) -> str:
        return f"{self.name}:{content_hash(self.inputs, self.dockerfile + self.extra)}"


def dockerfile_for(variant: Variant) -> str:
    return "Dockerfile" if variant == "local" else "Dockerfile.upstream"


def recipes(repo: Path, variant: Variant, marker: str = "") -> dict[str, ImageRecipe]:
    """One recipe per image; the app's context folder is assembled later (wheels, ui/dist)."""
    images = repo / "stacks" / "images"
    dockerfile = dockerfile_for(variant)

    def folder(component: str, name: str, context: Path) -> ImageRecipe:
        return ImageRecipe(component, f"{REPOSITORY}/{name}", context, dockerfile, (context,))

    app_inputs = (
        images / "app",
        repo / "pyproject.toml",
        repo / "ui" / "dist",
        *(repo / package for package in APP_SOURCES),
    )
    return {
        "app": ImageRecipe(
            "app", f"{REPOSITORY}/app", images / "app", dockerfile, app_inputs, marker
        ),
        "postgres": folder("postgres", "postgres", images / "postgres"),
        "redis": folder("redis", "redis", images / "redis"),
        # Not a service of the platform: the engine of users' MariaDB databases.
        "mariadb": folder("mariadb", "mariadb", images / "mariadb"),
        "proxy": folder("proxy", "caddy", repo / "caddy-image"),
        "probe": folder("probe", "probe", images / "probe"),
        "metrics": folder("metrics", "metrics", images / "metrics"),
        "node-exporter": folder("node-exporter", "node-exporter", images / "node-exporter"),
    }


def content_hash(inputs: Iterable[Path], extra: str = "") -> str:
    """12 hex digits over every file's relative path, mode bit x and bytes; order-independent."""
    digest = hashlib.sha256(extra.encode())
    for root in inputs:
        for path in sorted(_files(root)):
            relative = path.relative_to(root.parent).as_posix()
            executable = path.stat().st_mode & 0o100
            digest.update(f"\0{relative}\0{executable}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _files(root: Path) -> Iterator[Path]:
    if root.is_file():
        yield root
        return
    for path in root.rglob("*"):
        if path.is_file() and not SKIPPED_PARTS & set(path.parts) and path.suffix != ".pyc":
            yield path
