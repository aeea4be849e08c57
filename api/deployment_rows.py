"""What a deploy, redeploy or rollback inserts: a deployment snapshot, and a build if needed.

The contract with the controllers: an image source names its image on the deployment, and so
does a database (the image its engine runs, from the API's settings); a Git source leaves the
image empty and gets a build row, which the builds controller turns into
an image. A rollback restores an earlier snapshot, with the image that one ran.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from uuid import UUID

from zaneops.specs import BuildSpec, DeploymentSpec, GitSource
from zaneops.specs.objects import StoredObject

Trigger = Literal["deploy", "redeploy", "rollback", "webhook"]


@dataclass(frozen=True)
class NewDeployment:
    id: UUID
    spec: dict[str, Any]
    build: dict[str, Any] | None


def new_deployment(
    service_spec: dict[str, Any],
    trigger: Trigger,
    image: str | None = None,
    rollback_of: UUID | None = None,
    commit: str | None = None,
    *,
    database_images: Mapping[str, str] | None = None,
) -> NewDeployment:
    """The rows to insert; `image` is kept only for a rollback (it restores what ran).

    `commit` pins what a Git source builds (a webhook's pushed commit). It goes on the build
    and the deployment, not into the snapshot, so the service shows no pending change.
    `database_images`: the image each database engine runs now (a rollback keeps its own).
    """
    deployment_id = uuid.uuid4()
    source = service_spec["source"]
    if trigger != "rollback" or image is None:
        image = _image_of(source, database_images or {})
    spec = DeploymentSpec.model_validate(
        {
            "service_spec": service_spec,
            "image": image,
            "trigger": trigger,
            "rollback_of": rollback_of,
            "commit_sha": commit,
        }
    )
    build = None
    if image is None:
        pinned = {**source, "commit": commit} if commit else source
        build = BuildSpec(deployment_id=deployment_id, source=GitSource.model_validate(pinned))
    return NewDeployment(
        deployment_id,
        spec.model_dump(mode="json"),
        build.model_dump(mode="json") if build else None,
    )


def _image_of(source: dict[str, Any], database_images: Mapping[str, str]) -> str | None:
    """What runs the source; None for a Git source (its build makes the image)."""
    if source["type"] == "image":
        return str(source["image"])
    if source["type"] == "database":
        return database_images[source["engine"]]
    return None


def snapshot_of(deployment: StoredObject) -> dict[str, Any]:
    """The service spec a deployment took a snapshot of, as the API stores service specs."""
    return deployment.spec_as(DeploymentSpec).service_spec.model_dump(mode="json")
