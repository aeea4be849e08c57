"""Images the tests build from tests/images/<name>: once, then reused until the folder
changes (the image carries a hash of its context)."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import docker
from docker.errors import DockerException

CONTEXTS = Path(__file__).resolve().parents[1] / "images"
HASH_LABEL = "zane.context-hash"


def context_hash(context: Path) -> str:
    files = sorted(p for p in context.rglob("*") if p.is_file())
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(context).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def ensure_built(image: str, context: Path) -> str:
    """The image, built from the context unless an image of the same context is there."""
    wanted = context_hash(context)
    try:
        labels = docker.from_env().images.get(image).labels or {}
    except DockerException:
        labels = {}
    if labels.get(HASH_LABEL) != wanted:
        subprocess.run(
            [
                "docker",
                "build",
                "-q",
                "--label",
                f"{HASH_LABEL}={wanted}",
                "-t",
                image,
                str(context),
            ],
            check=True,
            capture_output=True,
            timeout=600,
        )
    return image
