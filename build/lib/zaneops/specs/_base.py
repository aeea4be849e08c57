"""What every spec model shares."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

NonEmptyStr = Annotated[str, Field(min_length=1)]


def type_tag(value: object) -> object:
    """The `type` of a union member, from raw input or a built model.

    A callable discriminator, unlike a field name, lets a union report its own message when
    the type is missing or unknown.
    """
    if isinstance(value, dict):
        return value.get("type")
    return getattr(value, "type", None)


class SpecModel(BaseModel):
    """A spec, or a part of one.

    Unknown fields are refused, so a typo is an error rather than a setting silently
    ignored. Validated specs are frozen: a controller reads a spec, it never edits one.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
