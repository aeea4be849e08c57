"""Pending changes: a field-by-field diff between the live snapshot and a service's spec.

Lists whose items have a natural key (variables by name, mounts by path, ports by number)
are compared item by item, so one changed variable is one change. Secret values are
compared by plaintext and always shown masked.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

from api.schemas import Change
from api.sealing import opened
from zaneops.common.secrets import MASK, SecretBox
from zaneops.specs.secrets import CREDENTIAL_SECRETS

Spec = dict[str, Any]

CHANGED_SECRET = MASK + " (new value)"

_LIST_KEYS: dict[str, Callable[[dict[str, Any]], str]] = {
    "env": lambda item: str(item["name"]),
    "volumes": lambda item: str(item["container_path"]),
    "ports": lambda item: f"{item['published']}/{item.get('protocol', 'tcp')}",
}


def _keyed(spec: Spec) -> Spec:
    """The spec with keyed lists turned into maps, so they diff item by item."""
    shaped = dict(spec)
    for field, key in _LIST_KEYS.items():
        if isinstance(spec.get(field), list):
            shaped[field] = {key(item): item for item in spec[field]}
    return shaped


def _diff(live: Any, pending: Any, path: str, out: list[Change]) -> None:
    if isinstance(live, dict) and isinstance(pending, dict):
        for name in [*live, *(k for k in pending if k not in live)]:
            child = f"{path}.{name}" if path else str(name)
            if name not in pending:
                out.append(Change(path=child, change="removed", live=live[name]))
            elif name not in live:
                out.append(Change(path=child, change="added", pending=pending[name]))
            else:
                _diff(live[name], pending[name], child, out)
    elif live != pending:
        out.append(Change(path=path, change="changed", live=live, pending=pending))


def _mask_pair(live: Spec, pending: Spec, box: SecretBox | None) -> None:
    """Replace secrets on both sides by masks that differ only if the plaintexts do."""
    for name, var in pending.get("env", {}).items():
        before = live.get("env", {}).get(name)
        _mask_value(before, var, box, secret=bool(var.get("secret")))
    for name, var in live.get("env", {}).items():
        if var.get("secret") and name not in pending.get("env", {}):
            var["value"] = MASK
    before_credentials = (live.get("source") or {}).get("credentials")
    after_credentials = (pending.get("source") or {}).get("credentials")
    for name in CREDENTIAL_SECRETS:
        _mask_credential(before_credentials, after_credentials, name, box)


def _mask_credential(
    before: dict[str, Any] | None, after: dict[str, Any] | None, name: str, box: SecretBox | None
) -> None:
    """A registry password, Git token or deploy key: always secret, wherever it is set."""
    before_has = before is not None and isinstance(before.get(name), str)
    if after is not None and isinstance(after.get(name), str):
        _mask_value(before if before_has else None, after, box, secret=True, field=name)
    elif before is not None and before_has:
        before[name] = MASK


def _mask_value(
    before: dict[str, Any] | None,
    after: dict[str, Any],
    box: SecretBox | None,
    secret: bool,
    field: str = "value",
) -> None:
    was_secret = before is not None and (field != "value" or bool(before.get("secret")))
    if not (secret or was_secret):
        return
    same = before is not None and opened(before[field], box) == opened(after[field], box)
    if before is not None and was_secret:
        before[field] = MASK
    if secret:
        after[field] = MASK if same or before is None else CHANGED_SECRET


def pending_changes(
    live: Spec | None, pending: Spec, box: SecretBox | None, from_repository: Sequence[str] = ()
) -> list[Change]:
    """`from_repository`: the fields the live deployment took from its repository's config
    file; they differ from the spec by design, and are not pending."""
    live_shaped = _keyed(_without_unrun(copy.deepcopy(live or {})))
    pending_shaped = _keyed(_without_unrun(copy.deepcopy(pending)))
    _mask_pair(live_shaped, pending_shaped, box)
    changes: list[Change] = []
    _diff(live_shaped, pending_shaped, "", changes)
    return [change for change in changes if not _set_by(change.path, from_repository)]


# Read from the service itself by the controllers that use them, never deployed: an edit of
# these takes effect at once and is not a pending change.
NOT_DEPLOYED = ("backup", "cron_jobs", "alerts")


def _without_unrun(spec: Spec) -> Spec:
    return {name: value for name, value in spec.items() if name not in NOT_DEPLOYED}


def _set_by(path: str, fields: Sequence[str]) -> bool:
    return any(path == field or path.startswith(field + ".") for field in fields)
