"""Where a service may run: rules on the servers' labels (`zaneops node label NODE key=value`).

Each rule becomes a Swarm constraint `node.labels.<key>==<value>` (or `!=`). Keys and values
are held to a plain alphabet: a constraint is parsed by Swarm from text, so nothing in them may
read as an operator or a second expression.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from ._base import SpecModel
from ._rules import refuse

MAX_RULES = 10
_NODE_LABEL_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_NODE_LABEL_VALUE = re.compile(r"[A-Za-z0-9._-]{1,128}")


def _check_key(key: str) -> str:
    if not _NODE_LABEL_KEY.fullmatch(key):
        raise refuse(
            "invalid_node_label_key",
            "a server label's key is letters, digits, '.', '_' or '-' (128 at most), starting "
            "with a letter or digit",
        )
    return key


def _check_value(value: str) -> str:
    if not _NODE_LABEL_VALUE.fullmatch(value):
        raise refuse(
            "invalid_node_label_value",
            "a server label's value here is 1 to 128 letters, digits, '.', '_' or '-'",
        )
    return value


NodeLabelKey = Annotated[str, AfterValidator(_check_key)]
NodeLabelValue = Annotated[str, AfterValidator(_check_value)]


class PlacementRule(SpecModel):
    """One rule every server running the service must meet."""

    label: NodeLabelKey = Field(description="A server label's key, e.g. 'edge' or 'disk'.")
    match: Literal["equals", "differs"] = Field(
        default="equals",
        description="equals: only servers whose label has this value; differs: servers whose "
        "label is missing or has another value.",
    )
    value: NodeLabelValue = Field(description="The label's value, e.g. 'true' or 'ssd'.")

    @property
    def constraint(self) -> str:
        operator = "==" if self.match == "equals" else "!="
        return f"node.labels.{self.label}{operator}{self.value}"


Placement = Annotated[
    list[PlacementRule],
    Field(
        default_factory=list,
        max_length=MAX_RULES,
        description="Rules on the servers' labels; its containers run only on servers that "
        "meet all of them (none: any server).",
    ),
]
