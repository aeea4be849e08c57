"""Placement rules: what a person may write is only what reads as one Swarm constraint."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from zaneops.specs import ServiceSpec
from zaneops.specs.placement import MAX_RULES

IMAGE = {"type": "image", "image": "nginx:1"}


def service(placement: list[dict[str, str]]) -> ServiceSpec:
    return ServiceSpec.model_validate({"slug": "web", "source": IMAGE, "placement": placement})


def refusal(placement: list[dict[str, str]]) -> tuple[tuple[str | int, ...], str]:
    with pytest.raises(ValidationError) as caught:
        service(placement)
    [error] = caught.value.errors()
    return error["loc"], error["msg"]


def test_a_rule_reads_as_one_constraint() -> None:
    """A label equal to, or differing from, a value."""
    spec = service(
        [
            {"label": "disk.type", "value": "ssd"},
            {"label": "edge", "match": "differs", "value": "true"},
        ]
    )
    assert [r.constraint for r in spec.placement] == [
        "node.labels.disk.type==ssd",
        "node.labels.edge!=true",
    ]


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        ({"label": "my disk", "value": "ssd"}, "label"),
        ({"label": "disk==ssd,node.role", "value": "x"}, "label"),
        ({"label": "", "value": "x"}, "label"),
        ({"label": "disk", "value": "ssd!=hdd"}, "value"),
        ({"label": "disk", "value": "a b"}, "value"),
        ({"label": "disk", "value": ""}, "value"),
    ],
)
def test_a_key_or_value_that_could_read_as_another_expression_is_refused_at_its_field(
    rule: dict[str, str], field: str
) -> None:
    """Spaces, operators, commas or nothing at all: refused, naming the rule's field."""
    loc, message = refusal([rule])
    assert loc == ("placement", 0, field)
    assert "server label" in message


def test_more_rules_than_allowed_are_refused() -> None:
    rules = [{"label": f"k{i}", "value": "v"} for i in range(MAX_RULES + 1)]
    loc, _ = refusal(rules)
    assert loc == ("placement",)
