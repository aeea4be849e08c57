"""What the API answers with: specs as validated models, status as the controllers wrote it."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Annotated, Any, Generic, Literal, TypeVar
from uuid import UUID

from pydantic import AfterValidator, BaseModel, Field
from pydantic_core import PydanticCustomError

from zaneops.specs import (
    BackupPhase,
    BackupSpec,
    BuildPhase,
    BuildSpec,
    DeploymentPhase,
    DeploymentSpec,
    DomainSpec,
    EnvironmentSpec,
    ProjectSpec,
    RunPhase,
    RunSpec,
    ServiceSpec,
    Status,
    VolumeSpec,
)
from zaneops.specs.backup_targets import BackupTargetSpec
from zaneops.specs.notifications import ChannelSpec, NotificationPhase, NotificationSpec
from zaneops.specs.objects import StoredObject

SpecT = TypeVar("SpecT", bound=BaseModel)
ItemT = TypeVar("ItemT", bound=BaseModel)


class Resource(BaseModel, Generic[SpecT]):
    id: UUID
    parent_id: UUID | None = Field(description="The id of the object this one belongs to.")
    spec: SpecT
    generation: int = Field(description="Bumped on every spec change; also the ETag.")
    status: Status = Field(description="As the owning controller wrote it.")
    finalizers: list[str] = Field(description="Controllers still cleaning up before removal.")
    deleted_at: datetime | None = Field(description="Set once deletion was requested.")
    created_at: datetime
    updated_at: datetime


class Project(Resource[ProjectSpec]):
    pass


class Environment(Resource[EnvironmentSpec]):
    pass


class Service(Resource[ServiceSpec]):
    pass


class Domain(Resource[DomainSpec]):
    pass


class Volume(Resource[VolumeSpec]):
    pass


class Build(Resource[BuildSpec]):
    phase: BuildPhase | None = Field(
        default=None, description="status.details.phase, as the builds controller wrote it."
    )
    image: str | None = Field(default=None, description="The image built, once SUCCEEDED.")


class Deployment(Resource[DeploymentSpec]):
    phase: DeploymentPhase | None = Field(
        default=None, description="status.details.phase, as the services controller wrote it."
    )


class Run(Resource[RunSpec]):
    phase: RunPhase | None = Field(
        default=None, description="status.details.phase, as the runs controller wrote it."
    )
    exit_code: int | None = Field(default=None, description="The command's, once it ended.")


class Backup(Resource[BackupSpec]):
    phase: BackupPhase | None = Field(
        default=None, description="status.details.phase, as the backups controller wrote it."
    )


class Channel(Resource[ChannelSpec]):
    pass


class BackupTarget(Resource[BackupTargetSpec]):
    pass


class Notification(Resource[NotificationSpec]):
    phase: NotificationPhase | None = Field(
        default=None, description="status.details.phase, as the notifications controller wrote it."
    )


def to_resource(model: type[ItemT], obj: StoredObject, spec: dict[str, Any]) -> ItemT:
    fields: dict[str, Any] = {
        "id": obj.id,
        "parent_id": obj.parent_id,
        "spec": spec,
        "generation": obj.generation,
        "status": obj.status,
        "finalizers": list(obj.finalizers),
        "deleted_at": obj.deleted_at,
        "created_at": obj.created_at,
        "updated_at": obj.updated_at,
    }
    if model is Deployment:
        fields["phase"] = phase_of(obj)
    if model is Run:
        fields["phase"] = run_phase_of(obj)
        code = obj.status.details.get("exit_code")
        fields["exit_code"] = code if isinstance(code, int) else None
    if model is Backup:
        raw = obj.status.details.get("phase")
        fields["phase"] = raw if raw in BackupPhase.__members__ else None
    if model is Notification:
        raw = obj.status.details.get("phase")
        fields["phase"] = raw if raw in NotificationPhase.__members__ else None
    if model is Build:
        fields["phase"] = _build_phase(obj)
        image = obj.status.details.get("image")
        fields["image"] = image if isinstance(image, str) else None
    return model.model_validate(fields)


def phase_of(obj: StoredObject) -> DeploymentPhase | None:
    raw = obj.status.details.get("phase")
    return DeploymentPhase(raw) if isinstance(raw, str) and raw in _PHASES else None


_PHASES = {phase.value for phase in DeploymentPhase}


def run_phase_of(obj: StoredObject) -> RunPhase | None:
    raw = obj.status.details.get("phase")
    return RunPhase(raw) if isinstance(raw, str) and raw in RunPhase.__members__ else None


def _build_phase(obj: StoredObject) -> BuildPhase | None:
    raw = obj.status.details.get("phase")
    return BuildPhase(raw) if isinstance(raw, str) and raw in BuildPhase.__members__ else None


class Page(BaseModel, Generic[ItemT]):
    items: list[ItemT]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= to get the next page; null on the last page."
    )


class DeletionAccepted(BaseModel):
    id: UUID
    gone: bool = Field(description="True if nothing had to be cleaned up and the row is gone.")
    deleted_at: datetime | None
    finalizers: list[str] = Field(description="Controllers that still have to clean up.")


class Change(BaseModel):
    path: str = Field(description="Dotted path of the field; list items by their key.")
    change: Literal["added", "removed", "changed"]
    live: Any = Field(default=None, description="The deployed value (secrets masked).")
    pending: Any = Field(default=None, description="The value in the spec (secrets masked).")


class PendingChanges(BaseModel):
    live_deployment_id: UUID | None = Field(description="The snapshot compared against.")
    generation: int = Field(description="The service spec's generation that was compared.")
    changes: list[Change]


class SearchHit(BaseModel):
    kind: Literal["projects", "services"]
    id: UUID
    slug: str
    name: str
    project_id: UUID
    environment_id: UUID | None


def encode_cursor(obj: StoredObject) -> str:
    raw = f"{obj.created_at.isoformat()}|{obj.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, UUID]:
    """Raises ValueError on anything that is not a cursor this API handed out."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ValueError("not a cursor from this API") from exc
    when, _, object_id = raw.partition("|")
    moment = datetime.fromisoformat(when)
    if moment.tzinfo is None:
        raise ValueError("not a cursor from this API")
    return moment, UUID(object_id)


def _storable(value: str) -> str:
    """Postgres text cannot hold NUL characters or lone surrogates."""
    if "\0" in value:
        raise PydanticCustomError("invalid_text", "must not contain the NUL character")
    try:
        value.encode()
    except UnicodeEncodeError as exc:
        raise PydanticCustomError("invalid_text", "must be valid Unicode text") from exc
    return value


StorableText = Annotated[str, AfterValidator(_storable)]


class LogEntry(BaseModel):
    id: str = Field(description="The log stream's entry id: a cursor, and the SSE event id.")
    fields: dict[str, str] = Field(description="As the writer stored them (ts, line, ...).")


class LogPage(BaseModel):
    entries: list[LogEntry]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page.")


def inline_schema(model: type[BaseModel]) -> dict[str, Any]:
    """A model's JSON schema with its `$defs` written in place, for a route's `openapi_extra`:
    in an OpenAPI document `#/$defs/...` would point at nothing. (No recursive models here.)"""
    schema = model.model_json_schema()
    definitions = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return resolve(definitions[ref.removeprefix("#/$defs/")])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved
