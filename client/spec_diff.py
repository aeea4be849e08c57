"""Two specs compared field by field, as a person reads a change: `replicas: 1 → 2`,
`env.LOG_LEVEL.value: "info" → "debug"`. Lists of named things (variables, mounts, users)
are compared by name, so reordering is no change and one edit is one line."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from zaneops.common.secrets import MASK

# What names an item in a list of mappings, in the order looked for.
ITEM_KEYS = ("name", "slug", "username", "volume", "published")


@dataclass(frozen=True)
class FieldChange:
    path: str
    before: Any  # None: absent
    after: Any

    def __str__(self) -> str:
        return f"{self.path}: {_shown(self.before)} → {_shown(self.after)}"


def _shown(value: Any) -> str:
    if value is None:
        return "(none)"
    return value if value == MASK else json.dumps(value, ensure_ascii=False)


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Every leaf by its dotted path; a list of named mappings keyed by the names."""
    if isinstance(value, Mapping):
        flat: dict[str, Any] = {}
        for key, item in value.items():
            flat.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return flat if flat or not prefix else {prefix: {}}
    if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
        key = next((k for k in ITEM_KEYS if all(k in v for v in value)), None)
        if key is not None and len({str(v[key]) for v in value}) == len(value):
            flat = {}
            for item in value:
                flat.update(flatten(item, f"{prefix}.{item[key]}"))
            return flat
    return {prefix: value}


def changes(current: Mapping[str, Any] | None, desired: Mapping[str, Any]) -> list[FieldChange]:
    """What applying `desired` changes of `current`; a masked secret counts as kept."""
    before, after = flatten(current or {}), flatten(desired)
    found = []
    for path in sorted(before.keys() | after.keys()):
        old, new = before.get(path), after.get(path)
        if old in (new, MASK):
            continue
        found.append(FieldChange(path, old, MASK if _is_secret(path, before) else new))
    return found


def _is_secret(path: str, current: Mapping[str, Any]) -> bool:
    """A new value for a field the API masks is shown masked too."""
    return current.get(path) == MASK or path.endswith((".password", ".private_key", ".token"))
