"""Projects, and the environments (with their shared variables) inside them."""

from __future__ import annotations

from fastapi import APIRouter

from api.crud import KindApi, add_create, add_item, add_list
from api.schemas import Environment, Project
from zaneops.specs import EnvironmentSpec, ProjectSpec
from zaneops.specs.kinds import Kind

router = APIRouter(tags=["projects"])

PROJECTS = KindApi(
    Kind.PROJECTS,
    ProjectSpec,
    Project,
    "project",
    follow_ups=(("create_environment", "project_id"), ("list_environments", "project_id")),
)
ENVIRONMENTS = KindApi(
    Kind.ENVIRONMENTS,
    EnvironmentSpec,
    Environment,
    "environment",
    follow_ups=tuple(
        (operation, "environment_id")
        for kind in ("service", "domain", "volume")
        for operation in (f"create_{kind}", f"list_{kind}s")
    ),
)

add_list(router, PROJECTS, "/projects", None)
add_create(router, PROJECTS, "/projects", None)
add_item(router, PROJECTS, "/projects/{id}")

add_list(router, ENVIRONMENTS, "/projects/{project_id}/environments", "project_id")
add_create(router, ENVIRONMENTS, "/projects/{project_id}/environments", "project_id")
add_item(router, ENVIRONMENTS, "/environments/{id}")
