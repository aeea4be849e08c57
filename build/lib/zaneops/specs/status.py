"""Status as the owning controller writes it: observed generation plus conditions."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class ConditionStatus(StrEnum):
    TRUE = "True"
    FALSE = "False"
    UNKNOWN = "Unknown"


class Condition(BaseModel):
    """One observed fact about an object, in the Kubernetes style."""

    model_config = ConfigDict(frozen=True)

    type: str = Field(description="What the condition is about, e.g. Ready or Reconciled.")
    status: ConditionStatus
    reason: str = Field(default="", description="A CamelCase word a program can match on.")
    message: str = Field(default="", description="What a person should know, and do.")
    last_transition_time: datetime = Field(default_factory=lambda: datetime.now(UTC))


class Status(BaseModel):
    """The status column: written only by the controller that owns the object."""

    observed_generation: int = 0
    conditions: list[Condition] = Field(default_factory=list)
    details: dict[str, object] = Field(
        default_factory=dict, description="Slice-specific observations (replicas, size, ...)."
    )

    def condition(self, type_: str) -> Condition | None:
        return next((c for c in self.conditions if c.type == type_), None)

    def with_condition(self, new: Condition) -> Status:
        """Replace the condition of its type, keeping the transition time if status is the same."""
        old = self.condition(new.type)
        if old is not None and old.status == new.status:
            new = new.model_copy(update={"last_transition_time": old.last_transition_time})
        others = [c for c in self.conditions if c.type != new.type]
        return self.model_copy(update={"conditions": [*others, new]})
