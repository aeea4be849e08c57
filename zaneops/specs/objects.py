"""A stored object as every layer sees it: spec and status plus bookkeeping."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from pydantic import BaseModel

from zaneops.specs.kinds import Kind
from zaneops.specs.status import Status

SpecT = TypeVar("SpecT", bound=BaseModel)


@dataclass(frozen=True)
class Key:
    """The unit of work of a controller: which object to converge, never what happened to it."""

    kind: Kind
    id: UUID

    def __str__(self) -> str:
        return f"{self.kind.value}/{self.id}"


@dataclass(frozen=True)
class StoredObject:
    kind: Kind
    id: UUID
    spec: dict[str, Any]
    generation: int
    status: Status
    finalizers: tuple[str, ...]
    deleted_at: datetime | None
    created_at: datetime
    updated_at: datetime
    parent_id: UUID | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> Key:
        return Key(self.kind, self.id)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def spec_as(self, model: type[SpecT]) -> SpecT:
        """The spec as its typed model (e.g. `row.spec_as(DeploymentSpec).service_spec`)."""
        return model.model_validate(self.spec)
