"""Two specs compared field by field, as a person reads a change: `replicas: 1 → 2`,
`env.LOG_LEVEL.value: "info" → "debug"`. Lists of named things (variables, mounts, users)
are compared by name, so reordering is no change and one edit is one line. A secret's value
is never shown, old or new."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from zaneops.common.secrets import MASK
from zaneops.specs.secrets import Path

# What names an item in a list of mappings, in the order looked for.
ITEM_KEYS = ("name", "slug", "username", "volume", "published")
EMPTY: tuple[Any, ...] = (None, [], {})


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
    key = _item_key(value)
    if key is not None:
        flat = {}
        for item in value:  # the item's name is in its path: not a field of its own
            rest = {name: field for name, field in item.items() if name != key}
            flat.update(flatten(rest, f"{prefix}.{item[key]}"))
        return flat
    return {prefix: value}


def _item_key(value: Any) -> str | None:
    if not (isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value)):
        return None
    key = next((k for k in ITEM_KEYS if all(k in v for v in value)), None)
    return key if key is not None and len({str(v[key]) for v in value}) == len(value) else None


def flat_name(spec: Mapping[str, Any], path: Path) -> str:
    """The dotted name flatten gives the value at `path` (list items by their name)."""
    parts: list[str] = []
    value: Any = spec
    for part in path:
        if isinstance(part, int):
            key = _item_key(value)
            parts.append(str(value[part][key]) if key else str(part))
        else:
            parts.append(part)
        value = value[part]
    return ".".join(parts)


def changes(
    current: Mapping[str, Any] | None, desired: Mapping[str, Any], secrets: Iterable[str] = ()
) -> list[FieldChange]:
    """What sending `desired` changes of `current`; `secrets` (flat names) are shown masked.
    An empty list, mapping or none are alike: adding a first item is its own line."""
    before, after, hidden = flatten(current or {}), flatten(desired), set(secrets)
    found = []
    for path in sorted(before.keys() | after.keys()):
        old, new = before.get(path), after.get(path)
        if old == new or (old in EMPTY and new in EMPTY):
            continue
        if path in hidden:
            old, new = (None if old is None else MASK), MASK
        found.append(FieldChange(path, old, new))
    return found
